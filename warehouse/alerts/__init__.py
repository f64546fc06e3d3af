"""Alerts: a brand's reputation drops, or its negative volume spikes.

- rules: the statistics (pure: series in, alerts out);
- store: the SQL (the buckets the rules read, the alert history, which is the outbox);
- emails: an alert's email and the day's digest, built and delivered from the outbox;
- notices: an alert's message to the brand's channels (alerts.notify), and a channel's
  digest, sent from the channels' outbox (warehouse/notifications.py);
- step: the run's alert step, which composes them;
- backtest: the rules replayed over a history (`veille alerts backtest`).
"""
