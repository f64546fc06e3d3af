-- Aspects (nlp/aspects.py): what each brand mention talks about (price, customer
-- service, the network...) and the sentiment of the sentences that name it, so that a
-- drop can be traced to what drove it (views aspect_sentiment_daily, aspect_drivers).

-- One row per mention, brand and aspect it talks about; key: (mention_id, brand, aspect).
CREATE TABLE mention_aspects (
    mention_id      VARCHAR NOT NULL,  -- the post (table mentions)
    brand           VARCHAR NOT NULL,  -- the brand (table mention_brands)
    aspect          VARCHAR NOT NULL,  -- price, customer_service, network, product_quality, delivery, billing, app_website, or the brand's own (brands.yaml)
    sentiment       VARCHAR NOT NULL,  -- negative, neutral or positive: what the sentences naming it say
    sentiment_score DOUBLE NOT NULL,   -- P(positive) - P(negative) of those sentences
    PRIMARY KEY (mention_id, brand, aspect)
);
