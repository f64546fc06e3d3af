"""The backtest's history reader: every file gives alerts or a SeriesError that names the
file (and the line), in bounded time and memory, never a traceback."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_cli import veille
from warehouse.alerts.backtest import SeriesError, backtest_csv


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "series.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"series.csv: empty; expected a header timestamp,value"),
        ("timestamp,value\n", r"series.csv: no point after the header"),
        (
            "timestamp,value\n2026-01-01T00:00:00.000001,1\n2026-01-01T00:00:00.000002,2\n"
            "2026-01-01T00:00:00.000003,3\n2026-01-02T00:00:00,4\n",
            r"the finest step the replay takes is one minute",
        ),
        (
            "timestamp,value\n2026-01-01 00:00,1\n2026-01-01 00:01,2\n2026-01-01 00:02,2\n"
            "2030-01-01 00:00,4\n",
            r"over 1,000,000 points; use a coarser step",
        ),
        ("timestamp,value\n2026-01-01,3\n2026-01-02,inf\n", r"series.csv:3: timestamp or value"),
    ],
)
def test_a_history_that_cannot_be_replayed_is_refused_with_its_reason(
    tmp_path: Path, text: str, message: str
):
    with pytest.raises(SeriesError, match=message):
        backtest_csv(write(tmp_path, text))


def test_times_in_summer_and_winter_offsets_are_one_series(tmp_path: Path):
    rows = ["timestamp,value"]
    rows += [f"2026-03-{d:02d}T00:00:00+01:00,{10 + d % 3}" for d in range(1, 29)]
    rows += ["2026-03-29T00:00:00+01:00,11", "2026-03-30T00:00:00+02:00,60"]
    alerts = backtest_csv(write(tmp_path, "\n".join(rows) + "\n"), baseline_days=14).alerts
    assert [a["direction"] for a in alerts] == ["up"]


def test_the_command_line_says_what_is_wrong_without_a_traceback(tmp_path: Path):
    path = write(tmp_path, "timestamp,value\n2026-01-01,1\n2026-01-02,two\n")
    result = veille("alerts", "backtest", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{path}:3: timestamp or value unreadable" in result.stderr


def test_a_timestamp_given_twice_is_one_point_and_said(tmp_path: Path):
    # A clock change in an export: 02:00 given twice.
    rows = ["timestamp,value"] + [f"2026-03-{d:02d} 02:00,{10 + d % 3}" for d in range(1, 29)]
    rows.insert(5, "2026-03-04 02:00,7")
    backtest = backtest_csv(write(tmp_path, "\n".join(rows) + "\n"))
    assert (
        "1 timestamps given more than once (the first, 2026-03-04 02:00, on line 5): "
        "each is one point, the sum of its values" in backtest.replayed
    )


# Lines that look like a history: good and bad timestamps, values, separators, sizes.
_TIMES = st.one_of(
    st.datetimes().map(lambda t: t.isoformat(sep=" ")),
    st.datetimes().map(lambda t: t.isoformat() + st_offset(t.microsecond)),
    st.sampled_from(["", "not a date", "2026-02-30", "9999-12-31T23:59:59", "0001-01-01"]),
    st.text(max_size=12),
)
_VALUES = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "x", "1e400", "-0", "3,5"]),
)


def st_offset(seed: int) -> str:
    return ["", "Z", "+01:00", "-05:30", "+14:00"][seed % 5]


@st.composite
def histories(draw: st.DrawFn) -> str:
    header = draw(st.sampled_from(["timestamp,value", "value,timestamp", "time,count", ""]))
    lines = draw(st.lists(st.tuples(_TIMES, _VALUES), max_size=40))
    body = "\n".join(f"{t},{v}" for t, v in lines)
    noise = draw(st.sampled_from(["", "\n", '"unclosed\n', ",,,\n", "\x00"]))
    return f"{header}\n{body}\n{noise}"


@settings(
    max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=histories(), bucket=st.sampled_from([None, "1h", "1D", "7D", "10000D", "nope", "0s"]))
def test_any_history_gives_alerts_or_a_clear_error(tmp_path: Path, text: str, bucket: str | None):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        alerts = backtest_csv(write(tmp_path, text), bucket=bucket).alerts
    except SeriesError as err:
        assert str(err)
    else:
        assert all(a["direction"] in ("up", "down") for a in alerts)
    # Bounded memory: no example grows the process by more than 500 MB.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500_000
