-- alert_history: every alert raised, what moved, and to whom it went, latest first.
-- Grain: one row per alert (a brand and the day, or hour, its reputation moved).
-- Columns:
--   alert_id: the alert
--   brand: the brand
--   day: the day the reputation moved (UTC)
--   hour: the hour (UTC) for an hourly alert; null for a daily one
--   metrics: what moved: net_sentiment, negative_volume and/or reputation_index
--   summary: the alert's one-line summary, the email's subject
--   mentions: the brand's mentions that day
--   negative: of which negative
--   net_sentiment: net sentiment that day
--   baseline_net: the usual net sentiment (the baseline window's)
--   baseline_negative: the usual negative mentions per day (or hour)
--   reputation_index: the reputation index over the 7 days ending then, when it fired
--   baseline_index: the index over the 28 days before those 7
--   delivery: email (one email for the alert) or digest (in the day's digest)
--   detected_at: when Veille raised it
--   recipients: who it was sent to
--   status: sent, or pending while the email has not gone out
--   sent_at: when the email went out; null while pending
--   email_path: the saved copy of the email (.eml)
--   verdict: what people said of it in `veille web`: acknowledged or false_alarm; null
--     while nobody has (or after it was reopened)
--   verdict_by: who gave the verdict
--   verdict_at: when
CREATE OR REPLACE VIEW alert_history AS
SELECT
    alert_id,
    brand,
    day,
    hour,
    metrics,
    summary,
    mentions,
    negative,
    net_sentiment,
    baseline_net,
    baseline_negative,
    reputation_index,
    baseline_index,
    delivery,
    detected_at,
    recipients,
    CASE WHEN sent_at IS NULL THEN 'pending' ELSE 'sent' END AS status,
    sent_at,
    email_path,
    CASE WHEN v.verdict <> 'reopened' THEN v.verdict END AS verdict,
    CASE WHEN v.verdict <> 'reopened' THEN v.done_by END AS verdict_by,
    CASE WHEN v.verdict <> 'reopened' THEN v.done_at END AS verdict_at
FROM alerts
LEFT JOIN (
    SELECT alert_id, verdict, done_by, done_at
    FROM alert_reviews
    QUALIFY row_number() OVER (PARTITION BY alert_id ORDER BY done_at DESC, review_id DESC) = 1
) AS v USING (alert_id)
ORDER BY day DESC, hour DESC NULLS LAST, brand;
