-- mention_copies: which mentions are copies of one post (syndicated or copy-pasted under
-- several URLs or sources), by their duplicate group (set at load: near-duplicates by
-- MinHash, nlp/duplicates.py; exact copies for posts loaded before migration 006).
-- Grain: one row per mention.
-- Columns:
--   mention_id: the mention
--   duplicate_group: shared by the copies of one post (the mention's own id when alone)
--   copies: how many mentions the group holds
--   is_first_copy: true for the group's earliest mention, the one the views count
CREATE OR REPLACE VIEW mention_copies AS
SELECT
    mention_id,
    duplicate_group,
    count(*) OVER (PARTITION BY duplicate_group) AS copies,
    row_number() OVER (
        PARTITION BY duplicate_group ORDER BY published_at, mention_id
    ) = 1 AS is_first_copy
FROM mentions;
