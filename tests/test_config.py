from pathlib import Path

import pytest

from veille.config import ConfigError, SourcesFile, load_config, load_model


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_config_is_valid(demo_config: Path):
    config = load_config(demo_config)
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
        load_model(path, SourcesFile)
    problems = {p.where: p for p in caught.value.problems}
    assert problems["sources[1].id"].line == 5
    assert problems["sources[1].kind"].line == 6
    assert "'feed', 'forum' or 'page_object'" in problems["sources[1].kind"].message
    assert problems["sources[1].start_urls"].line == 7
    assert "not an http(s) URL" in problems["sources[1].start_urls"].message
    assert problems["sources[1].colour"].line == 9
    assert "check its spelling" in problems["sources[1].colour"].message
    assert str(problems["sources[1].kind"]).startswith(f"{path}:6:")


def test_invalid_yaml_reports_its_line(tmp_path: Path):
    path = write(tmp_path / "sources.yaml", "sources:\n  - id: a\n    kind: [feed\n")
    with pytest.raises(ConfigError) as caught:
        load_model(path, SourcesFile)
    assert caught.value.problems[0].line is not None
    assert "not valid YAML" in caught.value.problems[0].message


def test_unknown_timezone_and_missing_preset(tmp_path: Path):
    path = write(
        tmp_path / "sources.yaml",
        "sources:\n"
        "  - id: f\n    kind: forum\n    start_urls: ['https://f.fr/']\n"
        "  - id: g\n    kind: feed\n    start_urls: ['https://g.fr/feed']\n"
        "    timezone: Europe/Pariss\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_model(path, SourcesFile)
    messages = " | ".join(p.message for p in caught.value.problems)
    assert "needs a preset" in messages
    assert "unknown timezone 'Europe/Pariss'" in messages


def test_unset_environment_variable_is_reported(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("VEILLE_TEST_UNSET", raising=False)
    path = write(
        tmp_path / "sources.yaml",
        "sources:\n  - id: f\n    kind: feed\n    start_urls: ['${VEILLE_TEST_UNSET}/feed']\n",
    )
    with pytest.raises(ConfigError, match=r"\$\{VEILLE_TEST_UNSET\} is used but not set"):
        load_model(path, SourcesFile)


def test_both_files_reported_together(tmp_path: Path):
    write(tmp_path / "sources.yaml", "sources: []\n")
    write(
        tmp_path / "brands.yaml", "brands:\n  - name: A\n    queries: [a]\n    competitors: [B]\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    files = {p.path.name for p in caught.value.problems}
    assert files == {"sources.yaml", "brands.yaml"}
    assert any("add it with role: competitor" in p.message for p in caught.value.problems)


def test_a_query_that_cannot_be_read_is_reported_with_its_line_and_position(tmp_path: Path):
    from veille.config import BrandsFile

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
        load_model(path, BrandsFile)
    problems = {p.where: p for p in caught.value.problems}
    assert problems["brands[0].queries[1]"].line == 5
    assert "position 28: expected ')' to close the '(' at position 13" in str(
        problems["brands[0].queries[1]"]
    )
    assert "expected a number of words after NEAR/" in problems["brands[0].exclude[0]"].message
