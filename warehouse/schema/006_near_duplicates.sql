-- Near-duplicates: each post's MinHash band keys (nlp/duplicates.py), so that a new
-- post finds the posts it copies by equality on a few keys instead of comparing texts.
-- Two posts sharing at least 3 of their 16 bands are copies: the loader gives the new
-- one the older one's duplicate group. A short post has a single row with band -1 (no
-- fingerprint), so that it is not fingerprinted again. Posts loaded before this
-- migration keep their exact-copy groups and get their bands at the next load.

-- One row per post and band (mention_id, band).
CREATE TABLE mention_bands (
    mention_id VARCHAR NOT NULL, -- the post (mentions.mention_id)
    band       SMALLINT NOT NULL, -- 0 to 15, or -1 for a post too short to fingerprint
    hash       BIGINT NOT NULL    -- the band's key: a hash of its 4 MinHash values
);
-- No key or index: lookups are hash joins on (band, hash), and an index on 16 rows a
-- post would weigh more than the posts' text.
