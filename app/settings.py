"""Service configuration, read from ``ARCHGRAPH_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting has an environment variable: the field name, upper-cased, prefixed."""

    model_config = SettingsConfigDict(env_prefix="ARCHGRAPH_", extra="ignore")

    data_dir: Path = Field(default=Path("./data"), description="Where the embedded store lives.")
    neo4j_uri: str | None = Field(default=None, description="Use Neo4j at this URI when set.")
    neo4j_user: str | None = None
    neo4j_password: SecretStr | None = None
    neo4j_database: str | None = None
    api_keys: SecretStr | None = Field(
        default=None, description="Comma-separated name:role:secret entries."
    )
    api_keys_file: Path | None = Field(
        default=None, description="A file of name:role:secret lines (# comments allowed)."
    )
    anonymous_read: bool = Field(default=False, description="Allow reads without a key.")
    max_upload_bytes: int = Field(
        default=32 * 1024 * 1024, ge=1024, description="Largest body of /scans and /import."
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest body of every other route."
    )
    max_scan_file_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    scan_session_ttl_seconds: int = Field(
        default=900, ge=1, description="An untouched scan session expires after this."
    )
    max_scan_sessions: int = Field(default=8, ge=1, description="Scan sessions open at once.")
    max_scan_sessions_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1024, description="File bytes all open scan sessions hold."
    )
    keep_alive_seconds: int = Field(
        default=75, ge=1, description="How long `archgraph serve` keeps an idle connection open."
    )
    history_retention_days: int | None = Field(
        default=None, ge=1, description="Drop change records older than this (default: keep all)."
    )
    version_poll_ms: int = Field(
        default=250, ge=10, description="How often a Neo4j-backed process reads the graph version."
    )
    version_recheck_ms: int = Field(
        default=1000,
        ge=0,
        description="SQLite: read the graph version at least this often, notice or not.",
    )
    load_example: bool = Field(
        default=False, description="Load examples/portfolio into an empty store at start."
    )

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "archgraph.db"
