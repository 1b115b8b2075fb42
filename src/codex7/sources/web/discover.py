"""Finding a site's pages without following links: llms.txt (https://llmstxt.org) and sitemaps
(https://www.sitemaps.org/protocol.html, indexes and gzip included)."""

from __future__ import annotations

import gzip
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urljoin

from codex7.sources.web.fetch import Fetcher, Skip, decode
from codex7.sources.web.robots import Robots
from codex7.sources.web.urls import folder, origin

LLMS_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})
SITEMAP_TYPES = frozenset(
    {"application/xml", "text/xml", "application/gzip", "application/x-gzip", "text/plain"}
)
MAX_SITEMAPS = 50  # sitemap files read per crawl, indexes included
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the protocol's limit for one uncompressed sitemap
_LINK = re.compile(r"^\s*[-*+]\s+\[([^\]\n]+)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


@dataclass
class LlmsTxt:
    url: str
    name: str | None = None  # the H1
    summary: str | None = None  # the `>` blockquote under it
    links: list[str] = field(default_factory=list)  # absolute, in file order


def parse_llms_txt(text: str, url: str) -> LlmsTxt | None:
    """An llms.txt file's title, summary and links; None for text that is not one (an HTML
    page served for a missing file, a file without an H1)."""
    if re.match(r"\s*<(?:!doctype|html|head|body)\b", text, re.I):
        return None
    found = LlmsTxt(url)
    summary: list[str] = []
    in_intro = False
    for line in text.splitlines():
        if found.name is None:
            m = re.match(r"^#\s+(.+?)\s*#*\s*$", line)
            if m:
                found.name, in_intro = m[1], True
            continue
        if in_intro and line.startswith(">"):
            summary.append(line.lstrip(">").strip())
            continue
        if line.strip() and not line.startswith(">"):
            in_intro = False
        m = _LINK.match(line)
        if m:
            found.links.append(urljoin(url, m[2]))
    if found.name is None:
        return None
    found.summary = " ".join(s for s in summary if s) or None
    return found


def llms_locations(start: str, name: str) -> list[str]:
    """`name` in the start URL's folder, then at the site root."""
    return list(dict.fromkeys([folder(start) + name, origin(start) + "/" + name]))


def find_llms_txt(fetcher: Fetcher, robots: Robots, start: str) -> list[LlmsTxt]:
    """Every llms.txt found for `start`: its folder's first, then the site root's."""
    found: list[LlmsTxt] = []
    for url in llms_locations(start, "llms.txt"):
        text = _get_text(fetcher, robots, url, LLMS_TYPES)
        parsed = parse_llms_txt(text, url) if text else None
        if parsed:
            found.append(parsed)
    return found


def find_llms_full(fetcher: Fetcher, robots: Robots, start: str) -> tuple[str, str] | None:
    """(url, text) of the first llms-full.txt for `start`."""
    for url in llms_locations(start, "llms-full.txt"):
        text = _get_text(fetcher, robots, url, LLMS_TYPES)
        if text and not re.match(r"\s*<(?:!doctype|html)\b", text, re.I):
            return url, text
    return None


def parse_sitemap(body: bytes) -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs) of a sitemap, a sitemap index or a text sitemap."""
    if body[:2] == b"\x1f\x8b":
        body = gzip.GzipFile(fileobj=io.BytesIO(body)).read(MAX_SITEMAP_BYTES)
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        lines = body.decode("utf-8", errors="replace").splitlines()
        return [ln.strip() for ln in lines if ln.strip().startswith(("http://", "https://"))], []
    pages: list[str] = []
    children: list[str] = []
    for entry in root:
        kind = entry.tag.rsplit("}", 1)[-1]
        loc = next((el.text for el in entry if el.tag.rsplit("}", 1)[-1] == "loc"), None)
        if not loc or not loc.strip():
            continue
        (children if kind == "sitemap" else pages).append(loc.strip())
    return pages, children


def find_sitemap_pages(fetcher: Fetcher, robots: Robots, start: str) -> list[str]:
    """Page URLs of the sitemaps robots.txt names and of `sitemap.xml` in the start URL's folder
    and at the root, indexes followed, in file order."""
    queue = [*robots.sitemaps(start), *llms_locations(start, "sitemap.xml")]
    seen: set[str] = set()
    pages: list[str] = []
    while queue and len(seen) < MAX_SITEMAPS:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if not robots.allows(url):
            continue
        try:
            fetched = fetcher.get(url, types=SITEMAP_TYPES)
            found, children = parse_sitemap(fetched.body)
        except (Skip, OSError, EOFError):
            continue  # a missing or broken sitemap is just not a source of pages
        pages += found
        queue += children
    return list(dict.fromkeys(pages))


def _get_text(fetcher: Fetcher, robots: Robots, url: str, types: frozenset[str]) -> str | None:
    if not robots.allows(url):
        return None
    try:
        fetched = fetcher.get(url, types=types)
    except Skip:
        return None
    return decode(fetched.body, fetched.charset)
