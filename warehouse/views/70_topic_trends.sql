-- topic_trends: what people talk about when they name each brand, week over week (weeks
-- from Monday, UTC): the topics that grow, and how they feel about the brand in them.
-- Each brand's topics are found in its own talk (a post naming two brands is in a topic
-- of each; each brand counts its own).
-- Grain: one row per brand per topic per week with at least one post.
-- Columns:
--   brand: the brand
--   topic_id: the topic (table topics)
--   topic: its label, its top keywords (the id itself for a topic not in table topics)
--   week: the week's Monday
--   mentions: distinct posts naming the brand in this topic that week
--   previous_mentions: the same the week before (0 when none)
--   growth: mentions - previous_mentions
--   negative: posts negative about the brand in this topic that week
--   net_sentiment: (positive - negative) / mentions
CREATE OR REPLACE VIEW topic_trends AS
WITH weekly AS (
    SELECT
        brand,
        unnest(topics) AS topic,
        CAST(date_trunc('week', day) AS DATE) AS week,
        sentiment
    FROM brand_mentions
    WHERE day IS NOT NULL  -- a post without a date is in no week
),
mine AS (  -- each brand's own topics (a post naming two brands has a topic of each)
    SELECT w.*
    FROM weekly AS w
    LEFT JOIN topics AS k ON k.topic_id = w.topic
    WHERE k.brand IS NULL OR k.brand = w.brand
),
counts AS (
    SELECT
        brand,
        topic,
        week,
        count(*) AS mentions,
        count(*) FILTER (WHERE sentiment = 'positive') AS positive,
        count(*) FILTER (WHERE sentiment = 'negative') AS negative
    FROM mine
    GROUP BY ALL
)
SELECT
    c.brand,
    c.topic AS topic_id,
    coalesce(t.label, c.topic) AS topic,
    c.week,
    c.mentions,
    coalesce(p.mentions, 0) AS previous_mentions,
    c.mentions - coalesce(p.mentions, 0) AS growth,
    c.negative,
    (c.positive - c.negative) / c.mentions AS net_sentiment
FROM counts AS c
LEFT JOIN counts AS p
    ON p.brand = c.brand AND p.topic = c.topic AND p.week = c.week - INTERVAL 7 DAY
LEFT JOIN topics AS t ON t.topic_id = c.topic
ORDER BY c.brand, c.week, growth DESC, c.topic;
