"""Apply the ordered SQL files in sql/ under an advisory lock, one transaction each."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from codex7.errors import MigrationError

# Any constant works; it only has to be the same in every codex7 process.
LOCK_KEY = 0x00C0DE7


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def migrations_dir() -> Path:
    here = Path(__file__).resolve()
    packaged = here.parents[1] / "sql"  # codex7/sql inside an installed wheel
    return packaged if packaged.is_dir() else here.parents[3] / "sql"  # source checkout


_NAME_RE = re.compile(r"^(\d+)_([\w-]+)\.sql$")


def load_migrations(directory: Path | None = None) -> list[Migration]:
    directory = directory or migrations_dir()
    if not directory.is_dir():
        raise MigrationError(f"Migrations folder {directory} is missing; reinstall codex7.")
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        m = _NAME_RE.match(path.name)
        if not m:
            raise MigrationError(f"Migration file {path.name} must be named NNN_name.sql")
        found.append(Migration(m[1], m[2], path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"Two migrations in {directory} share a number: {versions}")
    return found


_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     text PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


def applied_migrations(conn: psycopg.Connection) -> dict[str, tuple[str, str]]:
    """version → (name, checksum) of what the database has applied; empty if never migrated."""
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return {}
    rows = conn.execute("SELECT version, name, checksum FROM schema_migrations").fetchall()
    return {v: (n, c) for v, n, c in rows}


def migrate(url: str, directory: Path | None = None) -> list[str]:
    """Apply pending migrations; return the names applied by this call (empty if up to date)."""
    migrations = load_migrations(directory)
    done: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        # Session-level lock: a second process waits here, then finds nothing left to do.
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            conn.execute(_CREATE_TABLE)
            applied = applied_migrations(conn)
            for m in migrations:
                if m.version in applied:
                    if applied[m.version][1] != m.checksum:
                        raise MigrationError(
                            f"Migration {m.path.name} changed after it was applied; "
                            "add a new migration instead of editing a released one."
                        )
                    continue
                try:
                    with conn.transaction():
                        conn.execute(m.sql.encode())
                        conn.execute(
                            "INSERT INTO schema_migrations (version, name, checksum)"
                            " VALUES (%s, %s, %s)",
                            (m.version, m.name, m.checksum),
                        )
                except psycopg.Error as exc:
                    raise MigrationError(
                        f"Migration {m.path.name} failed and was rolled back: "
                        f"{str(exc).strip().splitlines()[0]}"
                    ) from None
                done.append(f"{m.version}_{m.name}")
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return done


def pending_migrations(conn: psycopg.Connection, directory: Path | None = None) -> list[str]:
    applied = applied_migrations(conn)
    return [f"{m.version}_{m.name}" for m in load_migrations(directory) if m.version not in applied]
