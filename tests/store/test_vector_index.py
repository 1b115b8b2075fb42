"""Per-version HNSW indexes: created for big versions on publish, used by search, dropped on removal.
Plumbing only (fake vectors); search quality is tested with the real model elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from codex7.config import Settings
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.store import libraries, vector_index, versions
from codex7.store.candidates import nearest, pinned_plan
from codex7.store.database import Database, open_database
from tests.fakes import FakeEmbedder


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    with open_database(settings) as database:
        yield database


def write_docs(root: Path, sections: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    body = "\n\n".join(
        f"## Topic {i}\n\nParagraph {i} about subject {i * 7 % 13}." for i in range(sections)
    )
    (root / "guide.md").write_text(f"# Guide\n\n{body}\n")
    return root


def indexes(conn: psycopg.Connection) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'documents_embedding_v%'"
        )
    }


def version_id(conn: psycopg.Connection, library: str, version: str) -> int:
    lib = libraries.get_library(conn, library)
    assert lib is not None
    row = versions.get_version(conn, lib.id, version)
    assert row is not None
    return row.id


def test_big_versions_get_an_index_that_search_uses_and_removal_drops(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vector_index, "MIN_CHUNKS", 20)
    embedder = FakeEmbedder(max_tokens=40)

    def index(folder: str, sections: int, library: str, version: str) -> int:
        req = IndexRequest(str(write_docs(tmp_path / folder, sections)), library, version)
        return index_version(db, embedder, req, cache_dir=tmp_path / "git").chunks

    assert index("big", 60, "/acme/big", "1.0") >= 20 > index("small", 5, "/acme/small", "1.0")
    with db.pool.connection() as conn:
        big_id, small_id = (
            version_id(conn, "/acme/big", "1.0"),
            version_id(conn, "/acme/small", "1.0"),
        )
        assert indexes(conn) == {vector_index.index_name(big_id)}

        query = embedder.embed_query("subject 3")
        with conn.transaction():
            conn.execute("SET LOCAL enable_indexscan = off")  # exact answer, no index
            exact = [
                r[0]
                for r in conn.execute(
                    "SELECT chunk_index FROM documents WHERE version_id = %s"
                    " ORDER BY embedding <=> %s LIMIT 10",
                    (big_id, query),
                )
            ]
        assert nearest(conn, big_id, query, 10) == exact
        assert set(nearest(conn, small_id, query, 10)) <= {
            r[0]
            for r in conn.execute(
                "SELECT chunk_index FROM documents WHERE version_id = %s", (small_id,)
            )
        }
        # The pinned plan reads the version's own index, and leaves the session's settings as they were.
        conn.execute("SET enable_sort = on")
        with pinned_plan(conn):
            plan = "\n".join(
                r[0]
                for r in conn.execute(
                    f"EXPLAIN SELECT id FROM documents WHERE version_id = {big_id}"
                    " ORDER BY embedding <=> %s LIMIT 10",
                    (query,),
                )
            )
        assert vector_index.index_name(big_id) in plan
        assert conn.execute("SHOW enable_sort").fetchone() == ("on",)

    # Shrinking below the threshold drops the index; removing the library drops it too.
    index("big2", 5, "/acme/big", "1.0")
    with db.pool.connection() as conn:
        assert indexes(conn) == set()
    index("big3", 60, "/acme/big", "2.0")
    with db.pool.connection() as conn, conn.transaction():
        assert len(indexes(conn)) == 1
        libraries.delete_library(conn, "/acme/big")
    with db.pool.connection() as conn:
        assert indexes(conn) == set()
