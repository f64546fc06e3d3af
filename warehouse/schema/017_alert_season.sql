-- The rhythm each test of an alert compared with, so that its email, rebuilt from the
-- outbox, can say "usual for a Saturday".
ALTER TABLE alerts ADD COLUMN net_season VARCHAR;     -- weekday or hour when the net-sentiment test used the brand's rhythm; null otherwise
ALTER TABLE alerts ADD COLUMN volume_season VARCHAR;  -- weekday or hour when the negative-volume baseline was seasonal; null: the trailing median
