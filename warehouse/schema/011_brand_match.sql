-- How a post came to be about a brand: it names the brand itself, or it sits in a
-- thread whose title or opening post does (thread context, brands.yaml's
-- `thread_context`). Rows stored before are direct matches.

ALTER TABLE mention_brands ADD COLUMN match VARCHAR DEFAULT 'text';  -- text: the post names the brand (its text or its own title); context: the post does not, the thread's title or opening post does (terms are then theirs)
-- set apart: DuckDB 1.5 adds no column with a constraint
ALTER TABLE mention_brands ALTER COLUMN match SET NOT NULL;
