-- Topics (nlp/topics.py): what posts are about, as clusters of their sentence vectors
-- named by their keywords. The loader assigns each new post to a topic; mentions.topics
-- holds the topic ids. Ids never change; labels follow the keywords as topics grow.

-- One row per topic; key: topic_id.
CREATE TABLE topics (
    topic_id   VARCHAR PRIMARY KEY,   -- "t" + a hash of the posts that founded it
    label      VARCHAR NOT NULL,      -- its top three keywords or two-word phrases
    keywords   VARCHAR[] NOT NULL,    -- its top keywords and phrases (c-TF-IDF), best first; no word of a brand's name or queries
    size       INTEGER NOT NULL,      -- posts assigned to it so far
    centroid   FLOAT[] NOT NULL,      -- the mean direction of its posts' vectors
    terms      JSON NOT NULL,         -- its word counts (the top 300), for relabelling
    position   INTEGER NOT NULL,      -- creation order (the index's order)
    created_at TIMESTAMPTZ NOT NULL,  -- when it was founded
    updated_at TIMESTAMPTZ NOT NULL   -- the last load that added posts to it
);

-- Posts that fit no topic yet, kept with their vectors so that a later load can found
-- a topic from them and its own posts; key: mention_id. Dropped after 30 days.
CREATE TABLE topic_pending (
    mention_id   VARCHAR PRIMARY KEY, -- the post (mentions.mention_id)
    vector       FLOAT[] NOT NULL,    -- its topic vector
    published_at TIMESTAMPTZ NOT NULL -- when it was published
);
