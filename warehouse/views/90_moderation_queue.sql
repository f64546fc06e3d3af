-- moderation_queue: the posts a moderator should read, newest first: every post the
-- moderation heads flag as offensive or hateful (P >= 0.5, nlp/moderation.py), and, in
-- the communities the brand runs (sources.yaml `owned: true`, every post kept whether or
-- not it names a brand), every post breaking the netiquette (nlp/netiquette.py): an
-- e-mail address or phone number given, all-caps shouting, a link to a competitor's
-- site, the same post again by the same author. Each copy of a copied post is listed:
-- each sits in a space someone moderates.
-- Grain: one row per flagged post.
-- Columns:
--   mention_id: the post
--   source_id: the source in sources.yaml
--   owned: true in a community the brand runs
--   url: the page holding the post
--   thread_title: the thread's (or the article's) title
--   author: the post's author
--   author_url: the author's profile page, when linked
--   published_at: when the post was published
--   language: the post's language (the heads flag English posts only for now; the
--     netiquette rules read every language)
--   flags: the flags raised: offensive, hate; in owned communities also personal_data,
--     shouting, competitor_link, and repeated (a near-copy of an earlier post by the
--     same author in the same source)
--   prob_offensive: P(offensive)
--   prob_hate: P(hateful against a group)
--   flag_probability: the higher of the two
--   brands: the brands the post names (none for an owned community's other posts)
--   text: the post
CREATE OR REPLACE VIEW moderation_queue AS
WITH repeats AS (
    SELECT
        mention_id,
        row_number() OVER (
            PARTITION BY source_id, author, duplicate_group ORDER BY published_at, mention_id
        ) > 1 AS repeated
    FROM mentions
    WHERE owned AND author IS NOT NULL
),
flagged AS (
    SELECT
        m.*,
        list_concat(
            coalesce(m.moderation_flags, []),
            CASE WHEN r.repeated THEN ['repeated'] ELSE [] END
        ) AS flags
    FROM mentions AS m
    LEFT JOIN repeats AS r USING (mention_id)
)
SELECT
    m.mention_id,
    m.source_id,
    coalesce(m.owned, false) AS owned,
    m.url,
    m.thread_title,
    m.author,
    m.author_url,
    m.published_at,
    m.language,
    m.flags,
    m.prob_offensive,
    m.prob_hate,
    greatest(coalesce(m.prob_offensive, 0), coalesce(m.prob_hate, 0)) AS flag_probability,
    coalesce(
        (SELECT list(b.brand ORDER BY b.brand) FROM mention_brands AS b
         WHERE b.mention_id = m.mention_id),
        []
    ) AS brands,
    m.text
FROM flagged AS m
WHERE len(m.flags) > 0
ORDER BY m.published_at DESC, flag_probability DESC, m.mention_id;
