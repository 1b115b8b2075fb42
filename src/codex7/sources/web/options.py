"""How a site is crawled: scope, discovery, limits and the fetch allow-list."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from codex7 import __version__

if TYPE_CHECKING:
    from codex7.config import Settings

USER_AGENT = f"Codex7/{__version__} (+docs indexer)"
ROBOTS_AGENT = "Codex7"  # the product token robots.txt groups are matched against

Discovery = Literal["auto", "llms", "sitemap", "crawl"]


@dataclass(frozen=True)
class WebOptions:
    """Crawl settings. `scope="prefix"` keeps to the start URL's folder (`/docs/` for
    `https://x/docs/intro`); `"host"` takes the whole host. Globs match URL paths."""

    scope: Literal["prefix", "host"] = "prefix"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    discovery: Discovery = "auto"  # auto: llms.txt, then sitemap.xml, then following links
    max_pages: int = 500
    max_depth: int = 5  # link hops from the start page when following links
    concurrency: int = 4
    rate: float = 4.0  # requests per second per host (robots.txt Crawl-delay can lower it)
    timeout: float = 20.0  # seconds per request, connect to last byte
    max_bytes: int = 10_000_000  # per response, after decompression
    allow: str = ""  # CODEX7_FETCH_ALLOW: hosts and CIDR networks that may be private
    keep_query: bool = False  # ?query strings name different pages
    user_agent: str = USER_AGENT

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> WebOptions:
        base = cls(
            max_pages=settings.fetch_max_pages,
            max_depth=settings.fetch_max_depth,
            concurrency=settings.fetch_concurrency,
            rate=settings.fetch_rate,
            timeout=settings.fetch_timeout,
            max_bytes=settings.fetch_max_bytes,
            allow=settings.fetch_allow,
        )
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})
