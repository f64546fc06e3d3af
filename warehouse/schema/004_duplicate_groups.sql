-- Copies of one post (syndicated or pasted under several URLs or sources) share a
-- duplicate group, computed once at load rather than by every view. Exact copies: the
-- same text, case and spacing aside, of at least 80 characters (shorter posts such as
-- "+1" are never copies).

CREATE MACRO duplicate_group_of(post_text, id) AS (
    CASE
        WHEN length(lower(regexp_replace(trim(post_text), '\s+', ' ', 'g'))) >= 80
            THEN md5(lower(regexp_replace(trim(post_text), '\s+', ' ', 'g')))
        ELSE id
    END
);

ALTER TABLE mentions ADD COLUMN duplicate_group VARCHAR; -- shared by the copies of one post
UPDATE mentions SET duplicate_group = duplicate_group_of(text, mention_id);
