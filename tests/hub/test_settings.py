from __future__ import annotations

from pathlib import Path

import pytest

from hub.settings import Settings, UnsafeSettingsError


def test_default_database_is_sqlite_in_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path.resolve()}/hub.sqlite3"
    assert settings.resolved_key_file == tmp_path / "keys.json"


@pytest.mark.parametrize("scheme", ["postgres://", "postgresql://"])
def test_postgres_urls_use_psycopg3(scheme: str) -> None:
    settings = Settings(database_url=f"{scheme}u:p@db/hub")
    assert settings.sqlalchemy_url == "postgresql+psycopg://u:p@db/hub"


def test_production_refuses_unsafe_defaults() -> None:
    with pytest.raises(UnsafeSettingsError) as info:
        Settings(environment="production")
    message = str(info.value)
    assert "HUB_DATABASE_URL" in message
    assert "HUB_MASTER_KEY" in message
    assert "https://" in message


def test_production_accepts_safe_settings(tmp_path: Path) -> None:
    settings = Settings(
        environment="production",
        database_url="postgresql://hub@db/hub",
        key_file=tmp_path / "keys.json",
        public_url="https://hub.example.org",
    )
    assert settings.is_production
