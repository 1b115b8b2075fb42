"""Crawling real sites served on 127.0.0.1: the HTTPX docs (mkdocs-material) and small sites
written here for discovery, scope, robots.txt, redirects and limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fpdf import FPDF

from codex7.chunking import chunk_file
from codex7.errors import SourceError
from codex7.sources.web import USER_AGENT, WebOptions, WebSource, open_website
from codex7.sources.web.discover import parse_llms_txt
from tests.sources.websites import HTTPX_SITE, Reply, Site, httpx_site, page, serve

LLMS = parse_llms_txt((HTTPX_SITE / "llms.txt").read_text(), "http://127.0.0.1:8765/llms.txt")
assert LLMS is not None
HTTPX_PATHS = [
    "index.md" if u.endswith(":8765/") else u.split(":8765/")[1] + "index.md" for u in LLMS.links
]
NAV_TITLES = re.findall(r"^- \[([^\]]+)\]", (HTTPX_SITE / "llms.txt").read_text(), re.M)


def options(**kwargs: Any) -> WebOptions:
    return WebOptions(allow="127.0.0.1", rate=1000, **kwargs)


@pytest.fixture(scope="module")
def httpx_docs() -> Iterator[Site]:
    with serve(httpx_site()) as site:
        yield site


@pytest.fixture(scope="module")
def crawled(httpx_docs: Site) -> WebSource:
    return open_website(httpx_docs.base, options())


def test_llms_txt_lists_all_23_pages_in_its_order(crawled: WebSource, httpx_docs: Site) -> None:
    assert crawled.discovery == "llms.txt"
    assert [f.path for f in crawled.files] == HTTPX_PATHS
    assert crawled.files[1].url == httpx_docs.base + "quickstart/"
    assert (crawled.name, crawled.description) == (
        "HTTPX",
        "A next-generation HTTP client for Python.",
    )
    assert crawled.skipped == [] and not crawled.stats.truncated


def test_no_page_carries_navigation_or_footer_boilerplate(crawled: WebSource) -> None:
    for file in crawled.files:
        assert "Material for MkDocs" not in file.text, file.path
        assert "Made with" not in file.text, file.path
        assert not re.search(r"Introduction\s+QuickStart", file.text), file.path


def test_no_chunk_is_a_menu(crawled: WebSource) -> None:
    chunks = [
        c
        for f in crawled.files
        for c in chunk_file(f, max_tokens=300, count=lambda s: len(s.split()))
    ]
    assert len(chunks) > 100
    for chunk in chunks:
        linked_titles = {t for t in NAV_TITLES if f"[{t}](" in chunk.content}
        assert len(linked_titles) < 5, (chunk.url, sorted(linked_titles))
        assert "Made with" not in chunk.content


def test_chunks_link_to_the_page_and_heading(crawled: WebSource, httpx_docs: Site) -> None:
    async_page = next(f for f in crawled.files if f.path == "async/index.md")
    chunks = chunk_file(async_page, max_tokens=300, count=lambda s: len(s.split()))
    urls = {c.url for c in chunks}
    assert httpx_docs.base + "async/#making-async-requests" in urls
    code = next(c for c in chunks if c.has_code)
    assert code.code_language == "pycon"


def test_requests_name_the_crawler(httpx_docs: Site) -> None:
    assert {h["user-agent"] for _, h in httpx_docs.requests} == {USER_AGENT}
    assert USER_AGENT.startswith("Codex7/") and "(+docs indexer)" in USER_AGENT


def test_sitemap_when_there_is_no_llms_txt() -> None:
    with serve(httpx_site(hidden={"/llms.txt"})) as site:
        found = open_website(site.base, options())
    assert found.discovery == "sitemap"
    assert sorted(f.path for f in found.files) == sorted(HTTPX_PATHS)
    assert found.name == "HTTPX"  # the pages' common title suffix
    assert found.description == "A next-generation HTTP client for Python."


def test_following_links_when_there_is_neither() -> None:
    with serve(httpx_site(hidden={"/llms.txt", "/sitemap.xml"})) as site:
        found = open_website(site.base, options())
    assert found.discovery == "crawl"
    assert sorted(f.path for f in found.files) == sorted(HTTPX_PATHS)
    assert found.files[0].path == "index.md"
    assert found.skipped == []
    # `async/` links to `../advanced/transports` (301 to `…/transports/`): one page, not two.
    assert found.stats.duplicates >= 1
    assert "/advanced/transports" in site.paths()  # the redirect was followed, not guessed
    # Stylesheets, scripts and images are never requested.
    assert not [p for p in site.paths() if re.search(r"\.(css|js|png|svg)$", p)]


def test_discovery_can_be_forced(httpx_docs: Site) -> None:
    crawl = open_website(httpx_docs.base, options(discovery="crawl", max_pages=3))
    assert crawl.discovery == "crawl" and len(crawl.files) == 3 and crawl.stats.truncated
    with pytest.raises(SourceError, match="No sitemap lists pages"):
        with serve(httpx_site(hidden={"/sitemap.xml"})) as site:
            open_website(site.base, options(discovery="sitemap"))


def test_max_pages_and_max_depth(httpx_docs: Site) -> None:
    few = open_website(httpx_docs.base, options(max_pages=5))
    assert [f.path for f in few.files] == HTTPX_PATHS[:5] and few.stats.truncated
    start_only = open_website(httpx_docs.base, options(discovery="crawl", max_depth=0))
    assert [f.path for f in start_only.files] == ["index.md"]


def test_include_and_exclude_globs(httpx_docs: Site) -> None:
    advanced = open_website(httpx_docs.base, options(scope="host", include=("/advanced/*",)))
    assert len(advanced.files) == 10
    assert all(f.path.startswith("advanced/") for f in advanced.files)
    rest = open_website(httpx_docs.base, options(exclude=("/advanced/*", "/api/")))
    assert len(rest.files) == 12 and "api/index.md" not in [f.path for f in rest.files]


def test_progress_is_reported_and_can_stop_the_crawl(httpx_docs: Site) -> None:
    seen: list[tuple[int, int]] = []
    open_website(httpx_docs.base, options(max_pages=4), progress=lambda d, t: seen.append((d, t)))
    assert [d for d, _ in seen] == [1, 2, 3, 4]

    class Stop(Exception):
        pass

    def stop(done: int, total: int) -> None:
        if done == 2:
            raise Stop

    with pytest.raises(Stop):
        open_website(httpx_docs.base, options(), progress=stop)


DOCS = "/docs/"


def small_site(**routes: Any) -> Site:
    base: dict[str, Any] = {
        "/docs/": Reply(
            page(
                "Home",
                "<h1>Widgets</h1><p>Start with the <a href='guide/'>guide</a>, the "
                "<a href='private/'>internals</a>, the <a href='moved'>old page</a>, the "
                "<a href='/blog/'>blog</a>, the <a href='data'>data</a>, the "
                "<a href='big/'>big page</a> and the <a href='copy/'>copy</a>.</p>",
            )
        ),
        "/docs/guide/": Reply(page("Guide", "<h1>Guide</h1><p>Make a widget.</p>")),
        "/docs/private/": Reply(page("Internals", "<h1>Internals</h1><p>Secret.</p>")),
        "/docs/moved": Reply(b"", 301, headers={"Location": "/docs/new/"}),
        "/docs/new/": Reply(page("New", "<h1>New</h1><p>The new page.</p>")),
        "/docs/copy/": Reply(
            page(
                "Guide copy",
                "<h1>Guide</h1><p>Make a widget.</p>",
                head='<link rel="canonical" href="/docs/guide/">',
            )
        ),
        "/blog/": Reply(page("Blog", "<h1>Blog</h1><p>News.</p>")),
        "/docs/data": Reply(b"{}", content_type="application/json"),
        "/docs/big/": Reply(page("Big", "<h1>Big</h1><p>" + "word " * 5000 + "</p>")),
        "/robots.txt": Reply(
            "User-agent: *\nDisallow: /docs/private/\n", content_type="text/plain"
        ),
    }
    base.update(routes)
    return Site(routes=base)


def test_scope_robots_redirects_canonical_and_limits() -> None:
    with serve(small_site()) as site:
        found = open_website(site.base + "docs/", options(max_bytes=20_000))
        asked = site.paths()
    assert found.discovery == "crawl"
    assert [(f.path, f.url) for f in found.files] == [
        ("index.md", site.base + "docs/"),
        ("guide/index.md", site.base + "docs/guide/"),
        ("new/index.md", site.base + "docs/new/"),
    ]
    reasons = {s.url.removeprefix(site.base): s.reason for s in found.skipped}
    assert reasons == {
        "docs/private/": "robots.txt disallows it",
        "docs/data": "content type application/json is not indexed",
        "docs/big/": "larger than 20000 bytes",
    }
    assert found.stats.duplicates == 1  # copy/ names guide/ as its canonical page
    assert "/docs/private/" not in asked  # robots.txt is obeyed before asking
    assert "/blog/" not in asked  # outside the start folder
    assert asked.count("/robots.txt") == 1


def test_a_redirect_out_of_scope_is_recorded_not_followed() -> None:
    routes = {"/docs/moved": Reply(b"", 302, headers={"Location": "/blog/"})}
    with serve(small_site(**routes)) as site:
        found = open_website(site.base + "docs/", options())
        asked = site.paths()
    reasons = {s.url.removeprefix(site.base): s.reason for s in found.skipped}
    assert reasons["docs/moved"] == f"redirects to {site.base}blog/, outside the crawl's scope"
    assert "/blog/" not in asked


def test_robots_txt_can_forbid_the_whole_crawl() -> None:
    routes = {"/robots.txt": Reply("User-agent: Codex7\nDisallow: /\n", content_type="text/plain")}
    with serve(small_site(**routes)) as site:
        with pytest.raises(SourceError, match="robots.txt .* does not allow Codex7"):
            open_website(site.base + "docs/", options())
        assert site.paths() == ["/robots.txt"]


def test_slow_pages_time_out() -> None:
    import time

    def slow(headers: dict[str, str]) -> Reply:
        time.sleep(1.5)  # the server being slow is what is tested
        return Reply(page("Slow", "<h1>Slow</h1><p>Late.</p>"))

    with serve(small_site(**{"/docs/guide/": slow})) as site:
        found = open_website(site.base + "docs/", options(timeout=0.5))
    reasons = {s.url.removeprefix(site.base): s.reason for s in found.skipped}
    assert reasons["docs/guide/"] == "no answer within 0.5 s"


def test_markdown_pages_from_llms_txt_are_read_as_they_are() -> None:
    routes = {
        "/docs/llms.txt": Reply(
            "# Widgets\n\n> Tiny widgets.\n\n- [Start](start.md)\n- [Notes](notes.txt)\n",
            content_type="text/plain",
        ),
        "/docs/start.md": Reply(
            "# Start\n\n```python\nimport widgets\n```\n", content_type="text/markdown"
        ),
        "/docs/notes.txt": Reply("Plain notes about widgets.\n", content_type="text/plain"),
    }
    with serve(small_site(**routes)) as site:
        found = open_website(site.base + "docs/", options())
    assert found.discovery == "llms.txt"
    assert (found.name, found.description) == ("Widgets", "Tiny widgets.")
    assert [(f.path, f.text) for f in found.files] == [
        ("start.md", "# Start\n\n```python\nimport widgets\n```\n"),
        ("notes.txt", "Plain notes about widgets.\n"),
    ]


def test_pdfs_on_a_site_are_converted_like_pdf_files() -> None:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Widgets can be folded along the dotted line.")
    routes = {
        "/docs/llms.txt": Reply(
            "# Widgets\n\n- [Manual](manual.pdf)\n- [Broken](broken.pdf)\n",
            content_type="text/plain",
        ),
        "/docs/manual.pdf": Reply(bytes(pdf.output()), content_type="application/pdf"),
        "/docs/broken.pdf": Reply(b"%PDF-1.4 not really", content_type="application/pdf"),
    }
    with serve(small_site(**routes)) as site:
        found = open_website(site.base + "docs/", options())
    assert [f.path for f in found.files] == ["manual.pdf"]
    assert "folded along the dotted line" in found.files[0].text
    assert [s.url for s in found.skipped] == [site.base + "docs/broken.pdf"]
    assert found.skipped[0].reason.startswith("PDF not converted")


def test_llms_full_txt_only_when_nothing_else_gives_pages() -> None:
    routes = {
        "/docs/": Reply(b"", 404, "text/plain"),
        "/llms-full.txt": Reply(
            "# Widgets\n\nAll the docs in one file.\n", content_type="text/plain"
        ),
    }
    with serve(small_site(**routes)) as site:
        found = open_website(site.base + "docs/", options())
    assert found.discovery == "llms-full.txt"
    assert [(f.path, f.url) for f in found.files] == [("llms-full.md", site.base + "llms-full.txt")]


def test_a_site_with_no_pages_is_an_error_that_says_why() -> None:
    with serve(Site()) as site:
        with pytest.raises(SourceError, match=r"No pages found at .*: HTTP 404"):
            open_website(site.base + "docs/", options())
