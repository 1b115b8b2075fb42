"""BM25 on a real PostgreSQL: postings kept at publish and removal, IDF and length
normalisation, identifiers kept whole, field weights."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codex7.config import Settings
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.lexical import document_identifiers, query_identifiers
from codex7.search.retrieve import Weights
from codex7.store import lexical, versions
from codex7.store.database import Database, open_database
from codex7.store.libraries import get_library
from tests.fakes import FakeEmbedder

PAGES = {
    "config.md": "# Configuration\n\nSet `model_config` on the class to change behaviour.\n\n"
    "## Strict mode\n\nStrict mode refuses coercion of values.\n",
    "models.md": "# Models\n\nA model has fields. The model validates input. Config of a model.\n\n"
    "## Fields\n\nEach field has a type and a default. Fields are validated in order.\n",
    "errors.md": "# Errors\n\nValidation errors list every field that failed, with its location.\n",
}


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    with open_database(settings) as database:
        yield database


def write(folder: Path, pages: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (folder / name).write_text(text)
    return folder


def version_id(db: Database, library: str, version: str) -> int:
    with db.pool.connection() as conn:
        lib = get_library(conn, library)
        assert lib is not None
        row = versions.get_version(conn, lib.id, version)
        assert row is not None
        return row.id


def stats(db: Database, vid: int) -> dict[str, int]:
    with db.pool.connection() as conn:
        return dict(
            conn.execute(
                "SELECT term, cardinality(chunks) FROM term_postings WHERE version_id = %s", (vid,)
            ).fetchall()
        )


def test_term_stats_follow_publish_and_removal(db: Database, tmp_path: Path) -> None:
    fake = FakeEmbedder()
    index_version(
        db,
        fake,
        IndexRequest(str(write(tmp_path / "a", PAGES)), "/acme/lib", "1"),
        cache_dir=tmp_path,
    )
    vid = version_id(db, "/acme/lib", "1")
    df = stats(db, vid)
    with db.pool.connection() as conn:
        chunks = conn.execute(
            "SELECT count(*) FROM documents WHERE version_id = %s"
            " AND to_tsvector('english', title || ' ' || content) @@ 'field'::tsquery",
            (vid,),
        ).fetchone()[0]
        weights = conn.execute(
            "SELECT weights FROM term_postings WHERE version_id = %s AND term = 'field'", (vid,)
        ).fetchone()[0]
    assert df["field"] == chunks >= 2  # document frequency, not occurrences
    assert df["modelconfig"] == 1  # the identifier, whole
    assert len(weights) == chunks and all(w > 0 for w in weights)

    changed = dict(PAGES, **{"errors.md": "# Errors\n\nSomething about failures only.\n"})
    index_version(
        db,
        fake,
        IndexRequest(str(write(tmp_path / "b", changed)), "/acme/lib", "1"),
        cache_dir=tmp_path,
    )
    after = stats(db, vid)
    assert after["field"] == df["field"] - 1
    assert "failur" in after and "locat" not in after

    with db.pool.connection() as conn:
        versions.delete_version(conn, vid)
    assert stats(db, vid) == {}


def test_bm25_prefers_rare_terms_headings_and_whole_identifiers(
    db: Database, tmp_path: Path
) -> None:
    index_version(
        db,
        FakeEmbedder(),
        IndexRequest(str(write(tmp_path / "a", PAGES)), "/acme/lib", "1"),
        cache_dir=tmp_path,
    )
    vid = version_id(db, "/acme/lib", "1")
    params = Weights().bm25

    def top(text: str, idents: list[str]) -> list[str]:
        with db.pool.connection() as conn:
            terms, n = lexical.query_terms(conn, vid, text, idents)
            hits = lexical.bm25(terms, lexical.matching_terms(terms, n, params), 10)
            titles = dict(
                conn.execute(
                    "SELECT chunk_index, title FROM documents WHERE version_id = %s", (vid,)
                ).fetchall()
            )
        return [titles[h.chunk] for h in hits]

    # "model" repeats in Models, but "model_config" names one section: the identifier wins.
    assert (
        top("how do I set model_config", query_identifiers("how do I set model_config"))[0]
        == "Configuration"
    )
    # "strict" is rare and is the heading of its section.
    assert top("strict coercion", [])[0] == "Configuration > Strict mode"
    # A heading match outranks the same word in a body.
    assert top("fields", [])[0] == "Models > Fields"
    assert top("nothing matches xyzzy", []) == []


def test_identifiers_are_normalised_the_same_way_on_both_sides() -> None:
    doc = document_identifiers(
        "Hooks > `useEffect`",
        "Call `useEffect(setup)` and pass `--host 0.0.0.0`.\n\n```py\napp.get('/')\nmodel_config = 1\n```",
    )
    for name in ("useeffect", "host", "appget", "modelconfig"):
        assert name in doc.split()
    assert query_identifiers("why does `useEffect` run twice with model_config and app.get()?") == [
        "useeffect",
        "modelconfig",
        "appget",
    ]
    assert query_identifiers("how do I deploy my app") == []
    # Namespaced names stay whole too: in a heading, in prose and in code.
    doc = document_identifiers(
        "Directives > `class:list`",
        "Add `client:load` to hydrate it.\n\n```astro\n<p class:list={['a']} />\n```",
    )
    assert {"classlist", "clientload"} <= set(doc.split())
    assert "class" not in doc.split()
    assert query_identifiers("astro class:list with `set:html`") == ["sethtml", "classlist"]
