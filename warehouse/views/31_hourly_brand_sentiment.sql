-- hourly_brand_sentiment: hourly volume and sentiment per brand, every hour from the
-- brand's first mention to the last hour in the warehouse, quiet hours included (zero
-- mentions). What the hourly alerts test; daily_brand_sentiment's counterpart.
-- Grain: one row per brand per hour (UTC).
-- Columns:
--   brand: the brand
--   hour_start: the hour's start (UTC)
--   day: its day (UTC)
--   hour: its hour of the day (UTC, 0-23)
--   mentions: distinct posts naming the brand that hour
--   positive: of which positive about the brand
--   neutral: of which neutral
--   negative: of which negative
--   net_sentiment: (positive - negative) / mentions, in [-1, 1]; null without mentions
CREATE OR REPLACE VIEW hourly_brand_sentiment AS
WITH posts AS (
    SELECT brand, mention_id, sentiment,
        date_trunc('hour', timezone('UTC', published_at)) AS hour_start
    FROM brand_mentions
),
calendar AS (
    SELECT
        brand,
        unnest(generate_series(
            min(hour_start), (SELECT max(hour_start) FROM posts), INTERVAL 1 HOUR
        )) AS hour_start
    FROM posts
    GROUP BY brand
)
SELECT
    c.brand,
    c.hour_start,
    CAST(c.hour_start AS DATE) AS day,
    CAST(hour(c.hour_start) AS INTEGER) AS hour,
    count(p.mention_id) AS mentions,
    count(*) FILTER (WHERE p.sentiment = 'positive') AS positive,
    count(*) FILTER (WHERE p.sentiment = 'neutral') AS neutral,
    count(*) FILTER (WHERE p.sentiment = 'negative') AS negative,
    CASE WHEN count(p.mention_id) > 0 THEN
        (count(*) FILTER (WHERE p.sentiment = 'positive')
         - count(*) FILTER (WHERE p.sentiment = 'negative')) / count(p.mention_id)
    END AS net_sentiment
FROM calendar AS c
LEFT JOIN posts AS p USING (brand, hour_start)
GROUP BY c.brand, c.hour_start
ORDER BY c.brand, c.hour_start;
