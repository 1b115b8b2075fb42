"""Context7's REST API served by Codex7: every endpoint, format and error, over HTTP in-process."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from codex7.api.security import transport_security
from codex7.server.app import build_app, build_server
from codex7.tokens import tiktoken_counter
from tests.corpus import RULES, IndexedCorpus


def make_client(
    corpus: IndexedCorpus, host: str = "127.0.0.1", port: int = 8000, **settings: object
) -> TestClient:
    """The real app as `serve --transport http --host HOST --port PORT` builds it, in-process."""
    config = corpus.settings().model_copy(update={"warm_up": False, **settings})
    app = build_app(build_server(config), host=host, port=port)
    return TestClient(app, base_url=f"http://127.0.0.1:{port}")


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
            "'libraryName' must be at most 500 characters, Context7's limit (got 501); "
            "ask about one concept in a sentence or two.",
        ),
        (
            "/api/v2/context",
            {"libraryId": "/encode/httpx", "query": "q" * 501},
            400,
            "invalid_request",
            "'query' must be at most 500 characters, Context7's limit (got 501); "
            "ask about one concept in a sentence or two.",
        ),
        (
            "/api/v2/libs/search",
            {"libraryName": "nope\nlib"},
            404,
            "no_libraries_found",
            'No libraries found for "nope\\nlib". Try a different search term.',  # one line
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


@pytest.mark.parametrize("tokens", ["inf", "1e400", "9" * 309, "nan", "-5", "abc", "0", "1.5"])
def test_bad_token_numbers_are_400_not_a_crash(api: TestClient, tokens: str) -> None:
    for path in ("/api/v2/context", "/api/v1/encode/httpx"):
        r = api.get(path, params={"libraryId": "/encode/httpx", "query": "proxy", "tokens": tokens})
        body = r.json()
        assert r.status_code == 400 and body["error"] == "invalid_request", (path, r.text)
        assert body["message"].startswith("tokens must be a whole number")
        assert "values are clamped to 1000–100000" in body["message"]
    ok = api.get("/api/v2/context", params={"libraryId": "/encode/httpx", "tokens": "5000.0"})
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v2/context?libraryId=/encode/httpx&query=proxy%00settings", "'query'"),
        ("/api/v2/context?libraryId=/encode/httpx%00&query=proxy", "'libraryId'"),
        ("/api/v2/libs/search?libraryName=htt%00px", "'libraryName'"),
        ("/api/v1/encode/httpx?topic=%00", "'topic'"),
        ("/api/v1/encode/htt%00px", "'project'"),
        ("/api/v1/search?query=%00", "'query'"),
    ],
)
def test_nul_in_a_parameter_is_400(api: TestClient, url: str, name: str) -> None:
    r = api.get(url)
    assert r.status_code == 400
    assert r.json() == {
        "error": "invalid_request",
        "message": f"{name} must not contain NUL characters (\\u0000); send plain text.",
    }


def test_unknown_api_paths_answer_context7_json(api: TestClient) -> None:
    for path in ("/api/v2/nothing", "/api/v1/a/b/c/d", "/api/", "/api", "/api/v1/%0Ax"):
        r = api.get(path)
        assert r.status_code == 404 and r.json()["error"] == "not_found", path
        assert "/api/v2/context" in r.json()["message"]


def assert_forbidden(r: object, header: str) -> None:
    assert r.status_code == 403, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["error"] == "forbidden" and body["message"].startswith(header), body


def test_api_refuses_foreign_host_and_origin_like_mcp(indexed_corpus: IndexedCorpus) -> None:
    url, params = "/api/v2/libs/search", {"libraryName": "httpx"}
    loopback = make_client(indexed_corpus)
    assert_forbidden(
        loopback.get(url, params=params, headers={"Host": "evil.example:8000"}), "Host"
    )
    assert_forbidden(
        loopback.get(url, params=params, headers={"Origin": "https://evil.example"}), "Origin"
    )
    for origin in (None, "http://127.0.0.1:8000", "http://localhost:8000"):
        headers = {"Origin": origin} if origin else {}
        assert loopback.get(url, params=params, headers=headers).status_code == 200, origin
    assert loopback.get("/healthz", headers={"Host": "evil.example"}).status_code == 200


def test_api_stays_protected_on_all_interfaces(indexed_corpus: IndexedCorpus) -> None:
    """Bound to 0.0.0.0, /api keeps the Host/Origin check, allowing this machine's names."""
    url, params = "/api/v2/libs/search", {"libraryName": "httpx"}
    everywhere = make_client(indexed_corpus, host="0.0.0.0")
    assert_forbidden(everywhere.get(url, params=params, headers={"Host": "evil.example"}), "Host")
    own = {"Host": f"{socket.gethostname()}:8000", "Origin": f"http://{socket.gethostname()}:8000"}
    assert everywhere.get(url, params=params, headers=own).status_code == 200


def test_transport_security_gives_mcp_and_api_one_policy(indexed_corpus: IndexedCorpus) -> None:
    policy = transport_security("0.0.0.0", 8000)
    assert "localhost:8000" in policy.allowed_hosts and "0.0.0.0:8000" not in policy.allowed_hosts
    assert f"{socket.gethostname()}:8000" in policy.allowed_hosts
    assert transport_security("docs.internal", 80).allowed_hosts[-1] == "docs.internal"
    config = indexed_corpus.settings().model_copy(update={"warm_up": False})
    app = build_app(build_server(config), host="0.0.0.0", port=8000)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:  # runs the lifespan
        search = "/api/v2/libs/search?libraryName=httpx"
        assert client.get(search, headers={"Host": f"{socket.gethostname()}:8000"}).is_success
        assert_forbidden(client.get(search, headers={"Host": "evil.example:8000"}), "Host")
        mcp = client.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
            headers={"Host": "evil.example:8000", "Accept": "application/json, text/event-stream"},
        )
        assert mcp.status_code == 421  # the SDK's answer on /mcp for the same Host
