"""The VEILLE_* variables: one model reads them all, the README documents each, and a
value that cannot be read is refused with the variable's name."""

from __future__ import annotations

import pytest

from tests.conftest import REPO
from veille.core.home import veille_home
from veille.core.settings import SettingsError, settings, variable_names


def test_the_readme_documents_every_variable():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [name for name in variable_names() if name not in readme]
    assert not missing, f"not in the README: {missing}"
    assert len(variable_names()) >= 15


def test_a_bad_value_names_its_variable_and_an_empty_one_counts_as_unset(
    monkeypatch: pytest.MonkeyPatch, tmp_path
):
    monkeypatch.setenv("VEILLE_SMTP_PORT", "abc")
    with pytest.raises(SettingsError, match="VEILLE_SMTP_PORT='abc'"):
        settings()
    monkeypatch.setenv("VEILLE_SMTP_PORT", "2525")
    assert settings().smtp_port == 2525
    monkeypatch.setenv("VEILLE_HOME", "")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert veille_home() == tmp_path / "veille"
    monkeypatch.setenv("VEILLE_HOME", str(tmp_path / "data"))
    assert veille_home() == tmp_path / "data"
