"""Real HTTP servers on 127.0.0.x for the website-source tests: a folder served like a static
host (with ETags) or a handful of routes; every request is recorded."""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.paths import SHARED

HTTPX_SITE = SHARED / "sites" / "httpx-0.28.1" / "site"
HTTPX_SITE_URL = "http://127.0.0.1:8765/"  # the site_url it was built with


@dataclass
class Reply:
    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


Route = Reply | Callable[[dict[str, str]], Reply]


@dataclass
class Site:
    """What a server serves and what it was asked."""

    routes: dict[str, Route] = field(default_factory=dict)
    folder: Path | None = None
    site_url: str | None = None  # rewritten to the server's own URL in text files
    etags: bool = True  # folder files carry an ETag and answer If-None-Match with 304
    hidden: set[str] = field(default_factory=set)  # folder paths answered with 404
    overrides: dict[str, bytes] = field(default_factory=dict)  # folder path → other bytes
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> list[str]:
        with self._lock:
            return [p for p, _ in self.requests]

    def reply(self, path: str, headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append((path, headers))
        route = self.routes.get(path)
        if route is not None:
            return route(headers) if callable(route) else route
        if self.folder is None or path in self.hidden:
            return Reply("not found", 404, "text/plain")
        return self._file(path, headers)

    def _file(self, path: str, headers: dict[str, str]) -> Reply:
        assert self.folder is not None
        clean = path.split("?", 1)[0].lstrip("/")
        file = self.folder / clean
        if file.is_dir():
            if not path.split("?", 1)[0].endswith("/"):
                return Reply(b"", 301, "text/plain", {"Location": path + "/"})
            file = file / "index.html"
        body = self.overrides.get(path)
        if body is None:
            if not file.is_file() or not file.resolve().is_relative_to(self.folder.resolve()):
                return Reply("not found", 404, "text/plain")
            body = file.read_bytes()
        ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith("xml"):
            if self.site_url:
                body = body.replace(self.site_url.encode(), self.base.encode())
            ctype += "; charset=utf-8"
        extra: dict[str, str] = {}
        if self.etags:
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            extra["ETag"] = etag
            if headers.get("if-none-match") == etag:
                return Reply(b"", 304, ctype, extra)
        return Reply(body, 200, ctype, extra)


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = site.reply(self.path, headers)
            body = reply.body.encode() if isinstance(reply.body, str) else reply.body
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            if reply.status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if reply.status != 304:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve(site: Site, host: str = "127.0.0.1") -> Iterator[Site]:
    server = ThreadingHTTPServer((host, 0), _handler(site))
    server.daemon_threads = True
    site.base = f"http://{host}:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def httpx_site(**kwargs: object) -> Site:
    """The HTTPX docs as their own server would serve them (site_url pointing at it)."""
    return Site(folder=HTTPX_SITE, site_url=HTTPX_SITE_URL, **kwargs)  # type: ignore[arg-type]


def page(title: str, body: str, head: str = "") -> str:
    """A small page with site chrome around its article."""
    return (
        f"<!doctype html><html><head><title>{title} - Widgets</title>{head}</head><body>"
        "<header><nav><a href='/docs/'>Home</a></nav></header>"
        f"<main><article>{body}</article></main>"
        "<footer>Copyright Widgets Inc.</footer></body></html>"
    )
