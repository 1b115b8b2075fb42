"""`codex7 db` as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from codex7.cli import cli
from codex7.store.migrate import migrations_dir

MIGRATIONS = len(list(migrations_dir().glob("[0-9]*.sql")))


def test_db_status_reports_versions_migrations_and_zero_counts(empty_db_url: str) -> None:
    result = CliRunner().invoke(cli, ["db", "status"], env={"DATABASE_URL": empty_db_url})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "PostgreSQL:" in out and "pgvector:        0." in out
    assert MIGRATIONS >= 7
    assert f"Migrations:      {MIGRATIONS} applied, 0 pending" in out
    for label in ("Libraries", "Versions", "Documents"):
        assert f"{label + ':':<17}0" in out


def test_db_migrate_then_up_to_date(empty_db_url: str) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["db", "migrate"], env={"CODEX7_DATABASE_URL": empty_db_url})
    assert first.exit_code == 0 and f"Applied {MIGRATIONS} migration(s)" in first.output
    again = runner.invoke(cli, ["db", "migrate"], env={"CODEX7_DATABASE_URL": empty_db_url})
    assert again.exit_code == 0 and "is up to date" in again.output


def test_unreachable_database_is_one_clear_line_without_password() -> None:
    url = "postgresql://alice:s3cret@127.0.0.1:1/nothing"
    result = CliRunner().invoke(cli, ["db", "status"], env={"DATABASE_URL": url})
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: Cannot connect to the database at postgresql://alice@127.0.0.1:1/"
    )
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output


def test_invalid_setting_names_the_variable() -> None:
    result = CliRunner().invoke(cli, ["db", "status"], env={"CODEX7_POOL_MAX_SIZE": "zero"})
    assert result.exit_code == 1
    assert "CODEX7_POOL_MAX_SIZE" in result.output


def test_embedded_default_starts_persists_and_reports(tmp_path: Path) -> None:
    """No DATABASE_URL: codex7 starts its own PostgreSQL under the data dir, in a real process."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env["CODEX7_DATA_DIR"] = str(tmp_path / "data")
    cmd = [sys.executable, "-m", "codex7", "db", "status", "--json"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert '"libraries": 0' in first.stdout and '"pgvector_version": "0.' in first.stdout
    assert (tmp_path / "data" / "pgdata" / "PG_VERSION").exists()
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert '"pending_migrations": []' in second.stdout
