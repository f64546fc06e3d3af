-- daily_brand_sentiment: daily volume and sentiment per brand, every day from the
-- brand's first mention to the last day in the warehouse, quiet days included (zero
-- mentions). Sentiment is what each post says about the brand (view brand_mentions).
-- Grain: one row per brand per day (UTC).
-- Columns:
--   brand: the brand
--   day: the day (UTC)
--   mentions: distinct posts naming the brand that day
--   positive: of which positive about the brand
--   neutral: of which neutral
--   negative: of which negative
--   net_sentiment: (positive - negative) / mentions, in [-1, 1]; null without mentions
--   mean_score: mean sentiment_score; null without mentions
CREATE OR REPLACE VIEW daily_brand_sentiment AS
WITH last_day AS (
    SELECT max(day) AS day FROM brand_mentions
),
calendar AS (
    SELECT
        brand,
        CAST(unnest(generate_series(min(day), (SELECT day FROM last_day), INTERVAL 1 DAY)) AS DATE)
            AS day
    FROM brand_mentions
    GROUP BY brand
)
SELECT
    c.brand,
    c.day,
    count(bm.mention_id) AS mentions,
    count(*) FILTER (WHERE bm.sentiment = 'positive') AS positive,
    count(*) FILTER (WHERE bm.sentiment = 'neutral') AS neutral,
    count(*) FILTER (WHERE bm.sentiment = 'negative') AS negative,
    CASE WHEN count(bm.mention_id) > 0 THEN
        (count(*) FILTER (WHERE bm.sentiment = 'positive')
         - count(*) FILTER (WHERE bm.sentiment = 'negative')) / count(bm.mention_id)
    END AS net_sentiment,
    avg(bm.sentiment_score) AS mean_score
FROM calendar AS c
LEFT JOIN brand_mentions AS bm USING (brand, day)
GROUP BY c.brand, c.day
ORDER BY c.brand, c.day;
