-- What people decided about mentions and alerts in `veille web` (warehouse/reviews.py):
-- each decision is journaled at once beside the warehouse, then copied here by the
-- next writer (a load, or the app itself when no load runs). Rows are never updated:
-- the latest decision wins in the views.

-- One row per decision about a post: action not_about or about (a brand), tag or untag,
-- handled or unhandled; key: review_id.
CREATE TABLE mention_reviews (
    review_id  VARCHAR PRIMARY KEY,   -- the decision (its id in the journal)
    mention_id VARCHAR NOT NULL,      -- the post (any copy: decisions hold for all copies)
    action     VARCHAR NOT NULL,      -- not_about, about, tag, untag, handled or unhandled
    brand      VARCHAR,               -- the brand, for not_about and about; null otherwise
    tag        VARCHAR,               -- the tag, for tag and untag; null otherwise
    done_by    VARCHAR NOT NULL,      -- who decided (a user of veille web)
    done_at    TIMESTAMPTZ NOT NULL   -- when
);

-- One row per verdict on an alert: acknowledged, false_alarm or reopened; key: review_id.
CREATE TABLE alert_reviews (
    review_id   VARCHAR PRIMARY KEY,  -- the verdict (its id in the journal)
    alert_id    VARCHAR NOT NULL,     -- the alert (table alerts)
    verdict     VARCHAR NOT NULL,     -- acknowledged, false_alarm or reopened
    done_by     VARCHAR NOT NULL,     -- who gave it
    done_at     TIMESTAMPTZ NOT NULL  -- when
);
