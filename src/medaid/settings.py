"""The one settings object. Values come from the environment (``MEDAID_*``) or defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDAID_", extra="ignore")

    data_dir: Path = Path("medaid-data")
    """Where the embedded database, key file, job outputs and exports live."""

    database_url: str | None = None
    """SQLAlchemy URL; default is SQLite at ``data_dir/medaid.db``. PostgreSQL: postgresql+psycopg://…"""

    key_file: Path | None = None
    """File holding the HMAC and encryption keys; created on first run (never commit it)."""

    secret_key: str | None = None
    """Alternative to ``key_file``: base64 of 64 random bytes (32 HMAC + 32 AES), e.g. from a vault."""

    policies_dir: Path = Path(__file__).resolve().parents[2] / "policies"

    log_level: str = "INFO"

    token_cache_seconds: float = 5.0
    """How long a server process trusts an API token it has verified (0: check every request). A
    revocation from another process (``medaid user revoke-token``) takes effect within this time."""

    quote_concurrency: int = 4
    """Quotes one server process works on at once; more wait their turn (decision 0011)."""

    quote_queue_seconds: float = 2.0
    """How long a quote may wait for its turn before the answer is 503 + ``Retry-After`` (nothing done)."""

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'medaid.db').resolve()}"

    def resolved_key_file(self) -> Path:
        return self.key_file or (self.data_dir / "medaid.key")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings; tests call ``get_settings.cache_clear()`` after changing the env."""
    return Settings()
