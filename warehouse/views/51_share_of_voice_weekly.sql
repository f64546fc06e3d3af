-- share_of_voice_weekly: share_of_voice_daily summed over weeks (Monday to Sunday, UTC);
-- the week in progress is partial.
-- Grain: one row per monitored brand, per member of its market, per week.
-- Columns:
--   brand: the monitored brand whose market this is
--   member: the brand itself or one of its competitors
--   is_competitor: true for a competitor
--   week: the week's Monday
--   mentions: distinct posts naming the member that week
--   market_mentions: the sum of mentions over the market's members that week
--   share_of_voice: mentions / market_mentions, 0 to 1; null in a week without any
--   positive: posts positive about the member
--   negative: posts negative about the member
--   share_of_positive_voice: the member's share of the market's positive posts; null
--     in a week without any
--   net_sentiment: (positive - negative) / mentions; null without mentions
CREATE OR REPLACE VIEW share_of_voice_weekly AS
WITH weeks AS (
    SELECT
        brand,
        member,
        is_competitor,
        CAST(date_trunc('week', day) AS DATE) AS week,
        sum(mentions) AS mentions,
        sum(market_mentions) AS market_mentions,
        sum(positive) AS positive,
        sum(negative) AS negative
    FROM share_of_voice_daily
    GROUP BY ALL
),
totals AS (
    SELECT *, sum(positive) OVER (PARTITION BY brand, week) AS market_positive FROM weeks
)
SELECT
    brand,
    member,
    is_competitor,
    week,
    CAST(mentions AS BIGINT) AS mentions,
    CAST(market_mentions AS BIGINT) AS market_mentions,
    CASE WHEN market_mentions > 0 THEN mentions / market_mentions END AS share_of_voice,
    CAST(positive AS BIGINT) AS positive,
    CAST(negative AS BIGINT) AS negative,
    CASE WHEN market_positive > 0 THEN positive / market_positive END
        AS share_of_positive_voice,
    CASE WHEN mentions > 0 THEN (positive - negative) / mentions END AS net_sentiment
FROM totals
ORDER BY brand, week, is_competitor, member;
