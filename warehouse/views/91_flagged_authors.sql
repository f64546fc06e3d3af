-- flagged_authors: who, in each source, writes the posts the moderation heads flag:
-- the authors to watch first, with their share of flagged posts.
-- Grain: one row per source per author with at least one flagged post.
-- Columns:
--   source_id: the source in sources.yaml
--   author: the author, as the site shows it
--   author_url: their profile page, when linked
--   posts: their posts there, all stored
--   flagged: of which flagged (offensive, hate, or a netiquette flag in an owned community)
--   offensive: of which flagged offensive
--   hate: of which flagged hate
--   flagged_share: flagged / posts
--   last_flagged_at: their latest flagged post
CREATE OR REPLACE VIEW flagged_authors AS
SELECT
    source_id,
    author,
    any_value(author_url) AS author_url,
    count(*) AS posts,
    count(*) FILTER (WHERE len(coalesce(moderation_flags, [])) > 0) AS flagged,
    count(*) FILTER (WHERE list_contains(moderation_flags, 'offensive')) AS offensive,
    count(*) FILTER (WHERE list_contains(moderation_flags, 'hate')) AS hate,
    flagged / posts AS flagged_share,
    max(published_at) FILTER (WHERE len(coalesce(moderation_flags, [])) > 0) AS last_flagged_at
FROM mentions
WHERE author IS NOT NULL
GROUP BY source_id, author
HAVING flagged > 0
ORDER BY flagged DESC, flagged_share DESC, source_id, author;
