-- Alerts on hourly buckets as well as daily ones, on the reputation index, and sent
-- one by one or in a daily digest. An hourly alert keeps its day and adds its hour; a
-- daily one has no hour.

ALTER TABLE alerts ADD COLUMN hour INTEGER;              -- the hour (UTC, 0-23) of an hourly alert; null for a daily one
ALTER TABLE alerts ADD COLUMN reputation_index DOUBLE;   -- the reputation index (7 days ending then), when its test fired
ALTER TABLE alerts ADD COLUMN baseline_index DOUBLE;     -- the index over the 28 days before those 7
ALTER TABLE alerts ADD COLUMN index_z DOUBLE;            -- z of the reputation-index test, when it fired
ALTER TABLE alerts ADD COLUMN delivery VARCHAR;            -- email (one email an alert) or digest (in the day's digest)
UPDATE alerts SET delivery = 'email';
