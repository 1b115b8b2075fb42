"""What a crawl gives back: pages as SourceFiles, per-page state for the next refresh, and counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from codex7.records import SourceFile


@dataclass(frozen=True)
class PageState:
    """What is kept per page between crawls: the validators for a conditional request, the hash
    of the body, and the Markdown made from it (reused as is when the server answers 304)."""

    url: str
    path: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None  # sha256 of the response body
    text: str | None = None  # the page's Markdown (PDFs converted), reused on a 304
    links: tuple[str, ...] = ()  # in-scope links on the page, followed again after a 304
    title: str | None = None  # what an HTML page says about itself, for the site's name
    site_name: str | None = None
    description: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (links as a list)."""
        return {**asdict(self), "links": list(self.links)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PageState:
        return cls(
            url=data["url"],
            path=data["path"],
            etag=data.get("etag"),
            last_modified=data.get("last_modified"),
            content_hash=data.get("content_hash"),
            text=data.get("text"),
            links=tuple(data.get("links") or ()),
            title=data.get("title"),
            site_name=data.get("site_name"),
            description=data.get("description"),
        )


@dataclass(frozen=True)
class Skipped:
    url: str
    reason: str  # one line: "HTTP 404", "robots.txt disallows it", "larger than 10000000 bytes"


@dataclass
class CrawlStats:
    requests: int = 0  # HTTP requests sent, robots.txt, sitemaps and redirect hops included
    conditional: int = 0  # requests sent with If-None-Match / If-Modified-Since
    not_modified: int = 0  # 304 answers: the previous text was kept
    unchanged: int = 0  # pages whose text is the previous text (304 or same body hash)
    changed: int = 0  # pages new or different since `previous`
    duplicates: int = 0  # URLs that turned out to be a page already read (redirect, canonical)
    vanished: list[str] = field(default_factory=list)  # previous page URLs not found this time
    bytes: int = 0  # response body bytes read
    truncated: bool = False  # max_pages stopped the crawl with pages left

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class WebSource:
    """A crawled site: its pages in discovery order and what the pipeline records about it."""

    url: str  # where the crawl started, after redirects
    discovery: str  # "llms.txt" | "sitemap" | "crawl" | "llms-full.txt"
    files: list[SourceFile]
    pages: dict[str, PageState]  # by page URL: store these for the next refresh
    name: str | None = None  # llms.txt H1, og:site_name or the titles' common suffix
    description: str | None = None  # llms.txt summary, else the start page's meta description
    skipped: list[Skipped] = field(default_factory=list)
    stats: CrawlStats = field(default_factory=CrawlStats)
