"""Conditional refresh: a second crawl sends If-None-Match / If-Modified-Since, keeps the text of
pages answered with 304, and tells which pages changed and which vanished."""

from __future__ import annotations

import json
from typing import Any

from codex7.sources.web import PageState, WebOptions, open_website
from tests.sources.websites import HTTPX_SITE, Reply, Site, httpx_site, page, serve


def options(**kwargs: Any) -> WebOptions:
    return WebOptions(allow="127.0.0.1", rate=1000, **kwargs)


def stored(pages: dict[str, PageState]) -> dict[str, PageState]:
    """The states as the pipeline would keep them: through JSON and back."""
    return {
        url: PageState.from_dict(json.loads(json.dumps(s.as_dict()))) for url, s in pages.items()
    }


def test_unchanged_site_answers_304_for_every_page_and_keeps_the_text() -> None:
    with serve(httpx_site()) as site:
        first = open_website(site.base, options())
        page_requests = len(site.requests)
        again = open_website(site.base, options(), previous=stored(first.pages))
        conditional = [(p, h["if-none-match"]) for p, h in site.requests if "if-none-match" in h]
    assert first.stats.conditional == 0 and first.stats.changed == 23
    assert again.stats.conditional == 23 and again.stats.not_modified == 23
    assert (again.stats.unchanged, again.stats.changed, again.stats.vanished) == (23, 0, [])
    assert [(f.path, f.text, f.url) for f in again.files] == [
        (f.path, f.text, f.url) for f in first.files
    ]
    assert len(conditional) == 23 and page_requests > 23
    assert all(tag.startswith('"') for _, tag in conditional)


def test_one_changed_page_is_the_only_changed_one() -> None:
    site = httpx_site()
    with serve(site):
        first = open_website(site.base, options())
        html = (HTTPX_SITE / "http2" / "index.html").read_text()
        site.overrides["/http2/"] = html.replace(">HTTP/2</h1>", ">HTTP/3</h1>").encode()
        again = open_website(site.base, options(), previous=stored(first.pages))
    assert (again.stats.changed, again.stats.unchanged, again.stats.not_modified) == (1, 22, 22)
    changed = {f.path: f.text for f in again.files if f.text != first.pages[f.url].text}
    assert list(changed) == ["http2/index.md"]
    assert changed["http2/index.md"].startswith("# HTTP/3 {#http2}")
    assert again.pages[site.base + "http2/"].text == changed["http2/index.md"]


def test_vanished_pages_are_reported() -> None:
    site = httpx_site(hidden={"/logging/"})
    with serve(site):
        full = httpx_site()
        with serve(full):
            first = open_website(full.base, options())
        previous = {
            url.replace(full.base, site.base): PageState.from_dict(
                {**s.as_dict(), "url": s.url.replace(full.base, site.base)}
            )
            for url, s in first.pages.items()
        }
        again = open_website(site.base, options(), previous=previous)
    assert again.stats.vanished == [site.base + "logging/"]
    assert len(again.files) == 22
    assert [s.reason for s in again.skipped] == ["HTTP 404"]


def test_following_links_still_finds_every_page_when_all_answer_304() -> None:
    with serve(httpx_site(hidden={"/llms.txt", "/sitemap.xml"})) as site:
        first = open_website(site.base, options())
        again = open_website(site.base, options(), previous=stored(first.pages))
    assert again.discovery == "crawl"
    assert [f.path for f in again.files] == [f.path for f in first.files]
    assert again.stats.not_modified == 23
    assert (again.name, again.description) == (first.name, first.description)
    assert first.name == "HTTPX"


def test_last_modified_validators_and_servers_that_ignore_them() -> None:
    body = page("Guide", "<h1>Guide</h1><p>Make a widget.</p>")
    validators = Site(
        routes={
            "/docs/": lambda h: (
                Reply(b"", 304)
                if h.get("if-modified-since") == "Wed, 01 Jan 2025 00:00:00 GMT"
                else Reply(body, headers={"Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"})
            )
        }
    )
    with serve(validators) as site:
        first = open_website(site.base + "docs/", options())
        again = open_website(site.base + "docs/", options(), previous=stored(first.pages))
    assert again.stats.not_modified == 1 and again.files == first.files

    plain = Site(routes={"/docs/": Reply(body)})  # no validators: the body's hash decides
    with serve(plain) as site:
        first = open_website(site.base + "docs/", options())
        again = open_website(site.base + "docs/", options(), previous=stored(first.pages))
    assert (again.stats.conditional, again.stats.not_modified, again.stats.unchanged) == (0, 0, 1)
    assert again.files == first.files


def test_no_conditional_request_without_the_previous_text() -> None:
    with serve(httpx_site()) as site:
        first = open_website(site.base, options(max_pages=2))
        bare = {
            u: PageState.from_dict({**s.as_dict(), "text": None}) for u, s in first.pages.items()
        }
        again = open_website(site.base, options(max_pages=2), previous=bare)
    assert again.stats.conditional == 0 and again.stats.changed == 2
