-- latest_corrections: the analysts' correction in force, the latest one; a correction
-- of one copy of a post holds for all its copies.
-- Grain: one row per duplicate group and brand (brand null: the whole post).
-- Columns:
--   duplicate_group: the post (view mention_copies)
--   brand: the brand the correction is about; null for the whole post
--   sentiment: negative, neutral or positive
--   correction_id: the correction (table corrections)
--   corrected_by: who made it
--   corrected_at: when
CREATE OR REPLACE VIEW latest_corrections AS
SELECT cp.duplicate_group, c.brand, c.sentiment, c.correction_id, c.corrected_by, c.corrected_at
FROM corrections AS c
JOIN mention_copies AS cp USING (mention_id)
QUALIFY row_number() OVER (
    PARTITION BY cp.duplicate_group, c.brand ORDER BY c.corrected_at DESC, c.correction_id
) = 1;
