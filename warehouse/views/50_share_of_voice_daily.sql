-- share_of_voice_daily: each monitored brand against its competitors (brands.yaml), day
-- by day: how much of the talk about the brand and its competitors is about each, and
-- how much of the positive talk.
-- Grain: one row per monitored brand, per member of its market (the brand itself and
-- each competitor), per day (UTC), from the market's first mention to the last day.
-- Columns:
--   brand: the monitored brand whose market this is
--   member: the brand itself or one of its competitors
--   is_competitor: true for a competitor
--   day: the day (UTC)
--   mentions: distinct posts naming the member that day
--   market_mentions: the sum of mentions over the market's members that day
--   share_of_voice: mentions / market_mentions, 0 to 1; null on a day without any
--   positive: posts positive about the member
--   negative: posts negative about the member
--   share_of_positive_voice: the member's share of the market's positive posts; null
--     on a day without any
--   net_sentiment: (positive - negative) / mentions; null without mentions
CREATE OR REPLACE VIEW share_of_voice_daily AS
WITH markets AS (
    SELECT brand, unnest(list_prepend(brand, competitors)) AS member
    FROM brands
    WHERE role = 'brand'
),
first_days AS (
    SELECT mk.brand, min(d.day) AS first_day
    FROM markets AS mk
    JOIN daily_brand_sentiment AS d ON d.brand = mk.member
    GROUP BY mk.brand
),
calendar AS (
    SELECT mk.brand, mk.member, days.day
    FROM markets AS mk
    JOIN first_days AS f USING (brand)
    JOIN (SELECT DISTINCT day FROM daily_brand_sentiment) AS days ON days.day >= f.first_day
),
counts AS (
    SELECT
        c.brand,
        c.member,
        c.member <> c.brand AS is_competitor,
        c.day,
        coalesce(d.mentions, 0) AS mentions,
        coalesce(d.positive, 0) AS positive,
        coalesce(d.negative, 0) AS negative
    FROM calendar AS c
    LEFT JOIN daily_brand_sentiment AS d ON d.brand = c.member AND d.day = c.day
),
totals AS (
    SELECT
        *,
        sum(mentions) OVER market_day AS market_mentions,
        sum(positive) OVER market_day AS market_positive
    FROM counts
    WINDOW market_day AS (PARTITION BY brand, day)
)
SELECT
    brand,
    member,
    is_competitor,
    day,
    mentions,
    CAST(market_mentions AS BIGINT) AS market_mentions,
    CASE WHEN market_mentions > 0 THEN mentions / market_mentions END AS share_of_voice,
    positive,
    negative,
    CASE WHEN market_positive > 0 THEN positive / market_positive END
        AS share_of_positive_voice,
    CASE WHEN mentions > 0 THEN (positive - negative) / mentions END AS net_sentiment
FROM totals
ORDER BY brand, day, is_competitor, member;
