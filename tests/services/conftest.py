"""An application state on a fresh database, and a way to index into it with the fake embedder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from codex7.config import Settings
from codex7.ingest.pipeline import IndexRequest, IndexResult, index_version
from codex7.services.state import AppState, open_state
from tests.fakes import FakeEmbedder

Indexer = Callable[..., IndexResult]


@pytest.fixture
def state(settings: Settings) -> Iterator[AppState]:
    app = open_state(settings.model_copy(update={"warm_up": False}))
    yield app
    app.close()


@pytest.fixture
def index(state: AppState, tmp_path: Path) -> Indexer:
    """index(library, version, pages={path: text}, **request) with the fake embedder."""

    def run(library: str, version: str, pages: dict[str, str], **request: object) -> IndexResult:
        folder = tmp_path / "docs" / library.strip("/").replace("/", "_") / version
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.md"):
            old.unlink()
        for rel, text in pages.items():
            (folder / rel).write_text(text)
        req = IndexRequest(str(folder), library, version=version, **request)  # type: ignore[arg-type]
        return index_version(state.db, FakeEmbedder(), req, cache_dir=tmp_path / "git")

    return run
