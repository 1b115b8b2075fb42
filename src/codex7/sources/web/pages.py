"""A fetched response made into a page: Markdown from HTML and PDF, Markdown and text as they
are; with the links to follow and the state to keep for the next refresh."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from urllib.parse import urljoin

from codex7.sources.directives import MARKDOWN_SUFFIXES
from codex7.sources.html import HtmlPage, html_to_markdown
from codex7.sources.web.fetch import Fetched, Skip, decode
from codex7.sources.web.result import PageState
from codex7.sources.web.urls import Scope, in_scope, normalize

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_MARKDOWN_TYPES = ("text/markdown", "text/x-markdown")
_TEXT_SUFFIXES = (".txt", ".rst")
_MD_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")
_WORD = re.compile(r"\w{2,}")


@dataclass
class Page:
    url: str  # the page's own URL: its canonical URL when that is in scope, else where it was
    path: str
    text: str  # Markdown (or plain text)
    state: PageState  # links: the in-scope links to follow
    unchanged: bool = False  # same text as in `previous`


def kind_of(fetched: Fetched) -> str:
    """ "html", "markdown", "text" or "pdf", from the content type, else the URL and the bytes."""
    media, path = fetched.content_type, fetched.url.split("?", 1)[0].lower()
    if media in _HTML_TYPES:
        return "html"
    if media == "application/pdf" or (not media and fetched.body.startswith(b"%PDF-")):
        return "pdf"
    if media in _MARKDOWN_TYPES or path.endswith(MARKDOWN_SUFFIXES):
        return "markdown"
    if not media and re.match(rb"\s*<(!doctype html|html)\b", fetched.body[:1024], re.I):
        return "html"
    return "text"


def make_page(
    fetched: Fetched, scope: Scope, previous: PageState | None, *, keep_query: bool
) -> Page:
    """The page in a 200 response; Skip if it has no text to index or asks not to be indexed."""
    url = normalize(fetched.url, keep_query=keep_query)
    digest = hashlib.sha256(fetched.body).hexdigest()
    if previous and previous.text is not None and previous.content_hash == digest:
        return kept_page(fetched, previous)  # the server ignores validators; the bytes tell
    state = PageState(url, "", fetched.etag, fetched.last_modified, digest)
    kind = kind_of(fetched)
    html: HtmlPage | None = None
    links: list[str] = []
    if kind == "pdf":
        text = _pdf_text(fetched.body)
    elif kind == "html":
        source = decode(fetched.body, fetched.charset) if fetched.charset else fetched.body
        html = html_to_markdown(source, base_url=fetched.url)
        if html.noindex:
            raise Skip("the page asks not to be indexed (meta robots noindex)")
        canonical = normalize(html.canonical, keep_query=keep_query) if html.canonical else None
        if canonical and canonical in scope:
            url = canonical
        text, links = html.markdown, html.links
    else:
        text = decode(fetched.body, fetched.charset)
        links = [urljoin(fetched.url, m) for m in _MD_LINK.findall(text)]
    if not _WORD.search(text):
        raise Skip("no text in the page's main content")

    keep_suffix = kind == "pdf" or (kind == "text" and url.endswith(_TEXT_SUFFIXES))
    path = scope.file_path(url, keep_suffix=keep_suffix)
    unchanged = previous is not None and previous.text == text
    # Kept so that a refresh answered by a 304 can still follow them.
    followed = tuple(in_scope(links, scope, keep_query=keep_query))
    state = replace(state, url=url, path=path, text=text, links=followed)
    if html is not None:
        state = replace(
            state, title=html.title, site_name=html.site_name, description=html.description
        )
    return Page(url, path, text, state, unchanged)


def _pdf_text(data: bytes) -> str:
    """A PDF's text as Markdown, by the converter folders and repositories use."""
    try:
        from codex7.sources.formats import UnreadableFile
        from codex7.sources.pdf import pdf_to_markdown
    except ImportError as e:
        raise Skip(f"PDF not converted: {e.name or 'pypdf'} is not installed") from None
    try:
        return pdf_to_markdown(data)
    except UnreadableFile as e:
        raise Skip(f"PDF not converted: {e}") from None


def kept_page(fetched: Fetched, previous: PageState) -> Page:
    """The previous page again (a 304, or the same bytes), with the validators sent now."""
    state = replace(
        previous,
        etag=fetched.etag or previous.etag,
        last_modified=fetched.last_modified or previous.last_modified,
    )
    return Page(previous.url, previous.path, previous.text or "", state, unchanged=True)
