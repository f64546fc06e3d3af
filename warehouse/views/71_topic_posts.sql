-- topic_posts: each topic's most representative posts (those nearest its centroid when
-- they joined it, nlp/topics.py), to read what a topic is about beyond its label.
-- Grain: one row per topic per representative post (at most 3 per topic).
-- Columns:
--   topic_id: the topic (table topics)
--   brand: the brand whose talk it groups (null for topics founded before topics were
--     per brand)
--   topic: its label
--   rank: 1 for the post nearest the centroid
--   mention_id: the post
--   similarity: its cosine similarity to the topic's centroid when it joined
--   source_id: the source in sources.yaml
--   url: the page holding the post
--   published_at: when the post was published
--   text: the post
CREATE OR REPLACE VIEW topic_posts AS
WITH examples AS (
    SELECT
        topic_id,
        brand,
        label,
        unnest(examples) AS mention_id,
        unnest(example_similarities) AS similarity,
        generate_subscripts(examples, 1) AS rank
    FROM topics
)
SELECT
    e.topic_id,
    e.brand,
    e.label AS topic,
    e.rank,
    e.mention_id,
    e.similarity,
    m.source_id,
    m.url,
    m.published_at,
    m.text
FROM examples AS e
JOIN mentions AS m USING (mention_id)
ORDER BY e.topic_id, e.rank;
