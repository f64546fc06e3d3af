-- reputation_index: a brand's reputation on a 0-100 scale, day by day. Over the 7 days
-- ending that day, the share of positive posts among those that take a side (positive or
-- negative; neutral posts move nothing), with one positive and one negative post added
-- as a prior so that a handful of posts stays near 50:
--     reputation_index = 100 * (positive_7d + 1) / (positive_7d + negative_7d + 2).
-- 50 is as many positive as negative posts; 90 is nine positive for one negative. The
-- 7-day window evens out weekdays and weekends; the prior keeps quiet weeks from
-- swinging to 0 or 100 on one post.
-- Grain: one row per brand per day (UTC), the days of daily_brand_sentiment.
-- Columns:
--   brand: the brand
--   day: the last day of the 7-day window
--   mentions_7d: distinct posts naming the brand over the 7 days
--   positive_7d: of which positive about the brand
--   negative_7d: of which negative
--   net_sentiment_7d: (positive_7d - negative_7d) / mentions_7d; null without mentions
--   reputation_index: as defined above, 0 to 100
--   change_7d: reputation_index minus its value 7 days earlier; null in the first week
CREATE OR REPLACE VIEW reputation_index AS
WITH windows AS (
    SELECT
        brand,
        day,
        sum(mentions) OVER last_7_days AS mentions_7d,
        sum(positive) OVER last_7_days AS positive_7d,
        sum(negative) OVER last_7_days AS negative_7d
    FROM daily_brand_sentiment
    WINDOW last_7_days AS (PARTITION BY brand ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
),
indexed AS (
    SELECT
        *,
        CASE WHEN mentions_7d > 0 THEN (positive_7d - negative_7d) / mentions_7d END
            AS net_sentiment_7d,
        100.0 * (positive_7d + 1) / (positive_7d + negative_7d + 2) AS reputation_index
    FROM windows
)
SELECT
    brand,
    CAST(day AS DATE) AS day,
    CAST(mentions_7d AS BIGINT) AS mentions_7d,
    CAST(positive_7d AS BIGINT) AS positive_7d,
    CAST(negative_7d AS BIGINT) AS negative_7d,
    net_sentiment_7d,
    reputation_index,
    reputation_index - lag(reputation_index, 7) OVER (PARTITION BY brand ORDER BY day)
        AS change_7d
FROM indexed
ORDER BY brand, day;
