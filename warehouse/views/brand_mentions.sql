-- brand_mentions: one row per mention and brand it names, with the sentiment every view
-- counts: an analyst's correction when there is one (for that brand, else for the whole
-- post), else the model's score of what the post says about the brand.
-- Columns: mention_id, brand, terms, source_id, source_kind, url, thread_url,
--   thread_title, author, published_at, day (UTC), language, text,
--   sentiment, sentiment_score (a correction counts -1, 0 or +1), model_sentiment,
--   model_sentiment_score, post_sentiment (the whole post's, by the model), corrected
--   (true when an analyst's correction applies), model_name, model_version.
CREATE OR REPLACE VIEW brand_mentions AS
WITH latest AS (
    SELECT mention_id, brand, sentiment
    FROM corrections
    QUALIFY row_number() OVER (
        PARTITION BY mention_id, brand ORDER BY corrected_at DESC, correction_id
    ) = 1
)
SELECT
    b.mention_id,
    b.brand,
    b.terms,
    m.source_id,
    m.source_kind,
    m.url,
    m.thread_url,
    m.thread_title,
    m.author,
    m.published_at,
    CAST(timezone('UTC', m.published_at) AS DATE) AS day,
    m.language,
    m.text,
    coalesce(for_brand.sentiment, for_post.sentiment, b.sentiment, m.sentiment) AS sentiment,
    CASE coalesce(for_brand.sentiment, for_post.sentiment)
        WHEN 'negative' THEN -1.0
        WHEN 'neutral' THEN 0.0
        WHEN 'positive' THEN 1.0
        ELSE coalesce(b.sentiment_score, m.sentiment_score)
    END AS sentiment_score,
    coalesce(b.sentiment, m.sentiment) AS model_sentiment,
    coalesce(b.sentiment_score, m.sentiment_score) AS model_sentiment_score,
    m.sentiment AS post_sentiment,
    coalesce(for_brand.sentiment, for_post.sentiment) IS NOT NULL AS corrected,
    m.model_name,
    m.model_version
FROM mention_brands AS b
JOIN mentions AS m USING (mention_id)
LEFT JOIN latest AS for_brand ON for_brand.mention_id = b.mention_id AND for_brand.brand = b.brand
LEFT JOIN latest AS for_post ON for_post.mention_id = b.mention_id AND for_post.brand IS NULL;
