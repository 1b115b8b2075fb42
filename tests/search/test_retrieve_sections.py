"""Whole sections on a real PostgreSQL: the bounds written with the chunks, the section fetch
around a hit (with and without bounds), and the pipelined candidate queries leaving the
session as they found it, after an error too."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pgvector.psycopg import register_vector

from codex7.config import Settings
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.search.retrieve import Weights, retrieve
from codex7.store import candidates
from codex7.store.database import Database, open_database
from codex7.store.documents import section_bounds
from tests.fakes import FakeEmbedder
from tests.search.test_lexical import version_id, write

LONG = "\n\n".join(
    f"Paragraph {n} of the long section explains step {n} of the setup in plain words, "
    "with enough text that the section needs several chunks to hold all of it."
    for n in range(40)
)
PAGES = {
    "guide.md": f"# Guide\n\nIntro.\n\n## Setup\n\n{LONG}\n\n## Usage\n\nCall `run()` to start.\n",
    "other.md": "# Other\n\n## Setup\n\nA different page's setup.\n",
}
SETTINGS = ("plan_cache_mode", "enable_sort", "enable_seqscan", "enable_bitmapscan")


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    with open_database(settings) as database:
        yield database


@pytest.fixture
def vid(db: Database, tmp_path: Path) -> int:
    request = IndexRequest(str(write(tmp_path / "docs", PAGES)), "/acme/guide", "1")
    index_version(db, FakeEmbedder(), request, cache_dir=tmp_path)
    return version_id(db, "/acme/guide", "1")


def rows(conn: psycopg.Connection, vid: int) -> list[tuple[int, str, str, int, int]]:
    return conn.execute(
        "SELECT chunk_index, source_path, title, section_start, section_end FROM documents"
        " WHERE version_id = %s ORDER BY chunk_index",
        (vid,),
    ).fetchall()


def session(conn: psycopg.Connection) -> list[str]:
    return [conn.execute(f"SHOW {name}").fetchone()[0] for name in SETTINGS]


def test_section_bounds_are_runs_of_the_same_page_and_heading() -> None:
    keys = [("a", "A"), ("a", "A > S"), ("a", "A > S"), ("a", "A > S"), ("b", "A > S"), ("a", "A")]
    assert section_bounds(keys) == [(0, 0), (1, 3), (1, 3), (1, 3), (4, 4), (5, 5)]
    assert section_bounds([]) == []


def test_the_fetch_reads_a_hits_section_within_the_window_with_or_without_bounds(
    db: Database, vid: int
) -> None:
    with db.pool.connection() as conn:
        stored = rows(conn, vid)
        keys = [(path, title) for _, path, title, _, _ in stored]
        assert [(s, e) for *_, s, e in stored] == section_bounds(keys)
        setup = [
            i for i, path, title, *_ in stored if (path, title) == ("guide.md", "Guide > Setup")
        ]
        assert len(setup) >= 8, "the long section spans many chunks"
        hit = setup[len(setup) // 2]
        want = {i for i in setup if abs(i - hit) <= 3}
        first = setup[0]

        def fetched(chunks: list[int]) -> list[int]:
            return [
                d.chunk_index
                for d, cosine in candidates.send_section_chunks(conn, vid, chunks, None).result()
            ]

        assert fetched([hit]) == sorted(want)
        # The section's first chunk: nothing before it (the intro) comes along.
        assert fetched([first]) == [i for i in setup if i <= first + 3]
        # Two hits in one section: each chunk once, in document order.
        assert fetched([hit, hit + 1]) == sorted(want | {i for i in setup if abs(i - hit - 1) <= 3})
        # Rows written before the bounds existed are fetched the same way.
        conn.execute(
            "UPDATE documents SET section_start = NULL, section_end = NULL WHERE version_id = %s",
            (vid,),
        )
        assert fetched([hit]) == sorted(want)
        assert fetched([first]) == [i for i in setup if i <= first + 3]
        conn.rollback()


def test_retrieval_leaves_the_session_settings_as_they_were(db: Database, vid: int) -> None:
    embedder = FakeEmbedder()
    with db.pool.connection() as conn:
        before = session(conn)
        found = retrieve(conn, vid, "How do I call run()?", embedder.embed_query("run"), Weights())
        assert session(conn) == before
        assert found.sections and {"bm25", "vector", "identifier:run"} <= set(found.lists)
        ids = {r[0] for r in conn.execute("SELECT id FROM documents WHERE version_id = %s", (vid,))}
        assert all(set(chunks) <= ids for chunks in found.lists.values())  # chunk IDs


@pytest.mark.parametrize("autocommit", [False, True])
def test_a_cancelled_candidate_query_leaves_the_connection_usable(
    db: Database, vid: int, autocommit: bool
) -> None:
    """A statement cancelled inside the pipeline raises QueryCanceled (which the pool turns
    into a DatabaseError), and the settings the search changed are put back."""
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with psycopg.connect(db.url) as other:
            other.execute("LOCK TABLE term_postings IN ACCESS EXCLUSIVE MODE")
            locked.set()
            release.wait(30)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(30)
        with psycopg.connect(db.url, autocommit=autocommit) as conn:
            register_vector(conn)
            conn.execute("SET statement_timeout = '200ms'")
            conn.commit()
            before = session(conn)
            with pytest.raises(psycopg.errors.QueryCanceled):
                retrieve(conn, vid, "setup steps", FakeEmbedder().embed_query("setup"), Weights())
            conn.rollback()
            release.set()
            holder.join()
            assert session(conn) == before
            found = retrieve(conn, vid, "setup steps", None, Weights())
            assert found.sections
    finally:
        release.set()
        holder.join()


def test_without_pipeline_mode_the_answer_is_the_same(
    db: Database, vid: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A libpq older than 14 has no pipeline mode: the statements then go one at a time."""
    vector = FakeEmbedder().embed_query("setup")

    def ranked() -> list[tuple[str, list[int]]]:
        with db.pool.connection() as conn:
            found = retrieve(conn, vid, "setup step `run()`", vector, Weights())
            assert session(conn)[0] == "auto"
        return [(s.key[1], [d.chunk_index for d in s.docs]) for s in found.sections]

    pipelined = ranked()
    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    assert ranked() == pipelined and pipelined


def test_a_version_stored_the_old_way_is_rewritten_with_its_vectors_reused(
    db: Database, vid: int, tmp_path: Path
) -> None:
    """Indexing unchanged files again rewrites rows written before the current row format
    (no section bounds, older identifiers), without embedding anything."""
    with db.pool.connection() as conn:
        conn.execute(
            "UPDATE documents SET section_start = NULL, section_end = NULL, identifiers = ''"
            " WHERE version_id = %s",
            (vid,),
        )
        conn.execute(
            "UPDATE versions SET metadata = metadata - 'row_format'"
            " || jsonb_build_object('fingerprint', 'from an older release') WHERE id = %s",
            (vid,),
        )
    request = IndexRequest(str(tmp_path / "docs"), "/acme/guide", "1")
    again = index_version(db, FakeEmbedder(), request, cache_dir=tmp_path)
    assert (again.unchanged, again.embedded, again.reused) == (False, 0, again.chunks)
    with db.pool.connection() as conn:
        assert all(s is not None and e is not None for *_, s, e in rows(conn, vid))
        assert conn.execute(
            "SELECT count(*) FROM documents WHERE version_id = %s AND identifiers LIKE '%%run%%'",
            (vid,),
        ).fetchone() == (1,)
    # Stored the current way: the next run finds nothing to do.
    assert index_version(db, FakeEmbedder(), request, cache_dir=tmp_path).unchanged
