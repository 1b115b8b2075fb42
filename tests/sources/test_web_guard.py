"""The URL guard: loopback, private, link-local and metadata targets are refused unless allowed,
after DNS resolution and on every redirect hop."""

from __future__ import annotations

import ipaddress

import pytest

from codex7.config import Settings
from codex7.errors import SourceError
from codex7.sources.web import FetchAllow, URLRefused, WebOptions, check_url, open_website
from codex7.sources.web.fetch import Fetcher
from codex7.sources.web.guard import guarded_reason
from codex7.sources.web.result import CrawlStats
from tests.sources.websites import Reply, Site, page, serve


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("fd12::1", "private"),
        ("169.254.1.1", "link-local"),
        ("169.254.169.254", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "not a public address"),
        ("93.184.215.14", None),
        ("2606:4700::6810:84e5", None),
    ],
)
def test_guarded_addresses(address: str, reason: str | None) -> None:
    assert guarded_reason(ipaddress.ip_address(address)) == reason


def test_allow_list_parses_hosts_and_networks() -> None:
    allow = FetchAllow.parse(" 127.0.0.1, 10.0.0.0/8 ,Docs.Intranet.,*.corp.example,")
    assert allow.allows_host("docs.intranet") and allow.allows_host("wiki.corp.example")
    assert not allow.allows_host("corp.example.evil")
    assert allow.allows_address(ipaddress.ip_address("10.9.8.7"))
    assert not allow.allows_address(ipaddress.ip_address("192.168.1.1"))
    with pytest.raises(SourceError, match="neither a host name nor an address or CIDR"):
        FetchAllow.parse("localhost:8080")


def test_metadata_address_needs_to_be_named_exactly() -> None:
    ip = ipaddress.ip_address("169.254.169.254")
    assert not FetchAllow.parse("169.254.0.0/16").allows_address(ip)
    assert FetchAllow.parse("169.254.169.254").allows_address(ip)


def test_only_http_urls() -> None:
    for url in ("file:///etc/passwd", "ftp://h/x", "gopher://h/", "http:///nohost"):
        with pytest.raises(URLRefused, match="only http:// and https://"):
            check_url(url, FetchAllow())


def test_loopback_is_refused_unless_allowed() -> None:
    with serve(Site(routes={"/": Reply(page("Home", "<h1>Home</h1><p>Hi there.</p>"))})) as site:
        with pytest.raises(URLRefused, match=r"resolves to 127\.0\.0\.1, loopback.*FETCH_ALLOW"):
            open_website(site.base, WebOptions(rate=1000))
        assert site.requests == []  # refused before any byte was sent
        found = open_website(site.base, WebOptions(rate=1000, allow="127.0.0.0/8"))
    assert [f.path for f in found.files] == ["index.md"]


def test_a_name_that_resolves_to_loopback_is_refused_unless_the_name_is_allowed() -> None:
    with serve(Site(routes={"/": Reply(page("Home", "<h1>Home</h1><p>Hi there.</p>"))})) as site:
        url = site.base.replace("127.0.0.1", "localhost")
        with pytest.raises(URLRefused, match="Refused to fetch from localhost: it resolves to"):
            open_website(url, WebOptions(rate=1000, allow="10.0.0.0/8"))
        found = open_website(url, WebOptions(rate=1000, allow="localhost"))
    assert found.files[0].url == url


def test_a_redirect_from_an_allowed_host_to_a_private_address_is_refused() -> None:
    inner = Site(routes={"/secret/": Reply(page("Secret", "<h1>Secret</h1><p>Keys.</p>"))})
    with serve(inner, host="127.0.0.2") as hidden:
        outer = Site(
            routes={
                "/": Reply(b"", 302, headers={"Location": hidden.base + "secret/"}),
                "/docs/": Reply(
                    page("Docs", "<h1>Docs</h1><p>See <a href='/docs/leak'>this</a>.</p>")
                ),
                "/docs/leak": Reply(b"", 307, headers={"Location": hidden.base + "secret/"}),
            }
        )
        with serve(outer) as site:
            with pytest.raises(URLRefused, match=r"127\.0\.0\.2, loopback"):
                open_website(site.base, WebOptions(rate=1000, allow="127.0.0.1"))
            # A page's redirect off the site is outside the crawl's scope as well.
            found = open_website(site.base + "docs/", WebOptions(rate=1000, allow="127.0.0.1"))
        assert hidden.requests == []
    assert [s.url for s in found.skipped] == [site.base + "docs/leak"]


def test_every_redirect_hop_is_checked_where_the_connection_is_made() -> None:
    inner = Site(routes={"/secret/": Reply("keys", content_type="text/plain")})
    with serve(inner, host="127.0.0.2") as hidden:
        outer = Site(routes={"/": Reply(b"", 302, headers={"Location": hidden.base + "secret/"})})
        with serve(outer) as site:
            fetcher = Fetcher(WebOptions(rate=1000, allow="127.0.0.1"), CrawlStats())
            try:
                with pytest.raises(URLRefused, match=r"127\.0\.0\.2, loopback"):
                    fetcher.get(site.base)  # no scope or robots check in between
            finally:
                fetcher.close()
        assert hidden.requests == []
        assert site.paths() == ["/"]


def test_settings_give_the_allow_list_and_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEX7_FETCH_ALLOW", "127.0.0.1,10.0.0.0/8")
    monkeypatch.setenv("CODEX7_FETCH_MAX_PAGES", "42")
    options = WebOptions.from_settings(Settings(), max_depth=2, include=None)
    assert options.allow == "127.0.0.1,10.0.0.0/8"
    assert (options.max_pages, options.max_depth, options.rate) == (42, 2, 4.0)
    assert options.include == ()
