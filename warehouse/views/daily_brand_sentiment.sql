-- daily_brand_sentiment: one row per brand per day (UTC), every day from the brand's
-- first mention to the last day in the warehouse, days without mentions included.
-- Sentiment is what each post says about the brand (view brand_mentions: the sentences
-- naming it, or an analyst's correction).
-- Columns: brand, day, mentions, positive, neutral, negative,
--   net_sentiment ((positive - negative) / mentions, null without mentions),
--   mean_score (mean sentiment_score, null without mentions).
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
