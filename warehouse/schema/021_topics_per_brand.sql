-- Topics are found in each brand's talk apart, so that the topics of unrelated brands
-- never mix (nlp/topics.py, warehouse/topics.py): a post naming two brands joins a topic
-- of each (mentions.topics holds both).
ALTER TABLE topics ADD COLUMN brand VARCHAR;  -- the brand whose mentions it groups; null for topics founded before topics were per brand (no post joins them any more)
