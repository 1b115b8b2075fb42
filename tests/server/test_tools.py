"""Tool behaviour through a real MCP client session (in-process JSON-RPC) on indexed corpus slices."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from mcp import Client

from codex7.server.app import build_server
from codex7.tokens import tiktoken_counter
from tests.corpus import RULES, SLICES, IndexedCorpus, dev_queries

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(indexed_corpus: IndexedCorpus) -> AsyncIterator[Client]:
    server = build_server(indexed_corpus.settings().model_copy(update={"warm_up": False}))
    async with Client(server, mode="legacy") as c:
        yield c


async def text(client: Client, tool: str, args: dict) -> tuple[bool, str]:
    result = await client.call_tool(tool, args)
    assert len(result.content) == 1 and result.content[0].type == "text"
    return bool(result.is_error), result.content[0].text


def sources(doc_text: str) -> list[str]:
    return re.findall(r"^Source: (.+)$", doc_text, flags=re.M)


async def test_tools_schemas_and_annotations(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == {"resolve-library-id", "query-docs", "get-library-docs"}
    schemas = {name: t.input_schema for name, t in tools.items()}
    assert schemas["query-docs"]["required"] == ["libraryId", "query"]
    # aliases stay hidden
    assert set(schemas["query-docs"]["properties"]) == {"libraryId", "query", "version"}
    assert schemas["resolve-library-id"]["required"] == ["libraryName"]
    assert set(schemas["get-library-docs"]["properties"]) == {
        "context7CompatibleLibraryID",
        "topic",
        "tokens",
    }
    for t in tools.values():
        assert t.annotations.read_only_hint and t.annotations.idempotent_hint
        assert t.output_schema is None  # text only: the docs are not sent twice


async def test_resolve_library_id_context7_format(client: Client) -> None:
    err, out = await text(
        client, "resolve-library-id", {"libraryName": "pydantic v1", "query": "validators"}
    )
    assert not err
    assert out.startswith(
        "Available Libraries:\n\n- Title: Pydantic\n- Context7-compatible library ID: /pydantic/pydantic\n"
    )
    assert "- Description: Pydantic documentation\n- Code Snippets: " in out
    assert (
        "- Source Reputation: Medium\n- Versions: /pydantic/pydantic/2.13.4, /pydantic/pydantic/1.10.26"
        in out
    )

    for name in ("nextjs", "Next.js", "next"):
        _, out = await text(client, "resolve-library-id", {"libraryName": name})
        assert re.search(r"ID: (\S+)", out)[1] == "/vercel/next.js", name  # type: ignore[index]
    _, out = await text(
        client, "resolve-library-id", {"libraryName": "httpx", "question": "timeouts"}
    )
    assert "/encode/httpx" in out
    _, out = await text(client, "resolve-library-id", {"libraryName": "kubernetes"})
    assert out == "No libraries found matching the provided name."


async def test_query_docs_format_rules_and_relevance(client: Client) -> None:
    err, out = await text(
        client, "query-docs", {"libraryId": "/encode/httpx", "query": "configure an HTTP proxy"}
    )
    assert not err
    blocks = out.split("\n\n" + "-" * 32 + "\n\n")
    assert blocks[0] == "### Rules for /encode/httpx\n\n- " + RULES[0]
    assert all(re.match(r"### .+\n\nSource: \S+\n\n\S", b) for b in blocks[1:])
    assert sources(out)[0] == "advanced/proxies.md"


async def test_aliases_reach_the_right_arguments(client: Client) -> None:
    err, out = await text(
        client,
        "query-docs",
        {"context7CompatibleLibraryID": "/encode/httpx", "userQuery": "timeout"},
    )
    assert not err and "advanced/timeouts.md" in sources(out)[:3]
    err, out = await text(
        client, "query-docs", {"libraryName": "/encode/httpx", "question": "timeout"}
    )
    assert not err and "advanced/timeouts.md" in sources(out)[:3]
    err, out = await text(
        client, "get-library-docs", {"libraryId": "/encode/httpx", "topic": "timeout"}
    )
    assert not err and "advanced/timeouts.md" in sources(out)[:3]


async def test_version_pinning_returns_that_versions_docs(client: Client) -> None:
    _, old = await text(
        client,
        "query-docs",
        {"libraryId": "/pydantic/pydantic/1.10.26", "query": "model config orm_mode"},
    )
    _, new = await text(
        client, "query-docs", {"libraryId": "/pydantic/pydantic", "query": "model config orm_mode"}
    )
    assert set(sources(old)) <= set(SLICES[("/pydantic/pydantic", "1.10.26")])
    assert not set(sources(new)) & {"usage/model_config.md", "usage/models.md"}
    _, prefix = await text(
        client, "query-docs", {"libraryId": "/pydantic/pydantic/v1", "query": "orm_mode"}
    )
    assert set(sources(prefix)) <= set(SLICES[("/pydantic/pydantic", "1.10.26")])
    _, at = await text(
        client, "query-docs", {"libraryId": "/pydantic/pydantic@1.10.26", "query": "orm_mode"}
    )
    assert sources(at) == sources(prefix)


async def test_budget_is_respected_and_clamped(client: Client) -> None:
    count = tiktoken_counter()
    for asked, ceiling in ((1000, 1000), (50, 1000), (3000, 3000)):
        err, out = await text(
            client,
            "get-library-docs",
            {
                "context7CompatibleLibraryID": "/pydantic/pydantic",
                "topic": "validators",
                "tokens": asked,
            },
        )
        assert not err and 0 < count(out) <= ceiling
        assert count(out) > ceiling * 0.6  # filled, not starved
    _, big = await text(
        client,
        "get-library-docs",
        {"context7CompatibleLibraryID": "/pydantic/pydantic", "tokens": 500000},
    )
    assert count(big) <= 100_000
    # A big budget is filled, most relevant first: not capped at a fixed number of candidates.
    sizes = {}
    for asked in (5000, 20000):
        _, out = await text(
            client,
            "get-library-docs",
            {
                "context7CompatibleLibraryID": "/fastapi/fastapi",
                "topic": "request body",
                "tokens": asked,
            },
        )
        sizes[asked] = count(out)
    assert sizes[20000] > 10000 > sizes[5000]  # 40 candidates used to stop near 5,500
    _, overview = await text(
        client, "get-library-docs", {"context7CompatibleLibraryID": "/fastapi/fastapi"}
    )
    assert overview.startswith("### ") and count(overview) <= 5000


async def test_bad_inputs_are_tool_errors_and_the_server_keeps_serving(client: Client) -> None:
    cases = [
        (
            "query-docs",
            {"libraryId": "/encode/httpz", "query": "proxy"},
            'Library "/encode/httpz" not found',
        ),
        (
            "query-docs",
            {"libraryId": "/encode/httpz", "query": "proxy"},
            "Did you mean: /encode/httpx",
        ),
        (
            "query-docs",
            {"libraryId": "/pydantic/pydantic/3.0", "query": "x"},
            "Available versions: 2.13.4, 1.10.26",
        ),
        ("query-docs", {"libraryId": "pydantic", "query": "x"}, "expected the form /org/project"),
        ("query-docs", {"libraryId": "/encode/httpx", "query": "  "}, "query is required"),
        (
            "get-library-docs",
            {"context7CompatibleLibraryID": "/encode/httpx", "tokens": "lots"},
            "tokens must be a whole number",
        ),
        ("resolve-library-id", {"libraryName": ""}, "libraryName is required"),
    ]
    for tool, args, message in cases:
        err, out = await text(client, tool, args)
        assert err and message in out, (tool, args, out)
        assert "Traceback" not in out and "Error executing tool" not in out
    err, out = await text(client, "query-docs", {"libraryId": "/encode/httpx", "query": "proxy"})
    assert not err


async def test_exact_identifiers_rank_their_defining_section_first(client: Client) -> None:
    for library, query, path, heading in [
        (
            "/fastapi/fastapi",
            "how do I use `StaticFiles`",
            "tutorial/static-files.md",
            "Use `StaticFiles`",
        ),
        ("/pydantic/pydantic", "`TypeAdapter` usage", "concepts/type_adapter.md", "TypeAdapter"),
        (
            "/vercel/next.js",
            "useRouter hook",
            "01-app/03-api-reference/04-functions/use-router.mdx",
            "useRouter",
        ),
    ]:
        _, out = await text(client, "query-docs", {"libraryId": library, "query": query})
        first_title = re.match(r"### (.+)", out)[1]  # type: ignore[index]
        assert sources(out)[0] == path and heading in first_title, (query, first_title)


async def test_dev_queries_quality_smoke(client: Client) -> None:
    """Gold file among the first five snippets for most dev queries we indexed (see shared/eval)."""
    indexed = {lib: files for (lib, ver), files in SLICES.items()}
    latest = {("/pydantic/pydantic", None): "2.13.4"}
    hits = total = 0
    for q in dev_queries():
        if q["kind"] != "docs" or q["library"] not in indexed:
            continue
        version = q["version"] or latest.get((q["library"], None))
        files = SLICES.get((q["library"], version)) if version else indexed[q["library"]]
        if not files or not all(g["path"] in files for g in q["gold"]):
            continue
        library_id = q["library"] + (f"/{q['version']}" if q["version"] else "")
        _, out = await text(client, "query-docs", {"libraryId": library_id, "query": q["query"]})
        total += 1
        hits += any(g["path"] in sources(out)[:5] for g in q["gold"])
    assert total >= 12
    assert hits / total >= 0.8, f"{hits}/{total}"


async def test_schemas_have_titles_and_context7_descriptions(client: Client) -> None:
    tools = {t.name: t.input_schema for t in (await client.list_tools()).tools}
    assert tools["resolve-library-id"]["title"] == "Resolve Context7 Library ID Arguments"
    assert tools["query-docs"]["title"] == "Query Documentation Arguments"
    titles = {
        name: {arg: spec["title"] for arg, spec in schema["properties"].items()}
        for name, schema in tools.items()
    }
    assert titles["resolve-library-id"] == {"libraryName": "Library name", "query": "Query"}
    assert titles["query-docs"] == {
        "libraryId": "Library ID",
        "query": "Query",
        "version": "Version",
    }
    assert titles["get-library-docs"]["context7CompatibleLibraryID"] == (
        "Context7-compatible library ID"
    )
    for schema in tools.values():
        for spec in schema["properties"].values():
            assert len(spec["description"]) > 40, spec
    assert (
        "'Next.js' not 'nextjs'"
        in tools["resolve-library-id"]["properties"]["libraryName"]["description"]
    )
    assert "single concept" in tools["query-docs"]["properties"]["query"]["description"]


async def test_argument_errors_say_what_the_argument_should_hold(client: Client) -> None:
    hint_id = "a Context7-compatible ID such as /vercel/next.js"
    cases = [
        ("query-docs", {"libraryId": "/encode/httpx"}, "query is required: say what to look up"),
        ("query-docs", {"query": "proxy"}, f"libraryId is required: {hint_id}"),
        ("query-docs", {"libraryId": None, "query": "proxy"}, f"libraryId is required: {hint_id}"),
        ("resolve-library-id", {"query": "x"}, "libraryName is required: the name of a library"),
        ("query-docs", {"libraryId": 5, "query": "x"}, "libraryId must be a string, not a number"),
        ("query-docs", {"libraryId": "/encode/httpx", "query": ["a"]}, "query must be a string"),
        ("resolve-library-id", {"libraryName": {"n": 1}}, "libraryName must be a string, not an"),
        (
            "get-library-docs",
            {"context7CompatibleLibraryID": True},
            "context7CompatibleLibraryID must be a string, not a boolean",
        ),
    ]
    for tool, args, message in cases:
        err, out = await text(client, tool, args)
        assert err and out.startswith(message), (tool, args, out)
        assert (
            "\n" not in out and "errors.pydantic.dev" not in out and "validation error" not in out
        )
    err, out = await text(client, "no\nsuch-tool", {})
    assert err and out == "Unknown tool: no\\nsuch-tool"  # one line, whatever the caller sent
    # A string holding JSON stays a string (the SDK pre-parses JSON for non-str annotations).
    err, out = await text(client, "resolve-library-id", {"libraryName": "httpx", "query": "[1]"})
    assert not err and "/encode/httpx" in out


async def test_text_limits_nul_and_surrogates(client: Client) -> None:
    limit = "must be at most 500 characters, Context7's limit (got 501)"
    cases = [
        ("query-docs", {"libraryId": "/encode/httpx", "query": "q" * 501}, f"query {limit}"),
        ("resolve-library-id", {"libraryName": "n" * 501}, f"libraryName {limit}"),
        ("get-library-docs", {"libraryId": "/encode/httpx", "topic": "t" * 501}, f"topic {limit}"),
        (
            "query-docs",
            {"libraryId": "/encode/httpx", "query": "proxy\x00"},
            "query must not contain NUL characters",
        ),
        (
            "resolve-library-id",
            {"libraryName": "httpx", "query": "a\ud800b"},
            "query must be valid Unicode text, but it contains a lone surrogate",
        ),
        (
            "query-docs",
            {"libraryId": "/encode/httpx", "query": "x", "version": "\udfff"},
            "version must be valid Unicode text",
        ),
    ]
    for tool, args, message in cases:
        err, out = await text(client, tool, args)
        assert err and out.startswith(message), (tool, out)
    err, out = await text(client, "query-docs", {"libraryId": "/encode/httpx", "query": "q" * 500})
    assert not err


async def test_bad_token_numbers_over_mcp(client: Client) -> None:
    for tokens in ("1e400", "inf", "nan", -5, "9" * 309, 10**400, [5000], "1.5"):
        err, out = await text(
            client,
            "get-library-docs",
            {"context7CompatibleLibraryID": "/encode/httpx", "tokens": tokens},
        )
        assert err and out.startswith("tokens must be a whole number"), (tokens, out)
        assert "values are clamped to 1000–100000" in out and len(out) < 300
    for tokens in ("3000", 3000.0, None):
        err, _ = await text(
            client, "get-library-docs", {"libraryId": "/encode/httpx", "tokens": tokens}
        )
        assert not err, tokens
