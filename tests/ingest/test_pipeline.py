"""Indexing against the real database and the real local model, on slices of the shared corpus."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from codex7.config import Settings
from codex7.embeddings.local import LocalEmbedder
from codex7.errors import ModelMismatch
from codex7.ingest import pipeline
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.store import documents
from codex7.store.database import Database, open_database
from tests.fakes import CountingEmbedder, FakeEmbedder
from tests.paths import CORPUS

HTTPX = CORPUS / "encode/httpx/0.28.1"
SLICE = ["quickstart.md", "async.md", "exceptions.md"]


@pytest.fixture(scope="module")
def minilm() -> LocalEmbedder:
    return LocalEmbedder("all-MiniLM-L6-v2")


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    with open_database(settings) as database:
        yield database


def copy_slice(dest: Path, names: list[str], src: Path = HTTPX) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(src / name, dest / name)
    return dest


def doc_snapshot(db: Database, library: str, version: str) -> list[tuple[str, str]]:
    with db.pool.connection() as conn:
        return conn.execute(
            "SELECT d.title, d.content_hash FROM documents d JOIN versions v ON v.id = d.version_id"
            " JOIN libraries l ON l.id = v.library_id WHERE l.identifier = %s AND v.version = %s"
            " ORDER BY d.chunk_index",
            (library, version),
        ).fetchall()


def test_reindex_is_free_and_a_second_version_embeds_only_changes(
    db: Database, minilm: LocalEmbedder, tmp_path: Path
) -> None:
    docs = copy_slice(tmp_path / "v1", SLICE)
    first = CountingEmbedder(minilm)
    r1 = index_version(
        db, first, IndexRequest(str(docs), "/encode/httpx", "0.28.0"), cache_dir=tmp_path
    )
    assert r1.chunks > 10 and r1.embedded == len(set(first.texts)) and r1.is_latest
    with db.pool.connection() as conn:
        row = conn.execute(
            "SELECT document_count, (SELECT count(*) FROM documents) FROM versions"
        ).fetchone()
        assert row == (r1.chunks, r1.chunks)
        dims = conn.execute("SELECT vector_dims(embedding) FROM documents LIMIT 1").fetchone()
        assert dims == (384,)

    again = CountingEmbedder(minilm)
    r2 = index_version(
        db, again, IndexRequest(str(docs), "/encode/httpx", "0.28.0"), cache_dir=tmp_path
    )
    assert again.texts == [] and r2.unchanged and r2.embedded == 0

    v2 = copy_slice(tmp_path / "v2", SLICE)
    path = v2 / "exceptions.md"
    path.write_text(path.read_text() + "\n\n## Brand new section\n\nRetries are not automatic.\n")
    third = CountingEmbedder(minilm)
    r3 = index_version(
        db, third, IndexRequest(str(v2), "/encode/httpx", "0.28.1", latest=True), cache_dir=tmp_path
    )
    assert 1 <= len(third.texts) <= 2, third.texts  # the new section (and maybe its neighbour)
    assert any("Brand new section" in t for t in third.texts)
    assert r3.reused == r3.chunks - r3.embedded and r3.is_latest
    with db.pool.connection() as conn:
        latest = conn.execute("SELECT version FROM versions WHERE is_latest").fetchall()
    assert latest == [("0.28.1",)]


def test_failure_midway_keeps_the_old_version_served(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeEmbedder()
    docs = copy_slice(tmp_path / "docs", SLICE)
    index_version(db, fake, IndexRequest(str(docs), "/encode/httpx", "1.0"), cache_dir=tmp_path)
    before = doc_snapshot(db, "/encode/httpx", "1.0")
    (docs / "async.md").write_text("# Async\n\nEverything changed.\n")

    # 1) The embedder dies after the first batch.
    dying = CountingEmbedder(FakeEmbedder(), fail_after=0)
    with pytest.raises(RuntimeError, match="went away"):
        index_version(
            db, dying, IndexRequest(str(docs), "/encode/httpx", "1.0"), cache_dir=tmp_path
        )
    assert doc_snapshot(db, "/encode/httpx", "1.0") == before

    # 2) The crash comes after the new rows are written, before the commit.
    real_replace = documents.replace_documents

    def replace_then_crash(*args: object, **kwargs: object) -> int:
        real_replace(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("power cut")

    monkeypatch.setattr(
        pipeline.publish.__globals__["documents"], "replace_documents", replace_then_crash
    )
    with pytest.raises(RuntimeError, match="power cut"):
        index_version(
            db, FakeEmbedder(), IndexRequest(str(docs), "/encode/httpx", "1.0"), cache_dir=tmp_path
        )
    assert doc_snapshot(db, "/encode/httpx", "1.0") == before

    with db.pool.connection() as conn:
        statuses = conn.execute("SELECT status, error FROM indexing_jobs ORDER BY id").fetchall()
    assert statuses == [
        ("succeeded", None),
        ("failed", "embedding service went away"),
        ("failed", "power cut"),
    ]


def test_other_model_is_refused_before_any_work(db: Database, tmp_path: Path) -> None:
    docs = copy_slice(tmp_path / "docs", SLICE[:1])
    index_version(
        db,
        FakeEmbedder("fake-a"),
        IndexRequest(str(docs), "/encode/httpx", "1"),
        cache_dir=tmp_path,
    )
    other = FakeEmbedder("fake-b")
    with pytest.raises(ModelMismatch, match="fake-a"):
        index_version(db, other, IndexRequest(str(docs), "/encode/httpx", "2"), cache_dir=tmp_path)
    assert other.calls == []


def test_git_source_at_tag_with_context7_rules(
    db: Database, minilm: LocalEmbedder, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    copy_slice(repo / "docs", ["exceptions.md"])
    (repo / "context7.json").write_text(
        '{"projectTitle": "HTTPX", "description": "A next-generation HTTP client.",'
        ' "folders": ["docs"], "rules": ["Use httpx.Client as a context manager."]}'
    )

    def run(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@e", *args],
            cwd=repo,
            check=True,
            capture_output=True,
        )

    run("init", "-q", "-b", "main")
    run("add", "-A")
    run("commit", "-qm", "docs")
    run("tag", "0.28.1")
    (repo / "docs" / "exceptions.md").write_text("# Changed after the tag\n\nNot indexed.\n")
    run("commit", "-qam", "later")

    r = index_version(
        db,
        minilm,
        IndexRequest(f"file://{repo}", "/encode/httpx", ref="0.28.1"),
        cache_dir=tmp_path / "git",
    )
    assert r.version == "0.28.1" and r.commit and len(r.commit) == 40
    with db.pool.connection() as conn:
        lib = conn.execute("SELECT name, description, rules FROM libraries").fetchone()
        ver = conn.execute("SELECT git_commit, source->>'ref' FROM versions").fetchone()
        titles = [t for (t,) in conn.execute("SELECT title FROM documents")]
        kinds = {k for (k,) in conn.execute("SELECT source_type FROM documents")}
    assert lib == (
        "HTTPX",
        "A next-generation HTTP client.",
        ["Use httpx.Client as a context manager."],
    )
    assert ver == (r.commit, "0.28.1")
    assert titles and not any("Changed after the tag" in t for t in titles)
    assert kinds == {"git"}


def test_embeddings_are_shared_across_libraries(db: Database, tmp_path: Path) -> None:
    docs = copy_slice(tmp_path / "docs", SLICE[:2])
    fake = FakeEmbedder()
    index_version(db, fake, IndexRequest(str(docs), "/encode/httpx", "1"), cache_dir=tmp_path)
    n = len(fake.embedded_texts)
    index_version(db, fake, IndexRequest(str(docs), "/mirror/httpx", "1"), cache_dir=tmp_path)
    assert len(fake.embedded_texts) == n
    with psycopg.connect(db.url) as conn:
        assert conn.execute("SELECT count(DISTINCT version_id) FROM documents").fetchone() == (2,)


def test_a_failed_run_leaves_its_slices_for_the_next(db: Database, tmp_path: Path) -> None:
    from tests.test_index_faults import write_pages

    docs = write_pages(tmp_path / "docs", pages=20, sections=15)  # 300 chunks: 2 slices
    dying = CountingEmbedder(FakeEmbedder(), fail_after=pipeline.EMBED_SLICE)
    with pytest.raises(RuntimeError, match="went away"):
        index_version(db, dying, IndexRequest(str(docs), "/acme/lib", "1"), cache_dir=tmp_path)
    with db.pool.connection() as conn:
        saved = conn.execute("SELECT count(*) FROM embedding_checkpoints").fetchone()
        assert saved == (pipeline.EMBED_SLICE,)  # the slice embedded before the failure

    again = CountingEmbedder(FakeEmbedder())  # no file cache: the database kept them
    r = index_version(db, again, IndexRequest(str(docs), "/acme/lib", "1"), cache_dir=tmp_path)
    assert (r.chunks, r.reused, r.embedded) == (300, 256, 44) and len(again.texts) == 44
    with db.pool.connection() as conn:
        assert conn.execute("SELECT count(*) FROM embedding_checkpoints").fetchone() == (0,)
        jobs = conn.execute("SELECT status, reused FROM indexing_jobs ORDER BY id").fetchall()
    assert jobs == [("failed", 0), ("succeeded", 256)]
