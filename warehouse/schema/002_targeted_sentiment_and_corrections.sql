-- What each post says about each brand it names (the sentences naming the brand), and
-- analysts' corrections, which win over the model in every view and survive re-scoring.

ALTER TABLE mention_brands ADD COLUMN sentiment VARCHAR;        -- negative, neutral, positive
ALTER TABLE mention_brands ADD COLUMN sentiment_score DOUBLE;   -- in [-1, 1]
ALTER TABLE mention_brands ADD COLUMN prob_negative DOUBLE;    -- P(negative) for the brand
ALTER TABLE mention_brands ADD COLUMN prob_neutral DOUBLE;     -- P(neutral) for the brand
ALTER TABLE mention_brands ADD COLUMN prob_positive DOUBLE;    -- P(positive) for the brand

-- One row per correction an analyst made; key: correction_id. The latest correction of
-- a mention (for one brand, or for the whole post when brand is null) is the one used.
CREATE TABLE corrections (
    correction_id VARCHAR PRIMARY KEY,  -- hash of mention, brand, sentiment, author, time
    mention_id    VARCHAR NOT NULL,     -- the corrected mention
    brand         VARCHAR,              -- null: the whole post, for every brand it names
    sentiment     VARCHAR NOT NULL,     -- negative, neutral or positive
    corrected_by  VARCHAR NOT NULL,     -- who corrected it
    reason        VARCHAR,              -- why, in the analyst's words
    corrected_at  TIMESTAMPTZ NOT NULL  -- when
);
