from pathlib import Path

import pytest

from veille.checks import load_checked_config, load_checked_model
from veille.core.config import ConfigError, SourcesFile


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_config_is_valid(demo_config: Path):
    config = load_checked_config(demo_config)
    kinds = {s.kind for s in config.sources.sources}
    assert kinds == {"feed", "forum"}
    roles = sorted(b.role for b in config.brands.brands)
    assert roles == ["brand", "brand", "competitor"]


def test_problems_name_file_line_and_field(tmp_path: Path):
    path = write(
        tmp_path / "sources.yaml",
        "sources:\n"
        "  - id: ok-blog\n"
        "    kind: feed\n"
        "    start_urls: ['https://blog.example.fr/feed/']\n"
        "  - id: Bad Id\n"
        "    kind: newsletter\n"
        "    start_urls: ['ftp://x']\n"
        "    timezone: Europe/Paris\n"
        "    colour: blue\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_checked_model(path, SourcesFile)
    problems = {p.where: p for p in caught.value.problems}
    assert problems["sources[1].id"].line == 5
    assert problems["sources[1].kind"].line == 6
    assert "'feed', 'forum', 'page' or 'page_object'" in problems["sources[1].kind"].message
    assert problems["sources[1].start_urls"].line == 7
    assert "not an http(s) URL" in problems["sources[1].start_urls"].message
    assert problems["sources[1].colour"].line == 9
    assert "check its spelling" in problems["sources[1].colour"].message
    assert str(problems["sources[1].kind"]).startswith(f"{path}:6:")


def test_invalid_yaml_reports_its_line(tmp_path: Path):
    path = write(tmp_path / "sources.yaml", "sources:\n  - id: a\n    kind: [feed\n")
    with pytest.raises(ConfigError) as caught:
        load_checked_model(path, SourcesFile)
    assert caught.value.problems[0].line is not None
    assert "not valid YAML" in caught.value.problems[0].message


def test_unknown_timezone_and_unknown_preset(tmp_path: Path):
    path = write(
        tmp_path / "sources.yaml",
        "sources:\n"
        "  - id: f\n    kind: forum\n    start_urls: ['https://f.fr/']\n    preset: phpbbb\n"
        "  - id: g\n    kind: feed\n    start_urls: ['https://g.fr/feed']\n"
        "    timezone: Europe/Pariss\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_checked_model(path, SourcesFile)
    messages = " | ".join(p.message for p in caught.value.problems)
    assert "phpbbb" in messages
    assert "unknown timezone 'Europe/Pariss'" in messages


def test_a_forum_source_may_name_no_preset(tmp_path: Path):
    """Its pages are read by the engine detected from their markup, else generically."""
    path = write(
        tmp_path / "sources.yaml",
        "sources:\n  - id: f\n    kind: forum\n    start_urls: ['https://f.fr/t/1']\n",
    )
    (source,) = load_checked_model(path, SourcesFile).sources
    assert source.preset is None


def test_unset_environment_variable_is_reported(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("VEILLE_TEST_UNSET", raising=False)
    path = write(
        tmp_path / "sources.yaml",
        "sources:\n  - id: f\n    kind: feed\n    start_urls: ['${VEILLE_TEST_UNSET}/feed']\n",
    )
    with pytest.raises(ConfigError, match=r"\$\{VEILLE_TEST_UNSET\} is used but not set"):
        load_checked_model(path, SourcesFile)


def test_both_files_reported_together(tmp_path: Path):
    write(tmp_path / "sources.yaml", "sources: []\n")
    write(
        tmp_path / "brands.yaml", "brands:\n  - name: A\n    queries: [a]\n    competitors: [B]\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_checked_config(tmp_path)
    files = {p.path.name for p in caught.value.problems}
    assert files == {"sources.yaml", "brands.yaml"}
    assert any("add it with role: competitor" in p.message for p in caught.value.problems)


def test_a_query_that_cannot_be_read_is_reported_with_its_line_and_position(tmp_path: Path):
    from veille.checks import load_checked_model
    from veille.core.config import BrandsFile

    path = write(
        tmp_path / "brands.yaml",
        "brands:\n"
        "  - name: Orange\n"
        "    queries:\n"
        "      - Livebox\n"
        "      - '{Orange} AND (forfait OR box'\n"
        "    exclude: ['jus NEAR/x fruit']\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_checked_model(path, BrandsFile)
    problems = {p.where: p for p in caught.value.problems}
    assert problems["brands[0].queries[1]"].line == 5
    assert "position 28: expected ')' to close the '(' at position 13" in str(
        problems["brands[0].queries[1]"]
    )
    assert "expected a number of words after NEAR/" in problems["brands[0].exclude[0]"].message


GOOD_SOURCES = (
    "sources:\n  - id: blog\n    kind: feed\n    start_urls: ['https://blog.example.fr/feed/']\n"
)
GOOD_BRANDS = "brands:\n  - name: Fibrelia\n    queries: [Fibrelia]\n"


def problems_of(tmp_path: Path, *, sources: str | bytes = GOOD_SOURCES,
                brands: str | bytes = GOOD_BRANDS) -> list:  # fmt: skip
    for name, content in (("sources.yaml", sources), ("brands.yaml", brands)):
        data = content.encode("utf-8") if isinstance(content, str) else content
        (tmp_path / name).write_bytes(data)
    with pytest.raises(ConfigError) as caught:
        load_checked_config(tmp_path)
    return caught.value.problems


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path: Path):
    import time

    # Six levels of nine aliases: 531,441 strings once expanded, seconds to validate
    # (nine levels took a minute and gigabytes before aliases were refused).
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 9)}]" for k in range(1, 6)]
    started = time.monotonic()
    [problem] = problems_of(tmp_path, brands="\n".join(lines) + "\n")
    assert time.monotonic() - started < 1
    assert problem.path.name == "brands.yaml" and problem.line == 2
    assert "aliases (*a0) are not accepted in a config: write the value out" in problem.message


def test_a_key_given_twice_is_reported_not_silently_dropped(tmp_path: Path):
    brands = "brands:\n  - name: Fibrelia\n    queries: [Fibrelia]\n    name: Kalio\n"
    [problem] = problems_of(tmp_path, brands=brands)
    assert problem.line == 4
    assert "key 'name' is given twice (first on line 2)" in problem.message
    # On one line too, in a flow mapping.
    brands = "brands:\n  - {name: Fibrelia, queries: [Fibrelia], name: Kalio}\n"
    [problem] = problems_of(tmp_path, brands=brands)
    assert problem.line == 2 and "key 'name' is given twice" in problem.message


@pytest.mark.parametrize(
    "recipient",
    ["cm at fibrelia", "cm@", "@fibrelia.example", "cm@fibrelia..example", "cm@@fibrelia.example",
     "CM <cm@fibrelia.example>", "cm@fibrelia.example, boss@fibrelia.example",
     " cm@fibrelia.example", "cm@fibrelia.example\r\nBcc: all@example.org", "cm@exa mple.org"],
)  # fmt: skip
def test_a_recipient_that_is_not_an_address_is_reported(tmp_path: Path, recipient: str):
    brands = GOOD_BRANDS + f"    alerts:\n      recipients:\n        - {json_string(recipient)}\n"
    [problem] = problems_of(tmp_path, brands=brands)
    assert (problem.line, problem.where) == (6, "brands[0].alerts.recipients[0]")
    assert "bare address" in problem.message or "one line" in problem.message


def json_string(text: str) -> str:
    """A YAML double-quoted scalar (JSON's syntax is YAML's)."""
    import json

    return json.dumps(text)


def test_real_addresses_are_accepted(tmp_path: Path):
    addresses = ["cm@fibrelia.example", "first.last+alerts@mail.fibrelia.example",
                 "o'brien@example.org", "root@localhost", "cm@bücher.example"]  # fmt: skip
    write(tmp_path / "sources.yaml", GOOD_SOURCES)
    write(
        tmp_path / "brands.yaml",
        GOOD_BRANDS + f"    alerts: {{recipients: [{', '.join(map(json_string, addresses))}]}}\n",
    )
    # A domain in another script is kept in the form every SMTP server reads.
    expected = [*addresses[:-1], "cm@xn--bcher-kva.example"]
    assert load_checked_config(tmp_path).brands.brands[0].alerts.recipients == expected


@pytest.mark.parametrize("name", ["Fibrelia\r\nBcc: all@example.org", "Fibre\nlia", "Fib\x00",
                                  "Fibrelia\u2028"])  # fmt: skip
def test_a_brand_name_with_a_line_break_is_reported(tmp_path: Path, name: str):
    [problem] = problems_of(tmp_path, brands=f"brands:\n  - name: {json_string(name)}\n"
                                             "    queries: [Fibrelia]\n")  # fmt: skip
    assert (problem.line, problem.where) == (2, "brands[0].name")
    assert "write it on one line" in problem.message


def test_a_brand_name_with_mathtext_is_accepted(tmp_path: Path):
    # Drawn literally in the chart (warehouse/alerts/emails.py), so nothing to refuse.
    write(tmp_path / "sources.yaml", GOOD_SOURCES)
    write(tmp_path / "brands.yaml", "brands:\n  - name: '$\\frac$ Ca$h'\n    queries: [cash]\n")
    assert load_checked_config(tmp_path).brands.brands[0].name == "$\\frac$ Ca$h"


def test_a_contact_with_a_line_break_is_reported(tmp_path: Path):
    sources = 'user_agent_contact: "https://x.example\\r\\nX-Evil: 1"\n' + GOOD_SOURCES
    [problem] = problems_of(tmp_path, sources=sources)
    assert (problem.line, problem.where) == (1, "user_agent_contact")


@pytest.mark.parametrize(
    ("url", "says"),
    [("https://blog.example.fr/my feed/", "encode it (a space is %20)"),
     ("https://blog.example.fr/feed/\t", "encode it"),
     ("https://blog.example.fr:80x/feed/", "cannot be read as a URL"),
     ("http://[::1/feed", "cannot be read as a URL"),
     ("https://:80/feed", "names no host")],
)  # fmt: skip
def test_a_start_url_that_cannot_be_fetched_is_reported(tmp_path: Path, url: str, says: str):
    sources = (
        f"sources:\n  - id: blog\n    kind: feed\n    start_urls:\n      - {json_string(url)}\n"
    )
    [problem] = problems_of(tmp_path, sources=sources)
    assert (problem.line, problem.where) == (4, "sources[0].start_urls")
    assert says in problem.message


@pytest.mark.parametrize(
    ("content", "line", "says"),
    [("", None, "the file is empty: it needs `sources:`"),
     ("# nothing yet\n", None, "the file is empty"),
     ("- id: blog\n  kind: feed\n", 1, "the file holds a list, not keys: it needs `sources:`"),
     ("just words\n", 1, "the file holds a string"),
     ("sources:\n  - blog\n", 2, "expected a mapping of keys (`key: value`) here, found a string")],
)  # fmt: skip
def test_a_file_of_the_wrong_shape_says_what_it_needs(
    tmp_path: Path, content: str, line: int | None, says: str
):
    [problem] = problems_of(tmp_path, sources=content)
    assert problem.path.name == "sources.yaml" and problem.line == line
    assert says in problem.message
    assert "instance of" not in problem.message


def test_a_file_not_in_utf8_is_reported_with_its_line(tmp_path: Path):
    brands = "brands:\n  - name: Café\n    queries: [café]\n".encode("latin-1")
    [problem] = problems_of(tmp_path, brands=brands)
    assert problem.path.name == "brands.yaml" and problem.line == 2
    assert "not UTF-8 text (byte 0xe9): save the file as UTF-8" in problem.message


def test_values_yaml_cannot_build_are_reported_with_their_line(tmp_path: Path):
    # A date that does not exist, an integer too long to read, a NUL character, nesting
    # deep enough to exhaust the parser's stack, a parenthesis bomb in a query.
    cases = [
        ("brands:\n  - name: 2026-13-45\n", 2, "cannot read this value: month must be in 1..12"),
        ("brands:\n  - name: " + "1" * 5000 + "\n", 2, "cannot read this value"),
        ("brands:\n  - name: A\x00\n", 2, "character U+0000 is not allowed in YAML"),
        ("brands: " + "[" * 5000 + "]" * 5000 + "\n", 1, "nested more than 50 levels deep"),
        ("brands:\n  - name: A\n    queries: ['" + "(" * 5000 + "a" + ")" * 5000 + "']\n", 3,
         "too many nested parentheses"),
    ]  # fmt: skip
    for content, line, says in cases:
        [problem] = problems_of(tmp_path, brands=content)
        assert (problem.line, says in problem.message) == (line, True), problem


def test_an_unset_variable_is_reported_at_its_line(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("VEILLE_TEST_UNSET", raising=False)
    sources = (
        GOOD_SOURCES + "  - id: two\n    kind: feed\n    start_urls: ['${VEILLE_TEST_UNSET}']\n"
    )
    [problem] = problems_of(tmp_path, sources=sources)
    assert (problem.line, problem.where) == (7, "sources[1].start_urls[0]")


def test_sources_check_prints_each_problem_with_file_and_line_and_exits_2(tmp_path: Path, capsys):
    from veille.cli import main

    write(tmp_path / "sources.yaml", "sources:\n  - id: a\n    kind: feed\n    kind: forum\n")
    write(tmp_path / "brands.yaml", GOOD_BRANDS + "    alerts: {recipients: [cm at fibrelia]}\n")
    assert main(["sources", "check", "--config", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'sources.yaml'}:4: not valid YAML: key 'kind' is given twice" in err
    assert f"{tmp_path / 'brands.yaml'}:4: brands[0].alerts.recipients[0]:" in err
    assert "Traceback" not in err
