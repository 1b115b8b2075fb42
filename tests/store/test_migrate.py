"""The migration runner: ordered, recorded, idempotent, serialised, all-or-nothing per file."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest

from codex7.errors import MigrationError
from codex7.store.migrate import applied_migrations, load_migrations, migrate


def test_migrate_applies_every_file_once_then_nothing(empty_db_url: str) -> None:
    first = migrate(empty_db_url)
    assert first == [f"{m.version}_{m.name}" for m in load_migrations()]
    assert migrate(empty_db_url) == []
    with psycopg.connect(empty_db_url) as conn:
        assert sorted(applied_migrations(conn)) == [m.version for m in load_migrations()]
        tables = {
            r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        }
    assert {"libraries", "versions", "documents", "indexing_jobs", "embedding_space"} <= tables


def test_concurrent_starts_apply_each_migration_exactly_once(empty_db_url: str) -> None:
    results: list[list[str]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        barrier.wait()
        try:
            results.append(migrate(empty_db_url))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    applied = sorted(name for r in results for name in r)
    assert applied == sorted(f"{m.version}_{m.name}" for m in load_migrations())
    assert sorted(len(r) for r in results)[:2] == [0, 0]  # only one process did the work


def _write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_failing_migration_leaves_nothing_half_applied(empty_db_url: str, tmp_path: Path) -> None:
    mig = tmp_path / "sql"
    mig.mkdir()
    _write(mig, "001_first.sql", "CREATE TABLE first_table (id int);")
    _write(mig, "002_broken.sql", "CREATE TABLE second_table (id int);\nCREATE TABLE oops (;")
    with pytest.raises(MigrationError, match="002_broken.sql failed and was rolled back"):
        migrate(empty_db_url, mig)
    with psycopg.connect(empty_db_url) as conn:
        assert list(applied_migrations(conn)) == ["001"]
        assert conn.execute("SELECT to_regclass('first_table')").fetchone()[0] is not None
        assert conn.execute("SELECT to_regclass('second_table')").fetchone()[0] is None

    _write(mig, "002_broken.sql", "CREATE TABLE second_table (id int);")
    assert migrate(empty_db_url, mig) == ["002_broken"]


def test_editing_an_applied_migration_is_refused(empty_db_url: str, tmp_path: Path) -> None:
    mig = tmp_path / "sql"
    mig.mkdir()
    _write(mig, "001_first.sql", "CREATE TABLE first_table (id int);")
    migrate(empty_db_url, mig)
    _write(mig, "001_first.sql", "CREATE TABLE first_table (id bigint);")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(empty_db_url, mig)


def test_badly_named_migration_file_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, "create_things.sql", "SELECT 1;")
    with pytest.raises(MigrationError, match="must be named NNN_name.sql"):
        load_migrations(tmp_path)
