"""One HTTP GET as a crawl needs it: guarded, rate-limited per host, size- and time-limited,
redirects followed hop by hop (each hop checked), conditional when validators are given."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from codex7.sources.web.guard import FetchAllow, GuardedTransport
from codex7.sources.web.options import WebOptions
from codex7.sources.web.result import CrawlStats

MAX_REDIRECTS = 10
PAGE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/markdown",
        "text/x-markdown",
        "text/plain",
        "application/pdf",
    }
)
_ACCEPT = (
    "text/html,application/xhtml+xml;q=0.9,text/markdown;q=0.8,text/plain;q=0.7,"
    "application/pdf;q=0.5,*/*;q=0.1"
)


class Skip(Exception):
    """This URL yields no page; the message is the one-line reason recorded for it."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status  # the HTTP status that caused it, if one did


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int  # 200, or 304 for a conditional request whose page has not changed
    content_type: str  # media type, lower case, no parameters ("" if the server sent none)
    charset: str | None
    body: bytes
    etag: str | None
    last_modified: str | None


class RateLimiter:
    """At most `rate` requests per second to each host; a host may ask for a longer interval."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next: dict[str, float] = {}
        self._intervals: dict[str, float] = {}
        self._lock = threading.Lock()

    def set_interval(self, host: str, seconds: float) -> None:
        with self._lock:
            self._intervals[host] = max(seconds, self.interval)

    def wait(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(host, 0.0))
            self._next[host] = slot + self._intervals.get(host, self.interval)
        if slot > now:
            time.sleep(slot - now)  # pacing requests, not synchronising threads


class Fetcher:
    """A guarded httpx client shared by the crawl's threads; counts what it sends."""

    def __init__(self, options: WebOptions, stats: CrawlStats) -> None:
        self.options = options
        self.stats = stats
        self.limiter = RateLimiter(options.rate)
        self._lock = threading.Lock()
        self.client = httpx.Client(
            transport=GuardedTransport(
                FetchAllow.parse(options.allow), max_connections=options.concurrency
            ),
            headers={"User-Agent": options.user_agent, "Accept": _ACCEPT},
            timeout=httpx.Timeout(options.timeout),
            follow_redirects=False,
            trust_env=False,
        )

    def close(self) -> None:
        self.client.close()

    def get(
        self,
        url: str,
        *,
        types: frozenset[str] = PAGE_TYPES,
        hop_ok: Callable[[str], str | None] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Fetched:
        """GET `url`; `hop_ok(next_url)` returns why a redirect target is refused, or None."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _ in range(MAX_REDIRECTS + 1):
            self.limiter.wait(urlsplit(url).netloc)
            with self._lock:
                self.stats.requests += 1
                self.stats.conditional += 1 if headers else 0
            try:
                answer = self._once(url, headers, types)
            except httpx.TimeoutException:
                raise Skip(f"no answer within {self.options.timeout:g} s") from None
            except httpx.HTTPError as e:
                raise Skip(f"request failed: {e}") from None
            if isinstance(answer, Fetched):
                if answer.status == 304:
                    with self._lock:
                        self.stats.not_modified += 1
                return answer
            reason = hop_ok(answer) if hop_ok else None
            if reason:
                raise Skip(f"redirects to {answer}, {reason}")
            url = answer
        raise Skip(f"more than {MAX_REDIRECTS} redirects")

    def _once(self, url: str, headers: dict[str, str], types: frozenset[str]) -> Fetched | str:
        """The response, or where it redirects to."""
        deadline = time.monotonic() + self.options.timeout
        with self.client.stream("GET", url, headers=headers) as r:
            if r.is_redirect and "location" in r.headers:
                return urljoin(url, r.headers["location"])
            etag, modified = r.headers.get("etag"), r.headers.get("last-modified")
            if r.status_code == 304 and headers:
                return Fetched(url, 304, "", None, b"", etag, modified)
            if r.status_code != 200:
                raise Skip(f"HTTP {r.status_code}", r.status_code)
            media, _, params = r.headers.get("content-type", "").partition(";")
            media = media.strip().lower()
            if media and media not in types:
                raise Skip(f"content type {media} is not indexed")
            limit = self.options.max_bytes
            declared = r.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise Skip(f"larger than {limit} bytes")
            body = bytearray()
            for part in r.iter_bytes():
                body += part
                if len(body) > limit:
                    raise Skip(f"larger than {limit} bytes")
                if time.monotonic() > deadline:
                    raise Skip(f"not received within {self.options.timeout:g} s")
            with self._lock:
                self.stats.bytes += len(body)
            charset = _charset(params)
            return Fetched(str(r.url), 200, media, charset, bytes(body), etag, modified)


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def decode(body: bytes, charset: str | None) -> str:
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return body.decode("utf-8", errors="replace")
