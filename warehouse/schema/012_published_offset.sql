-- The offset from UTC at which the post's page shows its date (a Blogger comment of
-- 17:59Z shown "June 3, 1:59 AM" is at +480): published_at is the instant, stored as
-- such; the offset gives the day its readers saw (view mentions_clean's `day`).

ALTER TABLE mentions ADD COLUMN published_offset_minutes INTEGER;  -- the UTC offset, in minutes, of the date as the page shows it (crawlers/extract/page.py shown_as_on_page); null for rows stored before it or without a date: their day is the UTC day
