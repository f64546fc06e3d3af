-- moderation_queue: the posts a moderator should read, newest first: every post the
-- moderation heads flag as offensive or hateful (P >= 0.5, nlp/moderation.py). Each
-- copy of a copied post is listed: each sits in a space someone moderates.
-- Grain: one row per flagged post.
-- Columns:
--   mention_id: the post
--   source_id: the source in sources.yaml
--   url: the page holding the post
--   thread_title: the thread's (or the article's) title
--   author: the post's author
--   author_url: the author's profile page, when linked
--   published_at: when the post was published
--   language: the post's language (only English posts have flags for now)
--   flags: the flags raised: offensive, hate
--   prob_offensive: P(offensive)
--   prob_hate: P(hateful against a group)
--   flag_probability: the higher of the two
--   brands: the brands the post names
--   text: the post
CREATE OR REPLACE VIEW moderation_queue AS
SELECT
    m.mention_id,
    m.source_id,
    m.url,
    m.thread_title,
    m.author,
    m.author_url,
    m.published_at,
    m.language,
    m.moderation_flags AS flags,
    m.prob_offensive,
    m.prob_hate,
    greatest(coalesce(m.prob_offensive, 0), coalesce(m.prob_hate, 0)) AS flag_probability,
    coalesce(
        (SELECT list(b.brand ORDER BY b.brand) FROM mention_brands AS b
         WHERE b.mention_id = m.mention_id),
        []
    ) AS brands,
    m.text
FROM mentions AS m
WHERE len(coalesce(m.moderation_flags, [])) > 0
ORDER BY m.published_at DESC, flag_probability DESC, m.mention_id;
