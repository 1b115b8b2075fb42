"""robots.txt per origin (RFC 9309): fetched once, honoured for every page and redirect hop."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from codex7.sources.web.fetch import Fetcher, Skip
from codex7.sources.web.urls import origin

_TYPES = frozenset({"text/plain", "text/html"})  # some servers label robots.txt text/html


class Robots:
    def __init__(self, fetcher: Fetcher, agent: str) -> None:
        self.fetcher = fetcher
        self.agent = agent
        self._rules: dict[str, RobotFileParser] = {}
        self._lock = threading.Lock()

    def rules(self, url: str) -> RobotFileParser:
        site = origin(url)
        with self._lock:  # one fetch per origin, however many threads ask
            if site not in self._rules:
                self._rules[site] = self._load(site)
            return self._rules[site]

    def _load(self, site: str) -> RobotFileParser:
        parser = RobotFileParser(f"{site}/robots.txt")
        try:
            fetched = self.fetcher.get(f"{site}/robots.txt", types=_TYPES)
        except Skip as e:
            # Unreachable (5xx, network) means "assume complete disallow"; 4xx means no rules.
            unreachable = e.status is None or e.status >= 500
            parser.parse(["User-agent: *", "Disallow: /"] if unreachable else [])
            return parser
        parser.parse(fetched.body.decode("utf-8", errors="replace").splitlines())
        delay = parser.crawl_delay(self.agent)
        if delay:
            self.fetcher.limiter.set_interval(urlsplit(site).netloc, float(delay))
        return parser

    def allows(self, url: str) -> bool:
        return self.rules(url).can_fetch(self.agent, url)

    def sitemaps(self, url: str) -> list[str]:
        return list(self.rules(url).site_maps() or [])
