"""A documentation website indexed end to end: `codex7 index http://…` crawls the served HTTPX
site into a library version, `codex7 refresh` asks for every page conditionally and re-embeds
nothing, a changed page is the only one embedded again, a vanished page leaves the version, and
a URL the fetch guard refuses is an error before any job runs (real PostgreSQL, a real HTTP
server on 127.0.0.1, the fake embedder for the plumbing)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from codex7.cli import cli
from codex7.config import Settings
from codex7.embeddings import registry
from codex7.errors import JobCancelled, SourceError
from codex7.services.jobs import IndexRequest, cancel, get_job, list_jobs, run_inline
from codex7.services.state import open_state
from codex7.sources import is_git_spec, is_web_spec, open_source
from tests.fakes import FakeEmbedder
from tests.sources.websites import HTTPX_SITE, Reply, Site, httpx_site, serve

LIBRARY = "/encode/httpx-site"
PAGES = 23
# What the site's chrome says on every page; none of it may reach a chunk.
CHROME = (
    "Made with",
    "Material for MkDocs",
    "Table of contents",
    "Skip to content",
    "Initializing search",
    "Back to top",
)


@pytest.fixture
def embedders() -> Iterator[list[FakeEmbedder]]:
    """Every fake embedder the CLI makes, to see what reached the model."""
    made: list[FakeEmbedder] = []

    def make(settings: Any) -> FakeEmbedder:
        model = settings.model_name or "fake-8"
        made.append(FakeEmbedder(model, dims=16 if model == "fake-16" else 8))
        return made[-1]

    registry.register_provider("fake", make)
    yield made
    registry.unregister_provider("fake")


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": db_url,
        "CODEX7_DATA_DIR": str(tmp_path / "data"),
        "CODEX7_EMBEDDING_PROVIDER": "fake",
        "CODEX7_EMBEDDING_CACHE": "false",
        "CODEX7_FETCH_ALLOW": "127.0.0.1",
        "CODEX7_FETCH_RATE": "500",
    }


def run(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(cli, list(args), env=env)


def embedded(made: list[FakeEmbedder]) -> list[str]:
    return [t for e in made for t in e.embedded_texts]


def chunks(db_url: str, version: str = "0.28.1") -> list[dict[str, Any]]:
    with psycopg.connect(db_url) as conn:
        conn.row_factory = psycopg.rows.dict_row
        return conn.execute(
            """
            SELECT d.source_path AS path, d.source_url AS url, d.title, d.content,
                   d.source_type, d.hierarchy
            FROM documents d JOIN versions v ON v.id = d.version_id
            JOIN libraries l ON l.id = v.library_id
            WHERE l.identifier = %s AND v.version = %s ORDER BY d.chunk_index
            """,
            (LIBRARY, version),
        ).fetchall()


def one(db_url: str, query: str, *params: Any) -> Any:
    with psycopg.connect(db_url) as conn:
        row = conn.execute(query, params).fetchone()
        assert row is not None
        return row[0]


def newest_job(db_url: str) -> dict[str, Any]:
    return one(db_url, "SELECT result FROM indexing_jobs ORDER BY id DESC LIMIT 1")


def is_menu(text: str) -> bool:
    """A chunk that is a list of links and little else: navigation, not documentation."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    links = [ln for ln in lines if re.fullmatch(r"[-*+]\s*\[[^\]]*\]\([^)]*\)", ln)]
    return len(lines) >= 3 and len(links) / len(lines) > 0.6


def conditional(site: Site) -> list[str]:
    with site._lock:
        return [p for p, h in site.requests if "if-none-match" in h or "if-modified-since" in h]


def test_websites_and_git_remotes_are_told_apart(tmp_path: Path) -> None:
    web = ["https://www.python-httpx.org/", "http://127.0.0.1:8000/docs/", "web:https://x.dev/r"]
    git = [
        "https://github.com/encode/httpx",
        "https://gitlab.com/group/project/",
        "https://example.com/repo.git",
        "file:///srv/repos/widgets",
        "github:encode/httpx",
        "git@github.com:encode/httpx.git",
    ]
    assert all(is_web_spec(s, None) and not is_git_spec(s, None) for s in web)
    assert all(is_git_spec(s, None) and not is_web_spec(s, None) for s in git)
    # A ref means a repository, whatever the URL looks like; web: means a site all the same.
    assert is_git_spec("https://docs.example.com/", "v2")
    assert is_web_spec("web:https://github.com/encode/httpx", None)
    with pytest.raises(SourceError, match="is a website"):
        open_source("https://docs.example.com/", cache_dir=tmp_path)


