-- Each topic's most representative posts, so that a topic is read from its posts and
-- not only from its keywords (nlp/topics.py; view topic_posts). Topics founded before
-- this get theirs as posts join them (null until then).
ALTER TABLE topics ADD COLUMN examples VARCHAR[];            -- its posts nearest its centroid (mentions.mention_id), nearest first, at most 3
ALTER TABLE topics ADD COLUMN example_similarities FLOAT[];  -- their cosine similarity to the centroid when they joined
