"""Data-quality checks on a batch of mentions before it is loaded (Great Expectations).

The expectations are code, not files: required fields, allowed values, ranges, unique
ids, dates not in the future, probabilities that sum to 1, http(s) links only; the same
for what each post says about each brand. Rows that fail are returned with the reasons,
so the load can quarantine them and still load the rest: every row the checks pass
satisfies the tables' constraints.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from veille.core.config import DEFAULT_LANGUAGES
from veille.core.record import SENTIMENT_LABELS, SOURCE_KINDS

# The NOT NULL columns of table `mentions` (a NaN score counts as null); a post whose
# date could not be read is kept with a null published_at.
REQUIRED = (
    "mention_id", "source_id", "source_kind", "url", "position", "text", "crawled_at",
    "language", "sentiment", "sentiment_score", "prob_negative", "prob_neutral",
    "prob_positive", "model_name", "model_version",
)  # fmt: skip
# A post's language is one brands.yaml lists (`languages:`), or "unknown".
UNKNOWN_LANGUAGE = "unknown"
# Clocks differ and sites misdate posts by their zone: a few hours ahead is tolerated.
FUTURE_TOLERANCE = timedelta(hours=14)
PROBABILITIES = ("prob_negative", "prob_neutral", "prob_positive")
# Probabilities are rounded to 4 decimals when scored: their sum is 1 give or take that.
SUM_TOLERANCE = 0.01
# Links end up in emails and pages: http(s) only, never javascript:, data: or file:.
WEB_LINK = r"^(?i:https?)://[^\s/]+\S*$"
LINKS = ("url", "thread_url", "author_url")


def _probabilities_sum(frame: pd.DataFrame) -> pd.Series:
    return frame[list(PROBABILITIES)].sum(axis=1, min_count=3)


def _suite(now: datetime, languages: Sequence[str]) -> Any:
    import great_expectations as gx

    expect = gx.expectations
    checks: list[Any] = [expect.ExpectColumnValuesToNotBeNull(column=c) for c in REQUIRED]
    checks += [expect.ExpectColumnValuesToMatchRegex(column=c, regex=WEB_LINK) for c in LINKS]
    checks += [
        expect.ExpectColumnValuesToBeBetween(
            column="probabilities_sum", min_value=1 - SUM_TOLERANCE, max_value=1 + SUM_TOLERANCE
        ),
        expect.ExpectColumnValuesToBeUnique(column="mention_id"),
        expect.ExpectColumnValueLengthsToBeBetween(column="text", min_value=1),
        expect.ExpectColumnValuesToBeInSet(column="source_kind", value_set=list(SOURCE_KINDS)),
        expect.ExpectColumnValuesToBeInSet(
            column="language", value_set=[*languages, UNKNOWN_LANGUAGE]
        ),
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


def _brand_suite() -> Any:
    """What a post says about each brand it names: unscored (all null), or a label with
    a score (a NaN score counts as missing), probabilities optional."""
    import great_expectations as gx

    expect = gx.expectations
    checks: list[Any] = [
        expect.ExpectColumnValuesToNotBeNull(column="brand"),
        expect.ExpectColumnValuesToNotBeNull(
            column="sentiment_score", row_condition="sentiment.notnull()", condition_parser="pandas"
        ),
    ]
    checks += [
        expect.ExpectColumnValuesToBeInSet(column="sentiment", value_set=list(SENTIMENT_LABELS)),
        expect.ExpectColumnValuesToBeBetween(column="sentiment_score", min_value=-1, max_value=1),
        expect.ExpectColumnValuesToBeBetween(
            column="probabilities_sum", min_value=1 - SUM_TOLERANCE, max_value=1 + SUM_TOLERANCE
        ),
    ]
    checks += [
        expect.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=1)
        for c in PROBABILITIES
    ]
    suite = gx.ExpectationSuite(name="mention_brands")
    for check in checks:
        suite.add_expectation(check)
    return suite


def validate_mentions(
    frame: pd.DataFrame,
    now: datetime | None = None,
    brands: pd.DataFrame | None = None,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """The rows that pass every check, and for each failing row (by position) the
    checks it failed, e.g. 'sentiment_score: expect_column_values_to_be_between'.
    `languages`: those brands.yaml identifies posts among.

    `brands` holds what the posts say about each brand (columns `row`, the post's
    position in `frame`, then brand, sentiment, sentiment_score and the probabilities);
    a post fails with its brands, e.g. 'brands[Kalio].sentiment_score: …'."""
    if frame.empty:
        return frame, {}
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    positional = frame.reset_index(drop=True)
    checked = positional.assign(probabilities_sum=_probabilities_sum(positional))
    source = context.data_sources.add_pandas("veille")
    failures: dict[int, list[str]] = {}
    for index, reason in _failures(
        context, source, "mentions", checked, _suite(now or datetime.now(UTC), languages)
    ):
        failures.setdefault(index, []).append(reason)
    if brands is not None and not brands.empty:
        brand_rows = brands.reset_index(drop=True)
        brand_rows = brand_rows.assign(probabilities_sum=_probabilities_sum(brand_rows))
        for index, reason in _failures(
            context, source, "mention_brands", brand_rows, _brand_suite()
        ):
            row = int(brand_rows.at[index, "row"])
            brand = brand_rows.at[index, "brand"]
            failures.setdefault(row, []).append(f"brands[{brand}].{reason}")
    good = positional.drop(index=list(failures))
    return good, failures


def _failures(
    context: Any, source: Any, name: str, frame: pd.DataFrame, suite: Any
) -> list[tuple[int, str]]:
    """(row position, 'column: check') for each check a row of `frame` fails."""
    batch = (
        source.add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("batch")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    result = batch.validate(context.suites.add(suite), result_format={"result_format": "COMPLETE"})
    found = []
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
        found += [(int(i), reason) for i in check.result.get("unexpected_index_list") or []]
    return found
