"""Data-quality checks on a batch of mentions before it is loaded (Great Expectations).

The expectations are code, not files: required fields, allowed values, ranges, unique
ids, dates not in the future. Rows that fail are returned with the reasons, so the load
can quarantine them and still load the rest.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from veille.record import SENTIMENT_LABELS, SOURCE_KINDS

REQUIRED = ("mention_id", "source_id", "source_kind", "url", "text", "published_at", "crawled_at")
LANGUAGES = ("fr", "en", "unknown")
# Clocks differ and sites misdate posts by their zone: a few hours ahead is tolerated.
FUTURE_TOLERANCE = timedelta(hours=14)


def _suite(now: datetime) -> Any:
    import great_expectations as gx

    expect = gx.expectations
    checks: list[Any] = [expect.ExpectColumnValuesToNotBeNull(column=c) for c in REQUIRED]
    checks += [
        expect.ExpectColumnValuesToBeUnique(column="mention_id"),
        expect.ExpectColumnValueLengthsToBeBetween(column="text", min_value=1),
        expect.ExpectColumnValuesToBeInSet(column="source_kind", value_set=list(SOURCE_KINDS)),
        expect.ExpectColumnValuesToBeInSet(column="language", value_set=list(LANGUAGES)),
        expect.ExpectColumnValuesToBeInSet(column="sentiment", value_set=list(SENTIMENT_LABELS)),
        expect.ExpectColumnValuesToBeBetween(column="sentiment_score", min_value=-1, max_value=1),
        expect.ExpectColumnValuesToBeBetween(
            column="published_at", max_value=now + FUTURE_TOLERANCE
        ),
    ]
    # Moderation probabilities are null where a language has no head; nulls pass.
    for column in ("prob_negative", "prob_neutral", "prob_positive", "prob_offensive", "prob_hate"):
        checks.append(expect.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1))
    suite = gx.ExpectationSuite(name="mentions")
    for check in checks:
        suite.add_expectation(check)
    return suite


def validate_mentions(
    frame: pd.DataFrame, now: datetime | None = None
) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """The rows that pass every check, and for each failing row (by position) the
    checks it failed, e.g. 'sentiment_score: expect_column_values_to_be_between'."""
    if frame.empty:
        return frame, {}
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    positional = frame.reset_index(drop=True)
    batch = (
        context.data_sources.add_pandas("veille")
        .add_dataframe_asset("mentions")
        .add_batch_definition_whole_dataframe("batch")
        .get_batch(batch_parameters={"dataframe": positional})
    )
    suite = context.suites.add(_suite(now or datetime.now(UTC)))
    result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    failures: dict[int, list[str]] = {}
    for check in result.results:
        if check.success:
            continue
        config = check.expectation_config
        assert config is not None
        column = config.kwargs.get("column", "")
        reason = f"{column}: {config.type}"
        if check.exception_info and check.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"data-quality check {reason} could not run: "
                f"{check.exception_info.get('exception_message')}"
            )
        for index in check.result.get("unexpected_index_list") or []:
            failures.setdefault(int(index), []).append(reason)
    good = positional.drop(index=list(failures))
    return good, failures
