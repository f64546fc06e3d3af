-- mention_copies: which mentions are copies of one post (syndicated or copy-pasted under
-- several URLs or sources). Exact copies for now: the same text, case and spacing
-- aside, of at least 80 characters (shorter posts such as "+1" are never copies).
-- Grain: one row per mention.
-- Columns:
--   mention_id: the mention
--   duplicate_group: shared by the copies of one post (the mention's own id when alone)
--   copies: how many mentions the group holds
--   is_first_copy: true for the group's earliest mention, the one the views count
CREATE OR REPLACE VIEW mention_copies AS
WITH normalised AS (
    SELECT mention_id, published_at, lower(regexp_replace(trim(text), '\s+', ' ', 'g')) AS norm
    FROM mentions
),
grouped AS (
    SELECT
        mention_id,
        published_at,
        CASE WHEN length(norm) >= 80 THEN md5(norm) ELSE mention_id END AS duplicate_group
    FROM normalised
)
SELECT
    mention_id,
    duplicate_group,
    count(*) OVER (PARTITION BY duplicate_group) AS copies,
    row_number() OVER (
        PARTITION BY duplicate_group ORDER BY published_at, mention_id
    ) = 1 AS is_first_copy
FROM grouped;
