"""resolve-library-id: loose names find libraries indexed with or without --name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codex7.config import Settings
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.search.docs import search_libraries
from codex7.search.resolve_library import rank_libraries
from codex7.sources.names import derive_name
from codex7.store.database import Database, open_database
from codex7.store.libraries import LibraryRow, get_library
from tests.fakes import FakeEmbedder
from tests.paths import CORPUS

# The eval's libraries, indexed from docs-only folders without --name.
EVAL = {
    "/fastapi/fastapi": "0.141.1",
    "/pydantic/pydantic": "2.13.4",
    "/vercel/next.js": "16.1.0-canary.10",
    "/reactjs/react.dev": "19.2",
    "/encode/httpx": "0.28.1",
    "/honojs/website": "4.x",
    "/vuejs/docs": "3.5",
    "/fastapi/sqlmodel": "0.0.39",
    "/withastro/docs": "7.x",
    "/vitejs/vite": "8.2.2",
    "/python/cpython": "3.13",
}
QUERIES = {
    "fast api python": "/fastapi/fastapi",
    "fastpai": "/fastapi/fastapi",
    "sql model": "/fastapi/sqlmodel",
    "pydnatic": "/pydantic/pydantic",
    "pydantic v1": "/pydantic/pydantic",
    "vue 3": "/vuejs/docs",
    "vuejs": "/vuejs/docs",
    "hono web framework": "/honojs/website",
    "honojs": "/honojs/website",
    "astro": "/withastro/docs",
    "astro 5": "/withastro/docs",
    "astro.build docs": "/withastro/docs",
    "react v18": "/reactjs/react.dev",
    "next js 16": "/vercel/next.js",
    "Next.js": "/vercel/next.js",
    "next": "/vercel/next.js",
    "next.js app router documentation": "/vercel/next.js",
    "python stdlib docs": "/python/cpython",
    "httpx async http client python": "/encode/httpx",
    "vitejs": "/vitejs/vite",
    "/vitejs/vite": "/vitejs/vite",
}


def library(identifier: str, name: str, trust: int = 5, description: str = "") -> LibraryRow:
    org, project = identifier.strip("/").split("/")
    return LibraryRow(0, identifier, org, project, name, description, None, None, trust, [], {})


def eval_libraries(legacy: bool = False) -> list[LibraryRow]:
    libs = []
    for identifier, version in EVAL.items():
        org, project = identifier.strip("/").split("/")
        name = (
            project if legacy else derive_name(CORPUS / org / project / version, org, project).name
        )
        libs.append(library(identifier, name))
    return libs


@pytest.mark.parametrize("legacy", [False, True], ids=["derived-names", "project-as-name"])
def test_every_eval_query_resolves_first_with_all_libraries_present(legacy: bool) -> None:
    libs = eval_libraries(legacy)
    top = {q: [lib.identifier for lib in rank_libraries(libs, q, None)][:1] for q in QUERIES}
    assert top == {q: [expected] for q, expected in QUERIES.items()}


def test_unknown_names_find_nothing() -> None:
    libs = eval_libraries()
    for name in ("kubernetes", "django", "tailwind css", "3.13", "docs"):
        assert rank_libraries(libs, name, None) == [], name


def test_ties_go_to_snippets_then_trust_then_query_words() -> None:
    a = library("/acme/widgets", "Widgets", trust=3)
    b = library("/other/widgets", "Widgets", trust=9)
    assert rank_libraries([a, b], "widgets", None) == [b, a]  # trust score
    assert rank_libraries([a, b], "widgets", None, {"/acme/widgets": 10}) == [a, b]
    a.description = "Widgets for charts and tables"
    assert rank_libraries([a, b], "widgets", "charts", {"/other/widgets": 10}) == [a, b]
    # A better name match beats any amount of snippets.
    sql = library("/fastapi/sqlmodel", "sqlmodel")
    fastapi = library("/fastapi/fastapi", "fastapi")
    assert (
        rank_libraries([sql, fastapi], "fastapi", None, {"/fastapi/sqlmodel": 10**6})[0] is fastapi
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    with open_database(settings) as database:
        yield database


def docs_folder(path: Path, pages: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    for rel, text in pages.items():
        (path / rel).write_text(text)
    return path


def index(db: Database, folder: Path, identifier: str, tmp_path: Path, **kw: str) -> None:
    kw.setdefault("version", "1")
    index_version(
        db, FakeEmbedder(), IndexRequest(str(folder), identifier, **kw), cache_dir=tmp_path
    )


def test_indexed_without_name_resolves_through_search_libraries(
    db: Database, tmp_path: Path
) -> None:
    astro = docs_folder(tmp_path / "astro", {"routing.md": "# Routing\n\nFile-based routes.\n"})
    hono = docs_folder(
        tmp_path / "hono",
        {
            "mkdocs.yml": "site_name: Hono\nsite_description: Web framework on Web Standards\n",
            "index.md": "# Hono\n\nUltrafast.\n",
        },
    )
    index(db, astro, "/withastro/docs", tmp_path)
    index(db, hono, "/honojs/website", tmp_path)
    with db.pool.connection() as conn:
        found = {
            q: [r.library_id for r in search_libraries(conn, q)]
            for q in ("astro", "hono web framework", "astro.build docs")
        }
        titles = {
            r.library_id: (r.title, r.description)
            for r in search_libraries(conn, "withastro honojs")
        }
    assert found == {
        "astro": ["/withastro/docs"],
        "hono web framework": ["/honojs/website"],
        "astro.build docs": ["/withastro/docs"],
    }
    assert titles == {
        "/withastro/docs": ("Astro", ""),
        "/honojs/website": ("Hono", "Web framework on Web Standards"),
    }


def test_a_name_given_with_name_survives_reindexing_without_it(
    db: Database, tmp_path: Path
) -> None:
    docs = docs_folder(tmp_path / "docs", {"a.md": "# A\n\nFirst.\n"})
    index(db, docs, "/withastro/docs", tmp_path, name="Astro", description="The web framework")
    (docs / "mkdocs.yml").write_text("site_name: Astro Docs Site\nsite_description: Derived\n")
    (docs / "a.md").write_text("# A\n\nChanged, so the version is published again.\n")
    index(db, docs, "/withastro/docs", tmp_path)
    with db.pool.connection() as conn:
        lib = get_library(conn, "/withastro/docs")
    assert lib is not None
    assert (lib.name, lib.description) == ("Astro", "The web framework")
    assert lib.metadata["name_source"] == "user"

    # A derived name follows the source: the next derivation replaces it.
    other = docs_folder(tmp_path / "vue", {"a.md": "# A\n\nOne.\n"})
    index(db, other, "/vuejs/docs", tmp_path)
    (other / "mkdocs.yml").write_text("site_name: Vue.js\n")
    (other / "a.md").write_text("# A\n\nTwo.\n")
    index(db, other, "/vuejs/docs", tmp_path)
    with db.pool.connection() as conn:
        vue = get_library(conn, "/vuejs/docs")
    assert vue is not None and vue.name == "Vue.js" and vue.metadata["name_source"] == "derived"