def test_index_refresh_change_and_vanish_through_the_cli(
    env: dict[str, str], db_url: str, embedders: list[FakeEmbedder]
) -> None:
    site = httpx_site()
    with serve(site):
        r = run(env, "index", site.base, "--library", LIBRARY, "--version", "0.28.1")
        assert r.exit_code == 0, r.output
        assert f"{LIBRARY}/0.28.1 indexed: {PAGES} files" in r.stdout
        assert f"Crawled {site.base}: {PAGES} pages (llms.txt)" in r.stdout
        first = chunks(db_url)
        n_first = len(embedded(embedders))
        assert {c["path"] for c in first} == {
            str(p.relative_to(HTTPX_SITE).with_name("index.md"))
            for p in HTTPX_SITE.rglob("index.html")
        }
        assert all(c["source_type"] == "web" and c["url"].startswith(site.base) for c in first)
        assert not [c["content"][:80] for c in first if is_menu(c["content"])]
        assert not [(c["path"], w) for c in first for w in CHROME if w in c["content"]]
        assert any("#making-async-requests" in c["url"] for c in first)
        name, description = (
            one(db_url, "SELECT name, description FROM libraries WHERE identifier = %s", LIBRARY),
            one(db_url, "SELECT description FROM libraries WHERE identifier = %s", LIBRARY),
        )
        assert (name, description) == ("HTTPX", "A next-generation HTTP client for Python.")
        version_id = one(db_url, "SELECT id FROM versions WHERE version = '0.28.1'")
        assert one(db_url, "SELECT count(*) FROM web_pages WHERE version_id = %s", version_id) == 23

        # Unchanged: every page asked for conditionally, every answer a 304, nothing embedded.
        site.requests.clear()
        r = run(env, "refresh", LIBRARY)
        assert r.exit_code == 0, r.output
        assert "unchanged" in r.stdout and "23 conditional requests, 23 not modified" in r.stdout
        assert len(embedded(embedders)) == n_first
        assert len(conditional(site)) == PAGES
        result = newest_job(db_url)
        assert (result["unchanged"], result["embedded"]) == (True, 0)
        crawl = result["crawl"]
        assert (crawl["pages"], crawl["conditional"], crawl["not_modified"]) == (23, 23, 23)
        assert (crawl["changed"], crawl["unchanged"], crawl["vanished"]) == (0, 23, [])

        # One page changed: only its new chunks reach the embedder.
        html = (HTTPX_SITE / "http2" / "index.html").read_text()
        changed = html.replace(
            "HTTP/2 is a major new iteration",
            "HTTP/2, the protocol Codex7 tests with, is a major new iteration",
        )
        assert changed != html
        site.overrides["/http2/"] = changed.encode()
        before = len(embedded(embedders))
        r = run(env, "refresh", LIBRARY)
        assert r.exit_code == 0, r.output
        fresh = embedded(embedders)[before:]
        assert fresh and all("Codex7 tests with" in t or "HTTP/2" in t for t in fresh)
        now = chunks(db_url)
        new_texts = {c["content"] for c in now} - {c["content"] for c in first}
        assert {c["path"] for c in now if c["content"] in new_texts} == {"http2/index.md"}
        result = newest_job(db_url)
        assert result["embedded"] == len(fresh) and result["crawl"]["changed"] == 1
        assert result["crawl"]["not_modified"] == 22

        # A page that is gone leaves the version and its stored state.
        site.hidden.add("/logging/")
        r = run(env, "refresh", LIBRARY)
        assert r.exit_code == 0, r.output
        paths = {c["path"] for c in chunks(db_url)}
        assert "logging/index.md" not in paths and len(paths) == 22
        assert newest_job(db_url)["crawl"]["vanished"] == [site.base + "logging/"]
        assert one(db_url, "SELECT count(*) FROM web_pages WHERE version_id = %s", version_id) == 22


def test_crawl_options_are_recorded_and_reused_by_refresh(
    env: dict[str, str], db_url: str, embedders: list[FakeEmbedder]
) -> None:
    site = httpx_site()
    with serve(site):
        r = run(
            env,
            "index",
            site.base,
            "-l",
            LIBRARY,
            "--version",
            "0.28.1",
            "--exclude-url",
            "/advanced/*",
            "--max-pages",
            "5",
            "--name",
            "HTTPX site",
        )
        assert r.exit_code == 0, r.output
        assert "indexed: 5 files" in r.stdout and "stopped at --max-pages" in r.stdout
        source = one(db_url, "SELECT source FROM versions WHERE version = '0.28.1'")
        assert source == {
            "kind": "web",
            "spec": site.base,
            "crawl": {"exclude": ["/advanced/*"], "max_pages": 5},
        }
        site.requests.clear()
        r = run(env, "refresh", LIBRARY)
        assert r.exit_code == 0 and "unchanged" in r.stdout, r.output
        assert not any(p.startswith("/advanced/") for p in site.paths())
        assert len({c["path"] for c in chunks(db_url)}) == 5
        queued = one(db_url, "SELECT request FROM indexing_jobs ORDER BY id DESC LIMIT 1")
        assert queued["crawl"] == {"exclude": ["/advanced/*"], "max_pages": 5}


