-- aspect_sentiment_daily: what each brand's mentions say about each aspect (price,
-- customer service, the network...: nlp/aspects.py), day by day: the sentiment of the
-- sentences of the brand's passage that name the aspect. Copies count once and posts
-- marked "not about this brand" are left out, as in brand_mentions.
-- Grain: one row per brand per aspect per day (UTC) with at least one post on it.
-- Columns:
--   brand: the brand
--   aspect: price, customer_service, network, product_quality, delivery, billing,
--     app_website, or one of the brand's own (brands.yaml aspects:)
--   day: the day the posts were published (UTC)
--   mentions: distinct posts about the brand that talk about the aspect
--   positive: of which positive about the aspect
--   neutral: of which neutral
--   negative: of which negative
--   net_sentiment: (positive - negative) / mentions
CREATE OR REPLACE VIEW aspect_sentiment_daily AS
SELECT
    bm.brand,
    a.aspect,
    bm.day,
    count(*) AS mentions,
    count(*) FILTER (WHERE a.sentiment = 'positive') AS positive,
    count(*) FILTER (WHERE a.sentiment = 'neutral') AS neutral,
    count(*) FILTER (WHERE a.sentiment = 'negative') AS negative,
    (count(*) FILTER (WHERE a.sentiment = 'positive')
     - count(*) FILTER (WHERE a.sentiment = 'negative')) / count(*) AS net_sentiment
FROM brand_mentions AS bm
JOIN mention_aspects AS a ON a.mention_id = bm.mention_id AND a.brand = bm.brand
WHERE bm.day IS NOT NULL
GROUP BY bm.brand, a.aspect, bm.day
ORDER BY bm.brand, a.aspect, bm.day;
