-- A very long post (over 12,000 characters) is scored on its beginning and its end
-- (nlp/scoring.py): how many characters the model read, so an analyst can tell.

ALTER TABLE mentions ADD COLUMN scored_chars INTEGER;  -- characters the sentiment model read when it read only the beginning and end of a long post; null: the whole text
