"""Runtime configuration, read from ``HUB_*`` environment variables (or a ``.env`` file)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class UnsafeSettingsError(Exception):
    """Production mode was asked for with a setting that is only safe on a developer machine.

    Not a ValueError on purpose: pydantic lets it through unwrapped, with its one-line message."""


class Settings(BaseSettings):
    """Every setting of the hub. Each field maps to ``HUB_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="HUB_", env_file=".env", extra="ignore")

    environment: Environment = Field(
        default=Environment.DEVELOPMENT,
        description="`production` refuses unsafe defaults (SQLite, generated keys, docs "
        "without TLS proxy headers...).",
    )
    data_dir: Path = Field(
        default=Path(".hub"),
        description="Directory for what the embedded default keeps locally: the SQLite file and "
        "generated keys.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Defaults to SQLite at `<data_dir>/hub.sqlite3`; use "
        "`postgresql+psycopg://user:pass@host/db` in production.",
    )
    log_level: str = Field(default="INFO", description="Root log level.")
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL clients use to reach the hub (issuer of tokens, links).",
    )
    key_file: Path | None = Field(
        default=None,
        description="JSON file with the key-encryption key and the blind-index key (token "
        "signing keys live in the database, encrypted). Defaults to `<data_dir>/keys.json`, "
        "generated on first run except in production.",
    )
    master_key: SecretStr | None = Field(
        default=None,
        description="Key-encryption key (base64, 32 bytes) overriding the key file's; required "
        "in production unless the key file is provided.",
    )
    access_token_lifetime_seconds: int = Field(
        default=300,
        ge=30,
        le=600,
        description="Lifetime of the access tokens the hub issues (seconds, at most 10 minutes).",
    )
    client_assertion_max_lifetime_seconds: int = Field(
        default=300,
        ge=30,
        le=300,
        description="Longest `exp - now` accepted on a `private_key_jwt` client assertion "
        "(seconds, at most 5 minutes).",
    )
    token_rate_limit_per_client: int = Field(
        default=20,
        ge=1,
        description="Requests per client id and window accepted on /oauth/token, /oauth/revoke "
        "and /oauth/introspect; beyond, 429 with Retry-After. Counted per worker process.",
    )
    token_rate_limit_per_address: int = Field(
        default=60,
        ge=1,
        description="Requests per remote address and window accepted on the same endpoints "
        "(behind a proxy, run uvicorn with --proxy-headers). Counted per worker process.",
    )
    token_rate_limit_window_seconds: int = Field(
        default=60, ge=1, description="Sliding window of the token endpoint rate limits (seconds)."
    )
    scheduler_enabled: bool = Field(
        default=True, description="Run the background scheduler inside `hub serve`."
    )
    imilo_feed_url: str | None = Field(
        default=None,
        description="Base URL of the Mission Locale operator event feed (`GET <url>/events`, "
        "`POST <url>/events/ack`, see connectors/imilo_feed/README.md). The feed is polled "
        "only when this and the API key are set; must be https:// in production.",
    )
    imilo_feed_api_key: SecretStr | None = Field(
        default=None, description="API key sent in the `X-Api-Key` header to the i-milo feed."
    )
    imilo_feed_interval_minutes: int = Field(
        default=15, ge=1, le=1440, description="Minutes between two scheduled polls of the feed."
    )
    imilo_feed_page_size: int = Field(
        default=100, ge=1, le=1000, description="Events asked for per page (`limit`)."
    )
    imilo_feed_max_pages: int = Field(
        default=50,
        ge=1,
        description="Pages read by one poll at most; the next poll continues from the cursor.",
    )
    imilo_feed_connect_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Timeout to connect to the feed (seconds)."
    )
    imilo_feed_read_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Timeout to read one response of the feed (seconds)."
    )
    imilo_feed_max_attempts: int = Field(
        default=5,
        ge=1,
        le=20,
        description="Attempts per request on 5xx, 429, timeouts and connection errors, before "
        "the poll stops with its cursor unchanged.",
    )
    imilo_feed_backoff_seconds: float = Field(
        default=1.0,
        ge=0,
        description="First retry delay; doubled at each attempt, with jitter (seconds).",
    )
    imilo_feed_max_backoff_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Longest delay between two attempts, Retry-After included; a longer "
        "Retry-After stops the poll until its next run (seconds).",
    )
    qpv_file: Path | None = Field(
        default=None, description="Deployment QPV file (see schemas/territory/README.md)."
    )
    rurality_file: Path | None = Field(
        default=None, description="Deployment rurality grid file (see schemas/territory/README.md)."
    )
    # -- referrals and routing ---------------------------------------------------------------
    routing_rules_file: Path | None = Field(
        default=None,
        description="Routing rules (TOML, see hub/referrals/rules.toml, the shipped default); "
        "`hub referrals rules check FILE` validates one.",
    )
    matches_visibility_timeout_seconds: int = Field(
        default=300,
        ge=1,
        le=86_400,
        description="An item of the matches or events feed read but not acknowledged within "
        "this delay is delivered again (seconds).",
    )
    # -- data protection (consent receipts, record of processing, retention) ---------------
    gdpr_controller_name: str = Field(
        default="SEMAPHORE Mulhouse Sud Alsace, porteur du programme INVISIBLES",
        description="Data controller named on consent receipts and in the record of processing.",
    )
    gdpr_controller_contact: str = Field(
        default="contact@invisibles-hub.example",
        description="How to reach the controller (address or e-mail), printed on receipts.",
    )
    gdpr_dpo_contact: str = Field(
        default="dpo@invisibles-hub.example",
        description="Contact of the data protection officer, printed on receipts.",
    )
    retention_person_age_limit_years: int = Field(
        default=28,
        ge=16,
        description="A young person's data is purged once they reach this age: the Mission "
        "Locale age limit (26) + 2 years, as for i-milo data (DOMAIN.md §6).",
    )
    retention_person_inactivity_years: int = Field(
        default=2,
        ge=1,
        description="A young person's data is purged when nothing happened for them (import, "
        "contact, consent) for this many years.",
    )
    retention_quarantine_days: int = Field(
        default=90,
        ge=1,
        description="Quarantined import rows (raw personal data that could not be read) are "
        "deleted after this many days.",
    )
    retention_consent_proof_years: int = Field(
        default=5,
        ge=1,
        description="Years a withdrawn or expired consent keeps its evidence (proof of consent, "
        "Art. 7(1), for the 5-year limitation period); then its free text is blanked.",
    )
    retention_audit_years: int = Field(
        default=3,
        ge=1,
        description="Years audit-log entries are kept (who accessed whose data, releases).",
    )
    retention_rights_request_years: int = Field(
        default=3,
        ge=1,
        description="Years a closed rights request and its notifications are kept.",
    )
    retention_tombstone_years: int = Field(
        default=5,
        ge=1,
        description="Years an erasure tombstone keeps flagging re-imports of erased records.",
    )
    retention_job_hour: int = Field(
        default=3, ge=0, le=23, description="UTC hour of the daily retention job."
    )
    # -- programme indicators -----------------------------------------------------------------
    programme_start: date = Field(
        default=date(2019, 11, 1),
        description="First day of the programme period: the default start of `hub report` and "
        "`GET /v1/indicators`, and the start of the target's pace.",
    )
    programme_end: date = Field(
        default=date(2021, 12, 31),
        description="Last day of the programme period (default end of the reports).",
    )
    programme_target: int = Field(
        default=2700,
        ge=1,
        description="Young people the programme plans to reach over its period (repérés).",
    )

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, with the embedded SQLite default filled in."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'hub.sqlite3').resolve()}"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or self.data_dir / "keys.json"

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if not self.is_production:
            return self
        problems = []
        if not self.database_url or self.sqlalchemy_url.startswith("sqlite"):
            problems.append("HUB_DATABASE_URL must point at PostgreSQL")
        if self.master_key is None and self.key_file is None:
            problems.append("HUB_MASTER_KEY or HUB_KEY_FILE must be provided (no generated keys)")
        if not self.public_url.startswith("https://"):
            problems.append("HUB_PUBLIC_URL must be an https:// URL")
        if problems:
            raise UnsafeSettingsError("unsafe production settings: " + "; ".join(problems))
        return self


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgres://`` / ``postgresql://`` spellings and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache
def get_settings() -> Settings:
    """Settings of the running process (read once)."""
    return Settings()
