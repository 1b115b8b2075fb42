"""Pure parts of the website source: URL normal form, scope, file paths, llms.txt, sitemaps."""

from __future__ import annotations

import gzip

import pytest

from codex7.sources.spec import website_url
from codex7.sources.web.discover import parse_llms_txt, parse_sitemap
from codex7.sources.web.result import PageState
from codex7.sources.web.urls import Scope, looks_like_asset, normalize
from tests.sources.websites import HTTPX_SITE


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("HTTP://Docs.Example.COM:80/a/./b/../index.html#top", "http://docs.example.com/a/"),
        ("https://h/docs//api/?page=2#x", "https://h/docs/api/"),
        ("https://h:443/guide", "https://h/guide"),
        ("http://h:8080/%7Euser/a b", "http://h:8080/~user/a%20b"),
        ("http://[::1]:9000/x/index.htm", "http://[::1]:9000/x/"),
    ],
)
def test_normalize_drops_fragments_queries_default_ports_and_index_files(
    url: str, normal: str
) -> None:
    assert normalize(url) == normal


def test_normalize_can_keep_the_query() -> None:
    assert normalize("https://h/search?q=1#r", keep_query=True) == "https://h/search?q=1"


def test_scope_is_the_start_folder_on_the_same_host_and_port() -> None:
    scope = Scope.around("https://h/docs/intro")
    assert scope.prefix == "/docs/"
    assert "https://h/docs/api/" in scope
    assert "https://h/docs" in scope
    assert "https://h/blog/" not in scope
    assert "https://h:8443/docs/" not in scope
    assert "https://other/docs/" not in scope
    assert "ftp://h/docs/" not in scope
    assert "https://h/blog/" in Scope.around("https://h/docs/", whole_host=True)


def test_scope_globs_match_url_paths() -> None:
    scope = Scope.around(
        "https://h/docs/", include=("/docs/v2/*",), exclude=("*/changelog/*", "*.pdf")
    )
    assert "https://h/docs/v2/api/" in scope
    assert "https://h/docs/v1/api/" not in scope
    assert "https://h/docs/v2/changelog/1" not in scope
    assert "https://h/docs/v2/manual.pdf" not in scope


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://h/docs/", "index.md"),
        ("https://h/docs/api/", "api/index.md"),
        ("https://h/docs/api", "api.md"),
        ("https://h/docs/guide/setup.html", "guide/setup.md"),
        ("https://h/docs/guide.md", "guide.md"),
        ("https://h/docs/comp.mdx", "comp.mdx"),
        ("https://h/docs/v1.0", "v1.0.md"),
        ("https://h/docs/a%20b/c$d", "a-b/c-d.md"),
        ("https://h/docs/search?q=1", "search-02f5e6e3.md"),
    ],
)
def test_file_path_of_a_page(url: str, path: str) -> None:
    assert Scope.around("https://h/docs/").file_path(url) == path


def test_file_path_keeps_a_file_suffix_when_asked() -> None:
    scope = Scope.around("https://h/docs/")
    assert scope.file_path("https://h/docs/manual.pdf", keep_suffix=True) == "manual.pdf"
    assert scope.file_path("https://h/docs/notes.rst", keep_suffix=True) == "notes.rst"


def test_assets_are_not_pages() -> None:
    assert looks_like_asset("https://h/a/logo.PNG")
    assert looks_like_asset("https://h/bundle.min.js")
    assert not looks_like_asset("https://h/docs/v1.0")
    assert not looks_like_asset("https://h/docs/page.html")


def test_llms_txt_of_the_httpx_site() -> None:
    text = (HTTPX_SITE / "llms.txt").read_text()
    found = parse_llms_txt(text, "http://127.0.0.1:8765/llms.txt")
    assert found is not None
    assert found.name == "HTTPX"
    assert found.summary == "A next-generation HTTP client for Python."
    assert len(found.links) == 23
    assert found.links[:2] == ["http://127.0.0.1:8765/", "http://127.0.0.1:8765/quickstart/"]


def test_llms_txt_that_is_an_html_page_or_has_no_title_is_not_one() -> None:
    assert parse_llms_txt("<!DOCTYPE html><html>Not found</html>", "https://h/llms.txt") is None
    assert parse_llms_txt("- [A](a.md)\n", "https://h/llms.txt") is None


def test_llms_txt_links_with_titles_and_md_pages() -> None:
    text = (
        "# Widgets\n\n> Small widgets.\n> For everyone.\n\nIntro text.\n\n## Docs\n\n"
        '- [Start](/docs/start.md "Start here"): how to begin\n'
        "* [API](<api/index.md>)\n"
        "not a link line [x](y)\n"
    )
    found = parse_llms_txt(text, "https://h/docs/llms.txt")
    assert found is not None and found.summary == "Small widgets. For everyone."
    assert found.links == ["https://h/docs/start.md", "https://h/docs/api/index.md"]


def test_sitemaps_urlsets_indexes_gzip_and_text() -> None:
    urlset = (HTTPX_SITE / "sitemap.xml").read_bytes()
    pages, children = parse_sitemap(urlset)
    assert len(pages) == 23 and children == []
    assert parse_sitemap((HTTPX_SITE / "sitemap.xml.gz").read_bytes())[0] == pages
    index = (
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc> https://h/a.xml </loc></sitemap><sitemap><loc>https://h/b.xml.gz</loc>"
        b"</sitemap></sitemapindex>"
    )
    assert parse_sitemap(gzip.compress(index)) == ([], ["https://h/a.xml", "https://h/b.xml.gz"])
    assert parse_sitemap(b"https://h/1\n\nhttps://h/2\n") == (["https://h/1", "https://h/2"], [])


def test_page_state_round_trips_through_json_shapes() -> None:
    state = PageState(
        "https://h/a/", "a/index.md", '"e1"', "Mon", "abc", "# A\n", ("https://h/b/",)
    )
    assert PageState.from_dict(state.as_dict()) == state
    assert state.as_dict()["links"] == ["https://h/b/"]


@pytest.mark.parametrize(
    ("spec", "ref", "url"),
    [
        ("https://www.python-httpx.org/", None, "https://www.python-httpx.org/"),
        ("https://docs.example.com/v2/guide", None, "https://docs.example.com/v2/guide"),
        ("https://encode.github.io/httpx/", None, "https://encode.github.io/httpx/"),
        ("web:https://github.com/encode/httpx", None, "https://github.com/encode/httpx"),
        ("https://github.com/encode/httpx", None, None),
        ("https://github.com/encode/httpx/", None, None),
        ("https://gitlab.com/group/project.git", None, None),
        ("https://git.example.com/team/docs.git", None, None),
        ("https://docs.example.com/", "v2", None),
        ("github:encode/httpx", None, None),
        ("./docs", None, None),
    ],
)
def test_website_or_git_remote(spec: str, ref: str | None, url: str | None) -> None:
    assert website_url(spec, ref) == url
