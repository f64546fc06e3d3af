-- brand_exclusions: the posts people marked "not about this brand" in `veille web`
-- (table mention_reviews), the latest decision winning ("about" undoes it). A decision
-- on one copy of a post holds for all its copies. View brand_mentions leaves these
-- pairs out, and with it every view built on it.
-- Grain: one row per duplicate group and brand excluded.
-- Columns:
--   duplicate_group: the post (the duplicate group of table mentions)
--   brand: the brand the post is not about
--   excluded_by: who decided
--   excluded_at: when
CREATE OR REPLACE VIEW brand_exclusions AS
SELECT duplicate_group, brand, excluded_by, excluded_at
FROM (
    SELECT m.duplicate_group, r.brand, r.action, r.done_by AS excluded_by, r.done_at AS excluded_at
    FROM mention_reviews AS r
    JOIN mentions AS m USING (mention_id)
    WHERE r.action IN ('not_about', 'about')
    QUALIFY row_number() OVER (
        PARTITION BY m.duplicate_group, r.brand ORDER BY r.done_at DESC, r.review_id DESC
    ) = 1
)
WHERE action = 'not_about';
