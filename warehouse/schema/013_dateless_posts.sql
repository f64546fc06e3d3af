-- A post whose date could not be read is kept, its published_at null (counted in
-- source_runs.posts_without_date): it shows in the inbox, the author and source views,
-- and in no day of the daily views, rather than on the crawl's day. (A dateless post
-- waiting for a topic, in topic_pending, waits from its crawl time.)

ALTER TABLE mentions ALTER COLUMN published_at DROP NOT NULL;
