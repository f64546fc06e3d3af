-- The morning reports (warehouse/report.py): one a day per brand whose brands.yaml asks
-- for it (report: email: true). Also the reports' outbox: a report is written and
-- stored, then emailed from here, once.

-- One row per brand per day a morning report was made; key: report_id.
CREATE TABLE reports (
    report_id   VARCHAR PRIMARY KEY,   -- hash of the brand and the day
    brand       VARCHAR NOT NULL,      -- the brand
    day         DATE NOT NULL,         -- the report's day, in the brand's timezone
    since       DATE NOT NULL,         -- "what is new" counts from this day on
    recipients  VARCHAR[] NOT NULL,    -- who it goes to
    html_path   VARCHAR NOT NULL,      -- the report, one self-contained HTML file
    pdf_path    VARCHAR,               -- the same as PDF; null where no Chromium could print it
    email_path  VARCHAR,               -- the saved email (.eml)
    created_at  TIMESTAMPTZ NOT NULL,  -- when it was made
    sent_at     TIMESTAMPTZ            -- when the email went out; null while pending
);
