-- source_health: each source's last 10 runs, latest first: pages fetched, unchanged and
-- failed, posts found, why it failed, and how many runs in a row it has failed.
-- Grain: one row per source per run, the source's 10 latest runs.
-- Columns:
--   source_id: the source (its id in sources.yaml)
--   run_number: 1 for the source's latest run, 2 for the one before, and so on
--   run_id: the run (its folder's name under $VEILLE_HOME/runs/)
--   started_at: when the source's crawl started
--   finished_at: when it ended
--   status: ok, or failed
--   failed_in_a_row: the runs the source had failed in a row, this one included; 0 when
--     this run did not fail
--   pages_fetched: pages answered in full (HTTP 2xx)
--   pages_unchanged: pages answered 304, unchanged since the last crawl
--   pages_failed: pages that failed (HTTP errors, fetch errors, refused)
--   posts: posts the crawl found
--   posts_without_date: of which without a publication date
--   problem: why the source failed; null when it did not
--   log_path: the crawl's log file
--   operator_emailed_at: when the operator was emailed about the failures that end with
--     this run; null otherwise
CREATE OR REPLACE VIEW source_health AS
WITH counted AS (
    SELECT
        *,
        -- runs that did not fail, up to this one: a streak of failures shares the count
        sum(CASE WHEN problem IS NULL THEN 1 ELSE 0 END) OVER (
            PARTITION BY source_id ORDER BY run_id, started_at
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS recovered
    FROM source_runs
),
streaks AS (
    SELECT
        *,
        CASE WHEN problem IS NULL THEN 0
             ELSE count(*) OVER (
                 PARTITION BY source_id, recovered ORDER BY run_id, started_at
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
             ) - CASE WHEN recovered > 0 THEN 1 ELSE 0 END
        END AS failed_in_a_row,
        row_number() OVER (
            PARTITION BY source_id ORDER BY run_id DESC, started_at DESC
        ) AS run_number
    FROM counted
)
SELECT
    source_id,
    run_number,
    run_id,
    started_at,
    finished_at,
    CASE WHEN problem IS NULL THEN 'ok' ELSE 'failed' END AS status,
    failed_in_a_row,
    pages_fetched,
    pages_unchanged,
    pages_failed,
    posts,
    posts_without_date,
    problem,
    log_path,
    operator_emailed_at
FROM streaks
WHERE run_number <= 10
ORDER BY source_id, run_number;
