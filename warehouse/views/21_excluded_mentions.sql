-- excluded_mentions: the posts people marked "not about this brand", with the query
-- terms that matched them: what to add to the brand's `exclude` queries in brands.yaml
-- so that such posts stop matching.
-- Grain: one row per distinct post and brand it was excluded from.
-- Columns:
--   mention_id: the post (its earliest copy)
--   brand: the brand it is not about
--   terms: the query terms that matched it
--   source_id: the source in sources.yaml
--   url: the page holding the post
--   thread_title: the thread's (or article's) title
--   published_at: when the post was published
--   text: the post's clean text
--   excluded_by: who marked it
--   excluded_at: when
CREATE OR REPLACE VIEW excluded_mentions AS
SELECT
    b.mention_id,
    b.brand,
    b.terms,
    m.source_id,
    m.url,
    m.thread_title,
    m.published_at,
    m.text,
    x.excluded_by,
    x.excluded_at
FROM mention_brands AS b
JOIN mentions_clean AS m USING (mention_id)
JOIN brand_exclusions AS x ON x.duplicate_group = m.duplicate_group AND x.brand = b.brand;
