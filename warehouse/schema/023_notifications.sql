-- The channels' outbox (warehouse/notifications.py): alerts, digests and source-failure
-- notices sent, beside email, to the channels of brands.yaml `alerts.notify` and
-- sources.yaml `operator.notify` (Slack, Microsoft Teams, webhooks... through Apprise).
-- A message is recorded here in the same write as its alert or notice, sent once the
-- warehouse is let go, and marked sent; one whose channel failed stays pending, with
-- the error, and is retried by the next run. A channel is stored by its name: its URL
-- with the secrets hidden, never the URL itself.

-- One row per message and channel (a digest sends its day's rows of a channel as one
-- message); key: notification_id.
CREATE TABLE notifications (
    notification_id VARCHAR PRIMARY KEY,  -- hash of the kind, what it is about and the channel
    kind            VARCHAR NOT NULL,     -- alert (sent alone), digest (sent in the channel's daily digest) or source_failure
    alert_id        VARCHAR,              -- the alert (kinds alert and digest)
    brand           VARCHAR,              -- the alert's brand, whose alerts.notify lists the channel
    source_id       VARCHAR,              -- the failing source (kind source_failure)
    run_id          VARCHAR,              -- the run whose failure of the source made the notice due (kind source_failure)
    channel         VARCHAR NOT NULL,     -- the channel: its Apprise URL with its secrets hidden (no query string; ${NAME} where the config takes a value from the environment)
    title           VARCHAR NOT NULL,     -- the message's title
    body            VARCHAR NOT NULL,     -- the message, plain text
    recorded_at     TIMESTAMPTZ NOT NULL, -- when it was recorded
    attempts        INTEGER NOT NULL,     -- sends tried so far
    last_error      VARCHAR,              -- why the last send failed; null when it went out or was not tried
    last_attempt_at TIMESTAMPTZ,          -- when the last send was tried
    sent_at         TIMESTAMPTZ           -- when it went out; null while pending
);
