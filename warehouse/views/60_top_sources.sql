-- top_sources: the communities that talk about each brand (a blog, a forum, a section
-- of one), busiest first, with what they say. "Recent" is the 30 days ending on the
-- last day in the warehouse.
-- Grain: one row per brand per source (sources.yaml).
-- Columns:
--   brand: the brand
--   source_id: the source in sources.yaml
--   source_kind: blog, forum, news or review
--   site: the host name of its pages, without "www."
--   mentions: distinct posts naming the brand, all time
--   mentions_30d: of which in the recent 30 days
--   positive: posts positive about the brand, all time
--   neutral: neutral ones
--   negative: negative ones
--   net_sentiment: (positive - negative) / mentions
--   net_sentiment_30d: the same over the recent 30 days; null without mentions then
--   threads: distinct threads (or articles) naming the brand
--   authors: distinct authors naming the brand
--   first_seen: the earliest post naming the brand
--   last_seen: the latest one
--   rank: 1 for the source with the most mentions of the brand
CREATE OR REPLACE VIEW top_sources AS
WITH recent AS (
    SELECT max(day) - INTERVAL 29 DAY AS since FROM brand_mentions
),
per_source AS (
    SELECT
        brand,
        source_id,
        any_value(source_kind) AS source_kind,
        any_value(regexp_extract(url, '^[a-zA-Z]+://(?:www\.)?([^/:?#]+)', 1)) AS site,
        count(*) AS mentions,
        count(*) FILTER (WHERE day >= (SELECT since FROM recent)) AS mentions_30d,
        count(*) FILTER (WHERE sentiment = 'positive') AS positive,
        count(*) FILTER (WHERE sentiment = 'neutral') AS neutral,
        count(*) FILTER (WHERE sentiment = 'negative') AS negative,
        count(*) FILTER (WHERE sentiment = 'positive' AND day >= (SELECT since FROM recent))
            AS positive_30d,
        count(*) FILTER (WHERE sentiment = 'negative' AND day >= (SELECT since FROM recent))
            AS negative_30d,
        count(DISTINCT coalesce(thread_url, url)) AS threads,
        count(DISTINCT author) AS authors,
        min(published_at) AS first_seen,
        max(published_at) AS last_seen
    FROM brand_mentions
    GROUP BY brand, source_id
)
SELECT
    brand,
    source_id,
    source_kind,
    site,
    mentions,
    mentions_30d,
    positive,
    neutral,
    negative,
    (positive - negative) / mentions AS net_sentiment,
    CASE WHEN mentions_30d > 0 THEN (positive_30d - negative_30d) / mentions_30d END
        AS net_sentiment_30d,
    threads,
    authors,
    first_seen,
    last_seen,
    row_number() OVER (PARTITION BY brand ORDER BY mentions DESC, source_id) AS rank
FROM per_source
ORDER BY brand, rank;
