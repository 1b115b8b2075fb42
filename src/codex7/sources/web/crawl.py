"""Crawling a documentation site: find its pages, fetch them in parallel, keep them in order.

Discovery, first that yields pages in scope: the links of `llms.txt` (the start URL's folder,
then the site root), the site's sitemaps, then following links breadth-first from the start
page. `llms-full.txt` is read as one document only when none of those found a page: it has no
per-page URLs for snippets to link to.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from codex7.errors import SourceError
from codex7.records import SourceFile
from codex7.sources.web import discover
from codex7.sources.web.fetch import Fetched, Fetcher, Skip
from codex7.sources.web.guard import FetchAllow, URLRefused, check_url
from codex7.sources.web.options import ROBOTS_AGENT, WebOptions
from codex7.sources.web.pages import Page, kept_page, make_page
from codex7.sources.web.result import CrawlStats, PageState, Skipped, WebSource
from codex7.sources.web.robots import Robots
from codex7.sources.web.urls import Scope, in_scope, looks_like_asset, normalize


class _Duplicate(Skip):
    """A redirect to, or a canonical URL of, a page the crawl already has: not a loss."""


# Called after each page with (pages handled, pages known so far); raising stops the crawl.
Progress = Callable[[int, int], None]


def open_website(
    url: str,
    options: WebOptions,
    *,
    previous: dict[str, PageState] | None = None,
    progress: Progress | None = None,
) -> WebSource:
    """Crawl the site at `url`. With `previous` (the pages of the last crawl), pages are asked
    for conditionally and a 304 keeps the previous text."""
    stats = CrawlStats()
    fetcher = Fetcher(options, stats)
    try:
        return _Crawl(options, fetcher, previous or {}, progress).run(url)
    finally:
        fetcher.close()


class _Crawl:
    def __init__(
        self,
        options: WebOptions,
        fetcher: Fetcher,
        previous: dict[str, PageState],
        progress: Progress | None,
    ) -> None:
        self.options = options
        self.fetcher = fetcher
        self.stats = fetcher.stats
        self.previous = previous
        self.progress = progress
        self.robots = Robots(fetcher, ROBOTS_AGENT)
        self.scope = Scope("")
        self.kept: list[Page] = []
        self.skipped: list[Skipped] = []
        self.seen: set[str] = set()  # URLs queued, fetched or kept
        self.urls: set[str] = set()  # kept pages' own URLs
        self.paths: dict[str, str] = {}  # kept pages' file paths → their URLs
        self.handled = 0

    def run(self, url: str) -> WebSource:
        check_url(url, FetchAllow.parse(self.options.allow))
        start = normalize(url, keep_query=self.options.keep_query)
        if not self.robots.allows(start):
            raise SourceError(f"robots.txt of {start} does not allow Codex7 to read it")
        first, start = self._start(start)
        llms = discover.find_llms_txt(self.fetcher, self.robots, start)
        discovery, listed = self._listed(start, llms)
        pool = ThreadPoolExecutor(self.options.concurrency, thread_name_prefix="codex7-crawl")
        try:
            if listed is not None:
                if isinstance(first, Page) and {first.url, start} & set(listed):
                    listed = [u for u in listed if u not in (first.url, start)]
                    self._keep(first)
                self._collect(pool, [(u, 0) for u in listed], follow=False)
            elif isinstance(first, Page):
                if first.url in self.scope:  # include globs may leave the start page out
                    self._keep(first)
                if self.options.max_depth > 0:
                    self._collect(pool, [(u, 1) for u in self._links(first)], follow=True)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        files = [SourceFile(p.path, p.text, p.url) for p in self.kept]
        if not files and self.options.discovery == "auto":
            full = discover.find_llms_full(self.fetcher, self.robots, start)
            if full:
                discovery = "llms-full.txt"
                files = [SourceFile("llms-full.md", full[1], full[0])]
        if not files:
            reasons = "; ".join(f"{s.url}: {s.reason}" for s in self.skipped[:3])
            raise SourceError(f"No pages found at {url}" + (f" ({reasons})" if reasons else ""))
        return self._result(start, discovery, files, first, llms)

    def _start(self, start: str) -> tuple[Page | Skipped, str]:
        """Fetch the start page: its URL after redirects sets the scope and is returned."""
        prev = self.previous.get(start)
        self.seen.add(start)
        try:
            fetched = self._get(start, prev, hop_ok=self._robots_hop)
        except Skip as e:
            self.scope = self._scope_around(start)
            return self._skip(start, str(e)), start
        final = normalize(fetched.url, keep_query=self.options.keep_query)
        self.scope = self._scope_around(final)
        self.seen.add(final)
        try:
            page: Page | Skipped = self._page_of(fetched, prev)
        except Skip as e:
            page = self._skip(final, str(e))
        self._tick()
        return page, final

    def _scope_around(self, url: str) -> Scope:
        return Scope.around(
            url,
            whole_host=self.options.scope == "host",
            include=self.options.include,
            exclude=self.options.exclude,
        )

    def _listed(self, start: str, llms: list[discover.LlmsTxt]) -> tuple[str, list[str] | None]:
        """("llms.txt" | "sitemap", in-scope URLs) of the first listing with pages, or
        ("crawl", None)."""
        mode = self.options.discovery
        if mode in ("auto", "llms"):
            for found in llms:
                urls = self._in_scope(found.links)
                if urls:
                    return "llms.txt", urls
            if mode == "llms":
                raise SourceError(f"No llms.txt with links under {self.scope.prefix} at {start}")
        if mode in ("auto", "sitemap"):
            urls = self._in_scope(discover.find_sitemap_pages(self.fetcher, self.robots, start))
            if urls:
                return "sitemap", urls
            if mode == "sitemap":
                raise SourceError(f"No sitemap lists pages under {self.scope.prefix} at {start}")
        return "crawl", None

    def _in_scope(self, urls: list[str]) -> list[str]:
        return in_scope(urls, self.scope, keep_query=self.options.keep_query)

    def _collect(
        self, pool: ThreadPoolExecutor, queue: list[tuple[str, int]], follow: bool
    ) -> None:
        """Fetch queued (url, depth) pairs in order, as many at a time as pages may still be
        kept; when following links, queue each page's new in-scope links one level deeper."""
        todo = deque(item for item in queue if item[0] not in self.seen)
        self.seen.update(u for u, _ in todo)
        while todo:
            room = self.options.max_pages - len(self.kept)
            if room <= 0:
                self.stats.truncated = True
                break
            batch = [todo.popleft() for _ in range(min(room, len(todo)))]
            results = pool.map(self._fetch_page, [u for u, _ in batch])
            for (_, depth), result in zip(batch, results, strict=True):
                if result is None:
                    self.stats.duplicates += 1
                elif isinstance(result, Skipped):
                    self.skipped.append(result)
                elif self._keep(result):
                    if follow and depth < self.options.max_depth:
                        new = [u for u in self._links(result) if u not in self.seen]
                        self.seen.update(new)
                        todo.extend((u, depth + 1) for u in new)
                self._tick(len(todo))

    def _links(self, page: Page) -> list[str]:
        return [u for u in page.state.links if not looks_like_asset(u)]

    def _fetch_page(self, url: str) -> Page | Skipped | None:
        """The page at `url`, why there is none, or None for a duplicate (runs in a worker
        thread: it changes nothing shared)."""
        if not self.robots.allows(url):
            return Skipped(url, "robots.txt disallows it")
        prev = self.previous.get(url)
        try:
            return self._page_of(self._get(url, prev, hop_ok=self._scope_hop), prev)
        except _Duplicate:
            return None
        except (Skip, URLRefused) as e:
            return Skipped(url, str(e))
        except Exception as e:  # one unreadable page must not end a crawl of hundreds
            return Skipped(url, f"could not be converted: {type(e).__name__}: {e}")

    def _get(
        self, url: str, prev: PageState | None, *, hop_ok: Callable[[str], str | None]
    ) -> Fetched:
        # Validators only when the previous text can stand in for a 304's empty body.
        usable = prev is not None and prev.text is not None
        return self.fetcher.get(
            url,
            hop_ok=hop_ok,
            etag=prev.etag if usable and prev else None,
            last_modified=prev.last_modified if usable and prev else None,
        )

    def _page_of(self, fetched: Fetched, prev: PageState | None) -> Page:
        if fetched.status == 304 and prev is not None:
            return kept_page(fetched, prev)
        return make_page(fetched, self.scope, prev, keep_query=self.options.keep_query)

    def _robots_hop(self, url: str) -> str | None:
        return None if self.robots.allows(url) else "which robots.txt disallows"

    def _scope_hop(self, url: str) -> str | None:
        target = normalize(url, keep_query=self.options.keep_query)
        if target not in self.scope:
            return "outside the crawl's scope"
        if target in self.seen:  # queued or read already: that fetch gives the page
            raise _Duplicate(f"redirects to {target}")
        return self._robots_hop(url)

    def _keep(self, page: Page) -> bool:
        """Keep a page unless an earlier one has its URL (canonical duplicates) or file path."""
        if page.url in self.urls:
            self.stats.duplicates += 1
            return False
        if page.path in self.paths:
            reason = f"same file path {page.path} as {self.paths[page.path]}"
        elif page.url not in self.scope:
            reason = "outside the crawl's scope"
        else:
            self.paths[page.path] = page.url
            self.urls.add(page.url)
            self.seen.add(page.url)
            self.kept.append(page)
            return True
        self._skip(page.url, reason)
        return False

    def _skip(self, url: str, reason: str) -> Skipped:
        skipped = Skipped(url, reason)
        self.skipped.append(skipped)
        return skipped

    def _tick(self, queued: int = 0) -> None:
        self.handled += 1
        if self.progress:
            self.progress(self.handled, self.handled + queued)

    def _result(
        self,
        start: str,
        discovery: str,
        files: list[SourceFile],
        first: Page | Skipped,
        llms: list[discover.LlmsTxt],
    ) -> WebSource:
        pages = {p.url: p.state for p in self.kept}
        self.stats.unchanged = sum(1 for p in self.kept if p.unchanged)
        self.stats.changed = len(self.kept) - self.stats.unchanged
        self.stats.vanished = [u for u in self.previous if u not in pages]
        start_state = first.state if isinstance(first, Page) else None
        named = next((f for f in llms if f.name), None)
        names = Counter(p.state.site_name for p in self.kept if p.state.site_name)
        name = (named.name if named else None) or (names.most_common(1)[0][0] if names else None)
        if not name and start_state:
            name = start_state.title
        description = (named.summary if named else None) or (
            start_state.description if start_state else None
        )
        return WebSource(
            url=start,
            discovery=discovery,
            files=files,
            pages=pages,
            name=name,
            description=description,
            skipped=self.skipped,
            stats=self.stats,
        )
