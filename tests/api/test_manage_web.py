"""Adding a documentation website through the management API: the job crawls the served HTTPX
site with the request's crawl options, a refresh asks for every page conditionally, and a URL
the fetch guard refuses (or a crawl option out of range) is a 400 with the reason at once."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from codex7.config import Settings
from tests.fakes import fake_settings
from tests.live import live_app
from tests.sources.websites import httpx_site, serve

ADMIN = "c7-admin-key-for-web-tests"
AS_ADMIN = {"Authorization": f"Bearer {ADMIN}"}


pytestmark = pytest.mark.usefixtures("fake_provider")


def configured(settings: Settings, **extra: Any) -> Settings:
    defaults = {"embedding_cache": False, "admin_keys": SecretStr(ADMIN), "fetch_rate": 500.0}
    return fake_settings(settings, **{**defaults, **extra})


def finished(client: httpx.Client, job_id: int, deadline: float = 120) -> dict[str, Any]:
    """The job once it has a final status (polled against a deadline)."""
    end = time.monotonic() + deadline
    while True:
        job = client.get(f"/api/manage/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        assert time.monotonic() < end, job
        time.sleep(0.1)


def test_add_a_website_and_refresh_it(settings: Settings) -> None:
    with (
        serve(httpx_site()) as site,
        live_app(configured(settings, fetch_allow="127.0.0.1"), worker=True) as base,
        # An admin key is configured, so anonymous reads are refused: the admin key reads.
        httpx.Client(base_url=base, timeout=30, headers=AS_ADMIN) as client,
    ):
        r = client.post(
            "/api/manage/libraries",
            json={
                "source": site.base,
                "library": "/encode/httpx-site",
                "version": "0.28.1",
                "crawl": {"max_pages": 100, "exclude": ["*/code_of_conduct/*"]},
            },
            headers=AS_ADMIN,
        )
        assert r.status_code == 202, r.text
        job = finished(client, r.json()["job"]["id"])
        assert job["status"] == "succeeded", job
        assert job["request"]["crawl"] == {"max_pages": 100, "exclude": ["*/code_of_conduct/*"]}
        crawl = job["result"]["crawl"]
        assert (crawl["pages"], crawl["discovery"], crawl["conditional"]) == (22, "llms.txt", 0)
        (listed,) = client.get("/api/manage/libraries").json()["libraries"]
        assert listed["id"] == "/encode/httpx-site" and listed["name"] == "HTTPX"

        # A budget that holds every candidate: the fake embedder's vectors rank at random (and
        # the pages' text, so their vectors, changes with the port), so only BM25's finding the
        # page is this test's to check, not its rank.
        answer = client.get(
            "/api/v2/context",
            params={
                "libraryId": "/encode/httpx-site",
                "query": "socks proxy",
                "type": "txt",
                "tokens": 100000,
            },
        )
        assert answer.status_code == 200 and site.base + "advanced/proxies/" in answer.text

        r = client.post("/api/manage/libraries/encode/httpx-site/refresh", headers=AS_ADMIN)
        assert r.status_code == 202, r.text
        (queued,) = r.json()["jobs"]
        again = finished(client, queued["id"])
        assert again["status"] == "succeeded", again
        assert again["request"]["crawl"] == job["request"]["crawl"]
        result = again["result"]
        assert (result["unchanged"], result["embedded"]) == (True, 0)
        assert (result["crawl"]["conditional"], result["crawl"]["not_modified"]) == (22, 22)


def test_refused_urls_and_bad_crawl_options_are_400s(settings: Settings) -> None:
    with (
        serve(httpx_site()) as site,
        live_app(configured(settings)) as base,  # no CODEX7_FETCH_ALLOW: loopback refused
        # An admin key is configured, so anonymous reads are refused: the admin key reads.
        httpx.Client(base_url=base, timeout=30, headers=AS_ADMIN) as client,
    ):

        def add(**body: Any) -> httpx.Response:
            payload = {"source": site.base, "library": "/encode/httpx-site", "version": "1"}
            return client.post("/api/manage/libraries", json=payload | body, headers=AS_ADMIN)

        refused = add()
        assert refused.status_code == 400, refused.text
        error = refused.json()
        assert error["error"] == "invalid_request"
        assert "Refused to fetch from 127.0.0.1" in error["message"]
        assert "loopback" in error["message"] and "CODEX7_FETCH_ALLOW" in error["message"]
        metadata = add(source="http://169.254.169.254/latest/")
        assert metadata.status_code == 400 and "cloud metadata" in metadata.json()["message"]
        assert site.requests == []

        for crawl, words in [
            ({"max_pages": 0}, "'max_pages' must be a whole number from 1 to 100000"),
            ({"scope": "planet"}, "'scope' must be one of prefix, host"),
            ({"allow": "10.0.0.0/8"}, "Unknown crawl option 'allow'"),
            ({"include": "/docs/*", "keep_query": "yes"}, "'keep_query' must be true or false"),
            ([1], "'crawl' must be an object"),
        ]:
            r = add(crawl=crawl)
            assert r.status_code == 400 and words in r.json()["message"], (crawl, r.text)
        folder = add(source=".", crawl={"max_pages": 3})
        assert folder.status_code == 400 and "websites only" in folder.json()["message"]
        assert client.get("/api/manage/jobs").json()["jobs"] == []
