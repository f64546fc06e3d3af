-- The season an alert's net sentiment was compared with, so that its email, rebuilt
-- from the outbox, can say "usual for a Saturday".
ALTER TABLE alerts ADD COLUMN season VARCHAR;  -- weekday or hour when the net-sentiment test used the brand's rhythm; null otherwise
