"""Context7's REST API served by Codex7: every endpoint, format and error, over HTTP in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from codex7.server.app import build_server
from codex7.tokens import tiktoken_counter
from tests.corpus import RULES, IndexedCorpus


def make_client(corpus: IndexedCorpus, **settings: object) -> TestClient:
    config = corpus.settings().model_copy(update={"warm_up": False, **settings})
    return TestClient(build_server(config).streamable_http_app())


@pytest.fixture(scope="module")
def api(indexed_corpus: IndexedCorpus) -> Iterator[TestClient]:
    yield make_client(indexed_corpus)


def test_libs_search_shape(api: TestClient) -> None:
    r = api.get("/api/v2/libs/search", params={"libraryName": "pydantic", "query": "validators"})
    assert r.status_code == 200
    body = r.json()
    assert body["searchFilterApplied"] is False
    first = body["results"][0]
    assert set(first) == {
        "id",
        "title",
        "description",
        "branch",
        "lastUpdateDate",
        "state",
        "totalTokens",
        "totalSnippets",
        "trustScore",
        "benchmarkScore",
        "versions",
    }
    assert first["id"] == "/pydantic/pydantic" and first["state"] == "finalized"
    assert first["versions"] == ["2.13.4", "1.10.26"] and first["branch"] == "2.13.4"
    assert first["totalSnippets"] > 0 and first["totalTokens"] > first["totalSnippets"]


def test_context_text_and_json(api: TestClient) -> None:
    r = api.get(
        "/api/v2/context", params={"libraryId": "/fastapi/fastapi", "query": "serve static files"}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("### ") and "Source: tutorial/static-files.md" in r.text

    r = api.get(
        "/api/v2/context",
        params={"libraryId": "/encode/httpx", "query": "proxy", "type": "json", "tokens": "2000"},
    )
    body = r.json()
    assert body["rules"] == {"global": [], "libraryOwn": RULES, "libraryTeam": []}
    code = body["codeSnippets"][0]
    assert set(code) >= {
        "codeTitle",
        "codeDescription",
        "codeLanguage",
        "codeTokens",
        "codeId",
        "pageTitle",
        "codeList",
    }
    assert code["codeList"][0]["code"] and "```" not in code["codeList"][0]["code"]
    assert code["codeId"].endswith("#_snippet_0")
    for info in body["infoSnippets"]:
        assert set(info) == {"pageId", "breadcrumb", "content", "contentTokens"}
    count = tiktoken_counter()
    total = sum(c["codeTokens"] for c in body["codeSnippets"]) + sum(
        i["contentTokens"] for i in body["infoSnippets"]
    )
    assert 0 < total <= 2000 and count(r.text) > 0

    pinned = api.get(
        "/api/v2/context", params={"libraryId": "/pydantic/pydantic/1.10.26", "query": "orm_mode"}
    )
    assert "Source: usage/" in pinned.text


def test_legacy_v1_endpoints(api: TestClient) -> None:
    r = api.get(
        "/api/v1/encode/httpx", params={"type": "txt", "tokens": "3000", "topic": "proxies"}
    )
    assert r.status_code == 200
    assert r.text.startswith(
        "========================\nRULES\n========================\n- " + RULES[0]
    )
    assert "========================\nCODE SNIPPETS\n========================\nTITLE: " in r.text
    assert "\nSOURCE: advanced/proxies.md\n\nLANGUAGE: python\nCODE:\n```\n" in r.text
    assert "\n\n" + "-" * 40 + "\n\n" in r.text
    versioned = api.get("/api/v1/pydantic/pydantic/1.10.26", params={"topic": "validators"})
    assert versioned.status_code == 200 and "SOURCE: usage/validators.md" in versioned.text
    found = api.get("/api/v1/search", params={"query": "fastapi"}).json()
    assert found["results"][0]["id"] == "/fastapi/fastapi"


@pytest.mark.parametrize(
    ("path", "params", "status", "code", "message"),
    [
        (
            "/api/v2/context",
            {"libraryId": "/acme/nothing", "query": "x"},
            404,
            "library_not_found",
            'Library "/acme/nothing" not found. Please check the library ID or your access permissions.',
        ),
        (
            "/api/v2/context",
            {"libraryId": "/pydantic/pydantic/v9.0.0", "query": "x"},
            404,
            "tag_not_found",
            'Tag "v9.0.0" not found for library "/pydantic/pydantic". Available tags: 2.13.4, 1.10.26',
        ),
        (
            "/api/v2/context",
            {"libraryId": "pydantic", "query": "x"},
            400,
            "invalid_library_id",
            "Invalid library ID format. Expected: `/owner/repo` or `/owner/repo/version`.",
        ),
        (
            "/api/v2/libs/search",
            {"libraryName": "kubernetes", "query": "x"},
            404,
            "no_libraries_found",
            'No libraries found for "kubernetes". Try a different search term.',
        ),
        (
            "/api/v2/libs/search",
            {"libraryName": "x" * 501},
            400,
            "invalid_request",
            "'libraryName' must be at most 500 characters (got 501).",
        ),
        (
            "/api/v2/context",
            {"libraryId": "/encode/httpx", "query": "q" * 501},
            400,
            "invalid_request",
            "'query' must be at most 500 characters (got 501).",
        ),
        (
            "/api/v2/libs/search",
            {},
            400,
            "invalid_request",
            "The 'libraryName' query parameter is required.",
        ),
        (
            "/api/v1/acme/nothing",
            {"type": "txt"},
            404,
            "library_not_found",
            'Library "/acme/nothing" not found. Please check the library ID or your access permissions.',
        ),
    ],
)
def test_errors_as_context7_sends_them(
    api: TestClient, path: str, params: dict, status: int, code: str, message: str
) -> None:
    r = api.get(path, params=params)
    assert r.status_code == status
    assert r.json() == {"error": code, "message": message}


def test_api_keys_when_configured(
    indexed_corpus: IndexedCorpus, caplog: pytest.LogCaptureFixture
) -> None:
    key = "ctx7sk-team-secret-123"
    client = make_client(indexed_corpus, api_keys=SecretStr(f"other-key, {key}"))
    url, params = "/api/v2/libs/search", {"libraryName": "httpx"}
    assert client.get(url, params=params).status_code == 401
    assert (
        client.get(url, params=params, headers={"Authorization": "Bearer wrong"}).status_code == 401
    )
    denied = client.get(url, params=params, headers={"X-API-Key": "nope"})
    assert denied.json()["error"] == "unauthorized" and "nope" not in denied.text
    for headers in (
        {"Authorization": f"Bearer {key}"},
        {"Authorization": key},
        {"Context7-API-Key": key},
        {"X-API-Key": key},
    ):
        assert client.get(url, params=params, headers=headers).status_code == 200, headers
    assert key not in caplog.text
    assert client.get("/healthz").status_code == 200  # health stays open
