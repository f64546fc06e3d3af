"""Every `VEILLE_*` environment variable Veille reads, in one model (pydantic-settings).

Read when asked (`settings()`), not at import, so that a variable set by a test or by the
demo is seen. A value that cannot be read is reported with the variable's name. The
README documents each one (tests/test_settings.py checks it)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """A VEILLE_* variable whose value cannot be read."""


class Settings(BaseSettings):
    # an empty variable counts as unset, as `VEILLE_HOME= veille run` means
    model_config = SettingsConfigDict(
        env_prefix="VEILLE_", extra="ignore", frozen=True, env_ignore_empty=True
    )

    home: Path | None = Field(default=None, description="the data folder")
    config: Path | None = Field(default=None, description="the config folder")
    models: Path | None = Field(default=None, description="model files made at run time")
    threads: int | None = Field(default=None, ge=1, description="encoder threads")
    precision: str | None = Field(default=None, description="auto, fp32 or bf16")
    sentiment_model: str | None = Field(default=None, description="e5-ft or e5-lr")
    score_batch: int = Field(default=500, ge=1, description="mentions per Airflow score task")
    # read by warehouse/db.py write_wait_s, which warns about a value that is no number
    # and waits the default: a typo there must not stop the run
    write_wait_s: str | None = Field(default=None, description="a writer's wait, seconds")
    # A DuckLake warehouse instead of the DuckDB file (veille/core/home.py Lake)
    warehouse: str | None = Field(default=None, description="ducklake:CATALOG, or unset")
    warehouse_data: str | None = Field(default=None, description="a DuckLake's data folder")
    # The pseudonym keys (veille/core/pseudonyms.py), hex, oldest first, comma-separated;
    # unset: the data folder's privacy/keys file
    privacy_keys: str | None = Field(default=None, description="pseudonym keys, hex")
    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_from: str | None = None
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    # veille web's address as its users open it: notices on channels link to it
    web_url: str | None = Field(default=None, description="veille web's address, for links")
    # Set by `veille demo` for its config's ${VEILLE_DEMO_URL}: the local demo site.
    demo_url: str | None = None


def settings() -> Settings:
    """The VEILLE_* variables as they are now; SettingsError names a bad one."""
    try:
        return Settings()
    except ValidationError as err:
        problems = []
        for item in err.errors():
            name = "VEILLE_" + "_".join(str(part) for part in item["loc"]).upper()
            problems.append(f"{name}={item.get('input')!r}: {item['msg']}")
        raise SettingsError("; ".join(problems)) from None


def variable_names() -> list[str]:
    """The names of every variable the model reads, for the documentation check."""
    return ["VEILLE_" + name.upper() for name in Settings.model_fields]
