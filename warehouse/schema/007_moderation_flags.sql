-- Moderation flags (nlp/moderation.py): the probability that a post is offensive
-- (insult, profanity, abuse) or hateful, from heads over the sentiment model's vectors.
-- English posts only for now; null where the post's language has no head. Posts scored
-- before this migration have none until they are scored again.

ALTER TABLE mentions ADD COLUMN prob_offensive DOUBLE;         -- P(offensive); null where the language has no head
ALTER TABLE mentions ADD COLUMN prob_hate DOUBLE;              -- P(hateful against a group); null likewise
ALTER TABLE mentions ADD COLUMN moderation_flags VARCHAR[];    -- the flags raised (P >= 0.5): offensive, hate
ALTER TABLE mentions ADD COLUMN moderation_version VARCHAR;    -- the heads' version (hash of their weights)