def test_a_refused_url_is_an_error_before_any_job(env: dict[str, str], db_url: str) -> None:
    site = httpx_site()
    guarded = {k: v for k, v in env.items() if k != "CODEX7_FETCH_ALLOW"}
    with serve(site):
        r = run(guarded, "index", site.base, "-l", LIBRARY, "--version", "1")
        assert r.exit_code == 1
        assert "Refused to fetch from 127.0.0.1" in r.stderr
        assert "loopback" in r.stderr and "CODEX7_FETCH_ALLOW" in r.stderr
        assert "Traceback" not in r.output
        assert site.requests == []
    assert one(db_url, "SELECT count(*) FROM indexing_jobs") == 0

    r = run(env, "index", "https://docs.example.com/", "-l", LIBRARY)
    assert r.exit_code == 1 and "needs a name: add --version" in r.stderr
    r = run(env, "index", ".", "-l", LIBRARY, "--version", "1", "--max-pages", "3")
    assert r.exit_code == 1 and "apply to websites only" in r.stderr
    r = run(env, "index", site.base, "-l", LIBRARY, "--version", "1", "--max-pages", "0")
    assert r.exit_code == 2 and "--max-pages" in r.stderr
    r = run(env, "index", site.base, "-l", LIBRARY, "--version", "1", "--folder", "docs")
    assert r.exit_code == 1 and "choose a website's pages with --include-url" in r.stderr


def test_jobs_show_the_crawl(env: dict[str, str], embedders: list[FakeEmbedder]) -> None:
    with serve(httpx_site()) as site:
        r = run(env, "index", site.base, "-l", LIBRARY, "--version", "0.28.1", "--max-pages", "3")
        assert r.exit_code == 0, r.output
    job = json.loads(run(env, "jobs", "--json").stdout)[0]
    shown = json.loads(run(env, "jobs", "show", str(job["id"]), "--json").stdout)
    assert shown["source"] == site.base and shown["request"]["crawl"] == {"max_pages": 3}
    crawl = shown["result"]["crawl"]
    assert (crawl["url"], crawl["discovery"], crawl["pages"]) == (site.base, "llms.txt", 3)
    assert crawl["truncated"] is True


def test_a_cancel_stops_the_crawl_and_publishes_nothing(
    settings: Settings, embedders: list[FakeEmbedder]
) -> None:
    """The crawl checks for a cancel after every page: one held back by the server is enough."""
    release = threading.Event()

    def held(headers: dict[str, str]) -> Reply:
        release.wait(30)
        return Reply((HTTPX_SITE / "http2" / "index.html").read_bytes())

    site = httpx_site(routes={"/http2/": held})
    update = {"embedding_provider": "fake", "fetch_allow": "127.0.0.1", "fetch_rate": 500.0}
    state = open_state(settings.model_copy(update={"warm_up": False, **update}))
    outcome: list[BaseException] = []

    def index() -> None:
        request = IndexRequest(site.base, LIBRARY, version="0.28.1")
        try:
            run_inline(state, request)
        except BaseException as exc:
            outcome.append(exc)

    try:
        with serve(site):
            runner = threading.Thread(target=index)
            runner.start()
            deadline = time.monotonic() + 30
            while "/http2/" not in site.paths():
                assert time.monotonic() < deadline and runner.is_alive(), "the crawl never came"
                time.sleep(0.01)
            (job,) = list_jobs(state, status="running")
            cancel(state, job.id)
            release.set()
            runner.join(30)
        assert [type(e) for e in outcome] == [JobCancelled]
        assert get_job(state, job.id).status == "cancelled"
        with state.db.pool.connection() as conn:
            assert conn.execute("SELECT count(*) FROM versions").fetchone() == (0,)
            assert conn.execute("SELECT count(*) FROM web_pages").fetchone() == (0,)
        assert embedded(embedders) == []
    finally:
        release.set()
        state.close()


def test_reembed_reads_a_website_from_its_stored_pages(
    env: dict[str, str], db_url: str, embedders: list[FakeEmbedder]
) -> None:
    with serve(httpx_site()) as site:
        r = run(env, "index", site.base, "-l", LIBRARY, "--version", "0.28.1", "--max-pages", "4")
        assert r.exit_code == 0, r.output
    before = chunks(db_url)
    # The server is gone: another model re-chunks and embeds what the crawl stored.
    r = run({**env, "CODEX7_EMBEDDING_MODEL": "fake-16"}, "reembed")
    assert r.exit_code == 0, r.output
    assert "Re-embedded 1 version(s)" in r.stdout
    after = chunks(db_url)
    assert [(c["path"], c["url"], c["content"]) for c in after] == [
        (c["path"], c["url"], c["content"]) for c in before
    ]
    assert one(db_url, "SELECT DISTINCT vector_dims(embedding) FROM documents") == 16
