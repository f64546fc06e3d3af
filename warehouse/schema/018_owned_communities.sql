-- Posts of the communities a brand runs (sources.yaml `owned: true`) are kept whether or
-- not they name a brand, for moderation; their netiquette flags (personal_data, shouting,
-- competitor_link; nlp/netiquette.py) join moderation_flags.
ALTER TABLE mentions ADD COLUMN owned BOOLEAN DEFAULT false;  -- posted in an owned community
