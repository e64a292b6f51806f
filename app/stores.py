"""Opening the configured store: Neo4j when a URI is set, the embedded SQLite file otherwise."""

from __future__ import annotations

from app.settings import Settings
from graph.storage import GraphStore, SQLiteStore, split_credentials


def open_store(settings: Settings) -> GraphStore:
    if settings.neo4j_uri:
        from graph.storage import Neo4jStore  # imports the driver: only when it is used

        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
        return Neo4jStore(
            settings.neo4j_uri,
            user=settings.neo4j_user,
            password=password,
            database=settings.neo4j_database,
            version_poll_seconds=settings.version_poll_ms / 1000,
        )
    return SQLiteStore(
        settings.sqlite_path, version_recheck_seconds=settings.version_recheck_ms / 1000
    )


def describe_store(settings: Settings) -> str:
    """Where the store is, for humans (no credentials)."""
    if settings.neo4j_uri:
        return f"Neo4j at {split_credentials(settings.neo4j_uri)[0]}"
    return f"embedded SQLite at {settings.sqlite_path}"
