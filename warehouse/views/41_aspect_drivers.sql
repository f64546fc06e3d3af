-- aspect_drivers: which aspects pulled each brand's reputation down over its last 7
-- days (the window of reputation_index's latest day): the negative posts about each
-- aspect against their usual number for 7 days (a quarter of the 28 days before), and
-- their share of the brand's negative posts of the week. The first rows are what a
-- community manager answers first ("customer service: 12 negative posts, usually 1").
-- Grain: one row per brand per aspect talked about over the 35 days to its latest day.
-- Columns:
--   brand: the brand
--   aspect: the aspect (view aspect_sentiment_daily)
--   week_to: the brand's latest day with posts, the last day of the 7
--   mentions_7d: distinct posts about the brand talking about the aspect over the 7 days
--   negative_7d: of which negative about the aspect
--   usual_negative_7d: its negative posts over the 28 days before, divided by 4
--   extra_negative: negative_7d - usual_negative_7d (the rows are sorted on it)
--   share_of_negative: negative_7d / the brand's negative posts of the 7 days (a post
--     may talk about several aspects); null when it had none
--   net_sentiment_7d: (positive - negative) / mentions over the 7 days; null without
CREATE OR REPLACE VIEW aspect_drivers AS
WITH last_days AS (
    SELECT brand, max(day) AS week_to FROM brand_mentions GROUP BY brand
),
weeks AS (
    SELECT
        d.brand,
        d.aspect,
        l.week_to,
        coalesce(sum(d.mentions) FILTER (WHERE d.day > l.week_to - 7), 0) AS mentions_7d,
        coalesce(sum(d.positive) FILTER (WHERE d.day > l.week_to - 7), 0) AS positive_7d,
        coalesce(sum(d.negative) FILTER (WHERE d.day > l.week_to - 7), 0) AS negative_7d,
        coalesce(sum(d.negative) FILTER (WHERE d.day <= l.week_to - 7), 0) / 4 AS usual
    FROM aspect_sentiment_daily AS d
    JOIN last_days AS l USING (brand)
    WHERE d.day > l.week_to - 35
    GROUP BY d.brand, d.aspect, l.week_to
),
brand_negative AS (
    SELECT bm.brand, count(*) AS negative
    FROM brand_mentions AS bm
    JOIN last_days AS l USING (brand)
    WHERE bm.day > l.week_to - 7 AND bm.sentiment = 'negative'
    GROUP BY bm.brand
)
SELECT
    w.brand,
    w.aspect,
    w.week_to,
    w.mentions_7d,
    w.negative_7d,
    w.usual AS usual_negative_7d,
    w.negative_7d - w.usual AS extra_negative,
    w.negative_7d / nullif(b.negative, 0) AS share_of_negative,
    (w.positive_7d - w.negative_7d) / nullif(w.mentions_7d, 0) AS net_sentiment_7d
FROM weeks AS w
LEFT JOIN brand_negative AS b USING (brand)
ORDER BY w.brand, extra_negative DESC, w.aspect;
