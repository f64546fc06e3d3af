-- latest_corrections: the analysts' correction in force, the latest one; a correction
-- of one copy of a post holds for all its copies.
-- Grain: one row per duplicate group and brand (brand null: the whole post).
-- Columns:
--   duplicate_group: the post (the duplicate group of table mentions)
--   brand: the brand the correction is about; null for the whole post
--   sentiment: negative, neutral or positive
--   sentiment_score: what the correction counts in scores: -1, 0 or +1
--   correction_id: the correction (table corrections)
--   corrected_by: who made it
--   corrected_at: when
CREATE OR REPLACE VIEW latest_corrections AS
SELECT
    m.duplicate_group,
    c.brand,
    c.sentiment,
    CASE c.sentiment WHEN 'negative' THEN -1.0 WHEN 'neutral' THEN 0.0 WHEN 'positive' THEN 1.0 END
        AS sentiment_score,
    c.correction_id,
    c.corrected_by,
    c.corrected_at
FROM corrections AS c
JOIN mentions AS m USING (mention_id)
QUALIFY row_number() OVER (
    PARTITION BY m.duplicate_group, c.brand ORDER BY c.corrected_at DESC, c.correction_id
) = 1;
