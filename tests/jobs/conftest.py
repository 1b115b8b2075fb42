"""Jobs and workers against the real database, with fake embedders registered as providers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from codex7.config import Settings
from codex7.embeddings.base import Embedder
from codex7.embeddings.registry import register_provider, unregister_provider
from codex7.services.state import AppState, open_state
from tests.fakes import FakeEmbedder
from tests.paths import REPO

LEASE = 2.0  # seconds: a killed worker's job is taken over quickly


class Embedders:
    """The provider "fake" for this test: FakeEmbedder unless `use` says otherwise."""

    def __init__(self) -> None:
        self.made: list[Embedder] = []
        self.factory: Callable[[], Embedder] = FakeEmbedder

    def use(self, factory: Callable[[], Embedder]) -> None:
        self.factory = factory

    def __call__(self, settings: Settings) -> Embedder:
        embedder = self.factory()
        self.made.append(embedder)
        return embedder

    @property
    def texts(self) -> list[str]:
        return [t for e in self.made if isinstance(e, FakeEmbedder) for t in e.embedded_texts]


@pytest.fixture
def embedders() -> Iterator[Embedders]:
    registered = Embedders()
    register_provider("fake", registered)
    yield registered
    unregister_provider("fake")


@pytest.fixture
def job_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "embedding_provider": "fake",
            "embedding_cache": False,  # reuse must come from the database's checkpoints
            "job_lease": LEASE,
            "worker_poll": 0.05,
            "warm_up": False,
        }
    )


@pytest.fixture
def state(job_settings: Settings, embedders: Embedders) -> Iterator[AppState]:
    app = open_state(job_settings)
    yield app
    app.close()


def write_docs(folder: Path, pages: int = 2, sections: int = 2, salt: str = "") -> Path:
    """Pages of sections of distinct text, one chunk per section for the fake embedder."""
    from tests.test_index_faults import write_pages

    write_pages(folder, pages, sections)
    if salt:
        for page in folder.iterdir():
            page.write_text(page.read_text().replace("explains", f"explains {salt}"))
    return folder


def sql(db_url: str, query: str, *params: object) -> list[tuple]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        cur = conn.execute(query, params or None)
        return cur.fetchall() if cur.description else []


@pytest.fixture
def fake_cli(db_url: str, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start `codex7 ARGS…` (test embedders registered) in its own process; all are killed at
    the end."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, **env: str) -> subprocess.Popen[str]:
        keep = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("CODEX7_") and k != "DATABASE_URL"
        }
        full = {
            **keep,
            "DATABASE_URL": db_url,
            "CODEX7_DATA_DIR": str(tmp_path / "worker-data"),
            "CODEX7_EMBEDDING_CACHE": "false",
            "CODEX7_JOB_LEASE": str(LEASE),
            "CODEX7_WORKER_POLL": "0.05",
            "PYTHONPATH": str(REPO),
            **env,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.jobs.fake_cli", *args],
            env=full,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
