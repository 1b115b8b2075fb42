"""URLs of a crawl: normal form, scope (host, path prefix, globs) and the file path of a page."""

from __future__ import annotations

import fnmatch
import hashlib
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from codex7.sources.directives import MARKDOWN_SUFFIXES

_DEFAULT_PORTS = {"http": 80, "https": 443}
_INDEX = re.compile(r"/index\.html?$", re.I)
# Links to these are never documentation pages; not worth a request.
_ASSET_SUFFIXES = {
    ".css", ".js", ".mjs", ".map", ".json", ".xml", ".rss", ".atom", ".png", ".jpg", ".jpeg",
    ".gif", ".svg", ".webp", ".avif", ".ico", ".bmp", ".woff", ".woff2", ".ttf", ".otf", ".eot",
    ".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".tar", ".whl", ".exe", ".dmg", ".msi", ".deb",
    ".rpm", ".mp3", ".mp4", ".webm", ".ogg", ".wav", ".mov", ".avi", ".wasm", ".bin", ".csv",
}  # fmt: skip
_PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".php", ".asp", ".aspx", ".jsp")
_SAFE_SEGMENT = re.compile(r"[^\w.\-]+")


def normalize(url: str, *, keep_query: bool = False) -> str:
    """One spelling per page: lower-case scheme and host, no default port, no fragment, no
    query (unless kept), dot segments resolved, `…/index.html` as its folder `…/`."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = parts.path or "/"
    trailing = path.endswith("/")
    path = posixpath.normpath(quote(unquote(path), safe="/:@!$&'()*+,;=-._~"))
    path = "/" if path in (".", "/", "//") else path.replace("//", "/")
    if trailing and not path.endswith("/"):
        path += "/"
    path = _INDEX.sub("/", path)
    query = parts.query if keep_query else ""
    return urlunsplit((scheme, netloc, path, query, ""))


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def folder(url: str) -> str:
    """The URL's folder: itself when it ends in `/`, else its parent (`/docs/intro` → `/docs/`)."""
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else parts.path.rsplit("/", 1)[0] + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def looks_like_asset(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return posixpath.splitext(path)[1] in _ASSET_SUFFIXES


@dataclass(frozen=True)
class Scope:
    """Which URLs belong to the crawl: same scheme-less host (and port), under `prefix` (a path
    ending in `/`), matching an include glob if any is given and no exclude glob. Globs are
    matched against the URL path (`/docs/v2/*`); `*` crosses `/`."""

    host: str  # netloc: host[:port]
    prefix: str = "/"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @classmethod
    def around(
        cls,
        start: str,
        *,
        whole_host: bool = False,
        include: tuple[str, ...] = (),
        exclude: tuple[str, ...] = (),
    ) -> Scope:
        parts = urlsplit(start)
        prefix = "/" if whole_host else urlsplit(folder(start)).path
        return cls(parts.netloc, prefix, tuple(include), tuple(exclude))

    def same_site(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and parts.netloc == self.host

    def __contains__(self, url: str) -> bool:
        if not self.same_site(url):
            return False
        path = urlsplit(url).path or "/"
        if not (path + "/").startswith(self.prefix) and not path.startswith(self.prefix):
            return False
        if self.include and not any(fnmatch.fnmatchcase(path, g) for g in self.include):
            return False
        return not any(fnmatch.fnmatchcase(path, g) for g in self.exclude)

    def file_path(self, url: str, *, keep_suffix: bool = False) -> str:
        """The page's path in the library, relative to the prefix: `…/api/` → `api/index.md`,
        `…/api.html` → `api.md`, `…/guide.md` → `guide.md`, a query hashed into the name;
        `keep_suffix` keeps a file's own suffix (`notes.rst`, `manual.pdf`)."""
        parts = urlsplit(url)
        path = unquote(parts.path or "/")
        rel = path[len(self.prefix) :] if path.startswith(self.prefix) else path.lstrip("/")
        segments = [_SAFE_SEGMENT.sub("-", s).strip("-") or "_" for s in rel.split("/") if s]
        if path.endswith("/") or not segments:
            segments.append("index")
        stem, ext = posixpath.splitext(segments[-1])
        if not re.fullmatch(r"\.[A-Za-z][A-Za-z0-9]{0,7}", ext):
            stem, ext = segments[-1], ""  # `v1.0`, `1.2.3-rc`: a name, not a suffix
        if parts.query:
            stem = f"{stem}-{hashlib.sha256(parts.query.encode()).hexdigest()[:8]}"
        lower = ext.lower()
        if lower in MARKDOWN_SUFFIXES or (keep_suffix and ext):
            segments[-1] = stem + lower
        elif lower in _PAGE_SUFFIXES:
            segments[-1] = stem + ".md"
        else:
            segments[-1] = stem + ext + ".md"
        if parts.netloc != self.host:
            segments.insert(0, _SAFE_SEGMENT.sub("-", parts.netloc))
        return "/".join(segments)


def in_scope(urls: Iterable[str], scope: Scope, *, keep_query: bool) -> list[str]:
    """The URLs in their normal form that belong to `scope`, each once, in the order given."""
    normal = (normalize(u, keep_query=keep_query) for u in urls)
    return list(dict.fromkeys(u for u in normal if u in scope))
