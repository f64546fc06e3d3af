-- mention_triage: where each reviewed post stands in the community manager's inbox:
-- handled or not, and its tags (tables mention_reviews; the latest decision wins).
-- Posts nobody reviewed have no row.
-- Grain: one row per duplicate group someone reviewed.
-- Columns:
--   duplicate_group: the post (the duplicate group of table mentions)
--   handled: true once marked handled (and not unmarked since)
--   handled_by: who marked it handled; null when not handled
--   handled_at: when; null when not handled
--   tags: its tags, in alphabetical order
CREATE OR REPLACE VIEW mention_triage AS
WITH decisions AS (
    SELECT m.duplicate_group, r.*
    FROM mention_reviews AS r
    JOIN mentions AS m USING (mention_id)
),
handling AS (
    SELECT duplicate_group, action = 'handled' AS handled, done_by, done_at
    FROM decisions
    WHERE action IN ('handled', 'unhandled')
    QUALIFY row_number() OVER (
        PARTITION BY duplicate_group ORDER BY done_at DESC, review_id DESC
    ) = 1
),
tagging AS (
    SELECT duplicate_group, list(tag ORDER BY tag) FILTER (WHERE action = 'tag') AS tags
    FROM (
        SELECT duplicate_group, tag, action
        FROM decisions
        WHERE action IN ('tag', 'untag')
        QUALIFY row_number() OVER (
            PARTITION BY duplicate_group, tag ORDER BY done_at DESC, review_id DESC
        ) = 1
    )
    GROUP BY duplicate_group
)
SELECT
    duplicate_group,
    coalesce(h.handled, false) AS handled,
    CASE WHEN h.handled THEN h.done_by END AS handled_by,
    CASE WHEN h.handled THEN h.done_at END AS handled_at,
    coalesce(t.tags, []) AS tags
FROM handling AS h
FULL JOIN tagging AS t USING (duplicate_group);
