-- mentions_clean: the staging view analysts start from: one row per distinct post, copies
-- collapsed to the earliest (view mention_copies), an analyst's correction of the whole
-- post winning over the model.
-- Grain: one row per distinct post.
-- Columns: those of table mentions (sentiment and sentiment_score corrected; a correction
--   counts -1, 0 or +1), and:
--   day: the day the post was published (UTC)
--   local_day: that day as the post's page shows it, at published_offset_minutes (the
--     UTC day where the offset is unknown)
--   model_sentiment: the model's label, before any correction
--   model_sentiment_score: the model's score, before any correction
--   corrected: true when an analyst's correction applies
--   duplicate_group: shared by the copies of this post
--   copies: how many mentions this row stands for
CREATE OR REPLACE VIEW mentions_clean AS
SELECT
    m.* EXCLUDE (duplicate_group) REPLACE (
        coalesce(c.sentiment, m.sentiment) AS sentiment,
        coalesce(c.sentiment_score, m.sentiment_score) AS sentiment_score
    ),
    CAST(timezone('UTC', m.published_at) AS DATE) AS day,
    CAST(
        timezone('UTC', m.published_at) + to_minutes(coalesce(m.published_offset_minutes, 0))
        AS DATE
    ) AS local_day,
    m.sentiment AS model_sentiment,
    m.sentiment_score AS model_sentiment_score,
    c.sentiment IS NOT NULL AS corrected,
    cp.duplicate_group,
    cp.copies
FROM mentions AS m
JOIN mention_copies AS cp USING (mention_id)
LEFT JOIN latest_corrections AS c ON c.duplicate_group = cp.duplicate_group AND c.brand IS NULL
WHERE cp.is_first_copy;
