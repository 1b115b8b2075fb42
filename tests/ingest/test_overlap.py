"""What the indexer overlaps: the model's load with chunking, each slice's checkpoint writes with
the next slice's embedding, and repeated token counts while packing. The results stay those of
the plain sequence: the same chunks, every slice checkpointed, a cancel honoured between slices."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psycopg
import pytest

from codex7.chunking import chunk_file
from codex7.config import Settings
from codex7.embeddings.local import LocalEmbedder
from codex7.errors import JobCancelled
from codex7.ingest import pipeline
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.ingest.progress import Progress, Reporter
from codex7.sources import open_source
from codex7.sources.select import SelectionRules
from codex7.store import checkpoints
from codex7.store.database import Database, open_database
from tests.fakes import FakeEmbedder
from tests.paths import CORPUS
from tests.test_index_faults import write_pages

HTTPX = CORPUS / "encode/httpx/0.28.1"


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    with open_database(settings) as database:
        yield database


def count_rows(db: Database, sql: str) -> int:
    with psycopg.connect(db.url) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_remembered_token_counts_chunk_exactly_as_before(tmp_path: Path) -> None:
    """chunk_files() asks the tokenizer once per distinct text; the chunks are unchanged."""
    source = open_source(str(HTTPX), cache_dir=tmp_path)
    files = pipeline.read_files(source, SelectionRules.build(source.config))
    minilm = LocalEmbedder("all-MiniLM-L6-v2")  # counting tokens needs the tokenizer only
    asked: list[str] = []

    class Counting(FakeEmbedder):
        def count_tokens(self, text: str) -> int:
            asked.append(text)
            return minilm.count_tokens(text)

    counting = Counting(max_tokens=minilm.max_tokens)
    chunks = pipeline.chunk_files(files, 254, counting, Reporter(Progress(), None, None))
    remembered, asked[:] = list(asked), []
    plain = []
    for f in files:
        fallback = Path(f.path).stem.replace("-", " ").replace("_", " ").strip().capitalize()
        plain += chunk_file(f, max_tokens=254, count=counting.count_tokens, fallback_title=fallback)
    assert chunks == plain and len(chunks) > 100
    assert set(remembered) == set(asked) and len(remembered) < 0.8 * len(asked)


class Observing(FakeEmbedder):
    """Sees, at every call, how many checkpoint rows the database holds."""

    def __init__(self, db: Database, cancel_at: int | None = None):
        super().__init__()
        self.db = db
        self.seen: list[tuple[int, int]] = []  # (texts embedded before the call, rows)
        self.cancel_at = cancel_at

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        before = len(self.embedded_texts)
        rows = count_rows(self.db, "SELECT count(*) FROM embedding_checkpoints")
        self.seen.append((before, rows))
        if self.cancel_at is not None and before == self.cancel_at:
            with psycopg.connect(self.db.url) as conn:
                conn.execute("UPDATE indexing_jobs SET cancel_requested = true")
        return super().embed_batch(texts)


def test_each_slice_is_checkpointed_on_its_own_thread_while_the_next_embeds(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writers: list[tuple[str, int]] = []
    put_many = checkpoints.put_many

    def observed(conn: psycopg.Connection, space: str, job_id: int, items: list) -> None:  # type: ignore[type-arg]
        writers.append((threading.current_thread().name, len(items)))
        put_many(conn, space, job_id, items)

    monkeypatch.setattr(checkpoints, "put_many", observed)
    docs = write_pages(tmp_path / "docs", pages=40, sections=15)  # 600 chunks: 3 slices
    embedder = Observing(db)
    r = index_version(db, embedder, IndexRequest(str(docs), "/acme/big", "1"), cache_dir=tmp_path)
    assert (r.chunks, r.embedded) == (600, 600)
    slice_ = pipeline.EMBED_SLICE
    assert writers == [
        ("codex7-checkpoint", slice_),
        ("codex7-checkpoint", slice_),
        ("codex7-checkpoint", 88),
    ]
    # By the time slice k + 2 embeds, slice k is in the database.
    third = next(rows for before, rows in embedder.seen if before == 2 * slice_)
    assert third >= slice_
    assert count_rows(db, "SELECT count(*) FROM embedding_checkpoints") == 0  # published


def test_a_cancel_stops_between_slices_and_keeps_the_slices_embedded(
    db: Database, tmp_path: Path
) -> None:
    docs = write_pages(tmp_path / "docs", pages=40, sections=15)
    slice_ = pipeline.EMBED_SLICE
    embedder = Observing(db, cancel_at=slice_)  # the cancel arrives during the second slice
    with pytest.raises(JobCancelled):
        index_version(db, embedder, IndexRequest(str(docs), "/acme/big", "1"), cache_dir=tmp_path)
    assert len(embedder.embedded_texts) == 2 * slice_  # the third slice never started
    assert count_rows(db, "SELECT count(*) FROM embedding_checkpoints") == 2 * slice_
    assert count_rows(db, "SELECT count(*) FROM versions") == 0
    status = count_rows(db, "SELECT count(*) FROM indexing_jobs WHERE status = 'cancelled'")
    assert status == 1

    again = FakeEmbedder()
    r = index_version(db, again, IndexRequest(str(docs), "/acme/big", "1"), cache_dir=tmp_path)
    assert (r.reused, r.embedded) == (2 * slice_, 600 - 2 * slice_)


class Preparing(FakeEmbedder):
    """A model that loads only once chunking has begun: proof that both run at once."""

    def __init__(self, fail: bool = False):
        super().__init__()
        self.chunking = threading.Event()
        self.prepared: list[tuple[str, bool]] = []  # (thread, chunking had begun)
        self.fail = fail

    def prepare(self) -> None:
        self.prepared.append((threading.current_thread().name, self.chunking.wait(60)))
        if self.fail:
            raise RuntimeError("no model here")

    def count_tokens(self, text: str) -> int:
        self.chunking.set()
        return super().count_tokens(text)


def test_the_model_loads_while_the_files_are_chunked(db: Database, tmp_path: Path) -> None:
    docs = write_pages(tmp_path / "docs", pages=3, sections=4)
    embedder = Preparing()
    r = index_version(db, embedder, IndexRequest(str(docs), "/acme/a", "1"), cache_dir=tmp_path)
    assert r.embedded == r.chunks == 12
    assert embedder.prepared == [("codex7-model-load", True)]

    unchanged = Preparing()  # the same files again: no model is needed, none is loaded
    r = index_version(db, unchanged, IndexRequest(str(docs), "/acme/a", "1"), cache_dir=tmp_path)
    assert r.unchanged and unchanged.prepared == []

    failing = Preparing(fail=True)  # a failed load is the embedding call's to report
    r = index_version(db, failing, IndexRequest(str(docs), "/acme/a", "2"), cache_dir=tmp_path)
    assert r.chunks == 12 and failing.prepared == [("codex7-model-load", True)]
    assert "codex7-model-load" not in {t.name for t in threading.enumerate()}  # joined


def test_a_loaded_model_is_frozen_out_of_garbage_collection() -> None:
    """torch's objects stay out of later collections, the interpreter's exit included."""
    minilm = LocalEmbedder("all-MiniLM-L6-v2")
    minilm.prepare()
    assert minilm.loaded and gc.get_freeze_count() > 100_000 and gc.isenabled()
