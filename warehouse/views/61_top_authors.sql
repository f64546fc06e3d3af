-- top_authors: who talks about each brand, most active first: relays (mostly positive)
-- and detractors (mostly negative), and the threads they post in. An author is a name
-- on one source: the same pseudonym on two sites may be two people.
-- Grain: one row per brand per source per author (posts without an author left out).
-- Columns:
--   brand: the brand
--   source_id: the source the author posts on
--   author: the name the site shows
--   author_url: the author's profile page, when the site links one
--   mentions: the author's distinct posts naming the brand
--   positive: of which positive about the brand
--   neutral: neutral ones
--   negative: negative ones
--   net_sentiment: (positive - negative) / mentions
--   stance: relay (net_sentiment of at least 0.5 over 2 posts or more), detractor (at
--     most -0.5 over 2 posts or more), else mixed
--   threads: how many threads (or articles) the author named the brand in
--   thread_titles: up to 5 of those threads' titles, the most posted-in first
--   first_seen: the author's earliest post naming the brand
--   last_seen: the latest one
--   rank: 1 for the author with the most posts naming the brand
CREATE OR REPLACE VIEW top_authors AS
WITH per_thread AS (
    SELECT
        brand,
        source_id,
        author,
        coalesce(thread_url, url) AS thread,
        any_value(coalesce(thread_title, thread_url, url)) AS title,
        count(*) AS posts
    FROM brand_mentions
    WHERE author IS NOT NULL
    GROUP BY ALL
),
per_author AS (
    SELECT
        brand,
        source_id,
        author,
        max(author_url) AS author_url,
        count(*) AS mentions,
        count(*) FILTER (WHERE sentiment = 'positive') AS positive,
        count(*) FILTER (WHERE sentiment = 'neutral') AS neutral,
        count(*) FILTER (WHERE sentiment = 'negative') AS negative,
        min(published_at) AS first_seen,
        max(published_at) AS last_seen
    FROM brand_mentions
    WHERE author IS NOT NULL
    GROUP BY brand, source_id, author
),
threads AS (
    SELECT
        brand,
        source_id,
        author,
        count(*) AS threads,
        list(title ORDER BY posts DESC, title)[1:5] AS thread_titles
    FROM per_thread
    GROUP BY brand, source_id, author
)
SELECT
    a.brand,
    a.source_id,
    a.author,
    a.author_url,
    a.mentions,
    a.positive,
    a.neutral,
    a.negative,
    (a.positive - a.negative) / a.mentions AS net_sentiment,
    CASE
        WHEN a.mentions >= 2 AND (a.positive - a.negative) / a.mentions >= 0.5 THEN 'relay'
        WHEN a.mentions >= 2 AND (a.positive - a.negative) / a.mentions <= -0.5 THEN 'detractor'
        ELSE 'mixed'
    END AS stance,
    t.threads,
    t.thread_titles,
    a.first_seen,
    a.last_seen,
    row_number() OVER (
        PARTITION BY a.brand ORDER BY a.mentions DESC, a.source_id, a.author
    ) AS rank
FROM per_author AS a
JOIN threads AS t USING (brand, source_id, author)
ORDER BY a.brand, rank;
