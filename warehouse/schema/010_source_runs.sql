-- The sources' health: what each run's crawl of each source fetched and found, and
-- whether the source failed (crawlers/run.py, warehouse/source_health.py). A source
-- failed when no page could be fetched, when most of its pages failed, or when it found
-- no post where an earlier run found some with no page unchanged to explain it.
-- One row per source per run; key: (run_id, source_id).
CREATE TABLE IF NOT EXISTS source_runs (
    run_id              VARCHAR NOT NULL,      -- the run: its folder's name under $VEILLE_HOME/runs/, the UTC time it started (runs sort by it)
    source_id           VARCHAR NOT NULL,      -- the source (its id in sources.yaml)
    started_at          TIMESTAMPTZ NOT NULL,  -- when the source's crawl started
    finished_at         TIMESTAMPTZ NOT NULL,  -- when it ended
    pages_fetched       INTEGER NOT NULL,      -- pages answered in full (HTTP 2xx), the start pages (feeds, forum index) included
    pages_unchanged     INTEGER NOT NULL,      -- pages answered 304: unchanged since the last crawl
    pages_failed        INTEGER NOT NULL,      -- pages that failed: HTTP errors (4xx, 5xx; once each, whatever the retries), fetch errors (connection, timeout), requests refused by the network guard or robots.txt
    posts               INTEGER NOT NULL,      -- posts the crawl found (articles, comments, forum posts), before brand selection
    posts_without_date  INTEGER NOT NULL,      -- of which the crawl file gives no publication date
    problem             VARCHAR,               -- why the source failed on this run, with its answers and log; null: it did not fail
    log_path            VARCHAR,               -- the crawl's log file
    operator_emailed_at TIMESTAMPTZ,           -- when the operator was emailed that the source had failed this many runs in a row (once a streak); null otherwise
    email_path          VARCHAR,               -- the saved copy (.eml) of that email
    recorded_at         TIMESTAMPTZ NOT NULL,  -- when the row was written
    PRIMARY KEY (run_id, source_id)
);
