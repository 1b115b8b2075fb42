"""A start checks migrations once per database version: by number, reading no file, and applies
them (with every check) as soon as a new file appears."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from codex7.config import Settings
from codex7.errors import MigrationError
from codex7.store import migrate as migrate_module
from codex7.store.database import open_database
from codex7.store.migrate import load_migrations, migrate, migrations_dir, pending_migrations


def copy_of_migrations(tmp_path: Path) -> Path:
    folder = tmp_path / "sql"
    shutil.copytree(migrations_dir(), folder)
    return folder


def test_pending_by_number_without_reading_a_file(empty_db_url: str, tmp_path: Path) -> None:
    folder = copy_of_migrations(tmp_path)
    with psycopg.connect(empty_db_url, autocommit=True) as conn:
        assert pending_migrations(conn, folder)  # never migrated: no schema_migrations at all
    migrate(empty_db_url, folder)
    last = sorted(folder.glob("*.sql"))[-1]
    last.write_text("this is not SQL;")  # edited after release: a start does not read it
    with psycopg.connect(empty_db_url, autocommit=True) as conn:
        assert not pending_migrations(conn, folder)
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(empty_db_url, folder)  # `codex7 db migrate` compares every checksum


def test_a_new_file_is_applied_at_the_next_start(
    empty_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_of_migrations(tmp_path)
    monkeypatch.setattr(migrate_module, "migrations_dir", lambda: folder)
    settings = Settings(database_url=empty_db_url, data_dir=tmp_path / "data")
    with open_database(settings):
        pass  # the first start applies every file
    number = int(load_migrations(folder)[-1].version) + 1
    (folder / f"{number:03d}_start_probe.sql").write_text(
        "CREATE TABLE start_probe (id integer PRIMARY KEY);"
    )
    with psycopg.connect(empty_db_url, autocommit=True) as conn:
        assert pending_migrations(conn, folder)
    with open_database(settings):
        pass  # finds the new number: migrates
    with psycopg.connect(empty_db_url) as conn:
        assert conn.execute("SELECT to_regclass('start_probe') IS NOT NULL").fetchone() == (True,)
        assert not pending_migrations(conn, folder)
