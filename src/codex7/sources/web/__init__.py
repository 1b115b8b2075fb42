"""Documentation websites as a source: crawl a site, get its pages as Markdown SourceFiles.

from codex7.sources.web import WebOptions, open_website
site = open_website("https://docs.example.com/", WebOptions.from_settings(settings))
site.files, site.name, site.pages  # SourceFiles, the site's name, state for a refresh

Importing this package loads the crawler (httpx, BeautifulSoup, lxml, markdownify); telling a
website from a git remote does not need it (`codex7.sources.spec`).
"""

from codex7.sources.web.crawl import Progress, open_website
from codex7.sources.web.guard import FetchAllow, URLRefused, check_url
from codex7.sources.web.options import USER_AGENT, WebOptions
from codex7.sources.web.result import CrawlStats, PageState, Skipped, WebSource

__all__ = [
    "USER_AGENT",
    "CrawlStats",
    "FetchAllow",
    "PageState",
    "Progress",
    "Skipped",
    "URLRefused",
    "WebOptions",
    "WebSource",
    "check_url",
    "open_website",
]
