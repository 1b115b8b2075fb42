"""Fuzzing the MCP tools and the REST API: every answer is a normal result or a clear error.

Arbitrary Unicode (NUL, lone surrogates, 20k-character strings), tsquery/SQL/LIKE metacharacters,
malformed library IDs, wrong JSON types, missing and extra arguments go through a real in-process
MCP session and a real HTTP server. No answer may show internals (a traceback, SQL, a path), and
the server still answers a normal query afterwards. `scripts/fuzz.py` runs these properties at
scale against any database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, quote_from_bytes, unquote

import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from codex7.config import Settings
from codex7.server.app import build_server
from codex7.store.database import open_database
from tests.corpus import SLICES, IndexedCorpus

FORBIDDEN = ("Traceback", "ExceptionGroup", "psycopg", "SELECT", "/work/", "site-packages")
KNOWN_IDS = tuple(sorted({library for library, _ in SLICES}))  # what indexed_corpus holds
METACHARS = (
    *("'", "\\", "%", "_", "&", "|", "!", ":*", "<->", "(", ")", '"', ";", "--", "/*", "*/"),
    *("\x00", "\ud800", "\udfff", "SELECT", "or 1=1", " ", "proxy", "timeout", "@", "/", ".."),
)
NORMAL = ("query-docs", {"libraryId": "/encode/httpx", "query": "configure an HTTP proxy"})
NORMAL_URL = "/api/v2/context?libraryId=/encode/httpx&query=configure%20an%20HTTP%20proxy"
OPTIONAL = {
    "resolve-library-id": ("query",),
    "query-docs": ("version",),
    "get-library-docs": ("topic", "tokens"),
}
CALLS = {
    "resolve-library-id": ("libraryName", "query", "userQuery", "question"),
    "query-docs": ("libraryId", "query", "version", "libraryName", "context7CompatibleLibraryID"),
    "get-library-docs": ("context7CompatibleLibraryID", "topic", "tokens", "libraryId", "query"),
}
ENDPOINTS = {
    "/api/v2/libs/search": ("libraryName", "query"),
    "/api/v2/context": ("libraryId", "query", "type", "tokens", "version"),
    "/api/v1/search": ("query",),
    "/api/v1/": ("type", "tokens", "topic"),  # followed by /org/project[/version]
}

any_text = st.text(st.characters(exclude_categories=()), max_size=60)
meta_text = st.lists(st.sampled_from(METACHARS), max_size=12).map("".join)


def long_texts(longest: int) -> st.SearchStrategy[str]:
    return st.builds(
        lambda piece, n: (piece * n)[:n],
        st.sampled_from(["x", "é", "proxy timeout ", "\x00", "'", "\ud800", "界", "%_"]),
        st.integers(400, longest),
    )


short_texts = st.one_of(any_text, meta_text, st.sampled_from(["", "  ", "proxy"]))
texts = st.one_of(short_texts, long_texts(20_000))
library_ids = st.one_of(
    st.sampled_from(KNOWN_IDS),
    st.builds(
        lambda lib, sep, tail, pad: f"{pad}{lib}{sep}{tail}{pad}",
        st.sampled_from(KNOWN_IDS),
        st.sampled_from(["/", "@", "//", "/v", "@^", "/../"]),
        st.one_of(st.sampled_from(["0.28.1", "1", "latest", "^2", ">=1 <3", "x.y"]), meta_text),
        st.sampled_from(["", " ", "\t"]),
    ),
    st.lists(st.one_of(meta_text, st.sampled_from(["org", "a.b", "-x", "_"])), max_size=5).map(
        "/".join
    ),
    short_texts,
)
numbers = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([10**400, -5, 0, 5000, "inf", "1e400", "nan", "abc", "9" * 309, "5000"]),
)
searchable = st.one_of(  # text that reaches the search: no NUL, no lone surrogate
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=80),
    st.lists(
        st.sampled_from([m for m in METACHARS if m.isprintable()]), min_size=1, max_size=12
    ).map("".join),
).filter(str.strip)
versions = st.one_of(st.sampled_from(["0.28.1", "2.13.4", "v1", "^2", ">=1 <3", "x.y"]), searchable)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)


def value_for(name: str) -> st.SearchStrategy[Any]:
    """A mostly well-typed value for argument NAME, sometimes any JSON value at all."""
    typed = {"tokens": numbers}.get(name, library_ids if "ibrary" in name else texts)
    return st.one_of(typed, typed, typed, json_values)


@st.composite
def shaped_mcp_calls(draw: st.DrawFn, libraries: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """(tool, arguments): a well-formed call on one of LIBRARIES, with any searchable text."""
    tool = draw(st.sampled_from(list(CALLS)))
    library = draw(st.sampled_from(libraries))
    args: dict[str, Any] = {
        "resolve-library-id": {"libraryName": draw(searchable), "query": draw(searchable)},
        "query-docs": {"libraryId": library, "query": draw(searchable), "version": draw(versions)},
        "get-library-docs": {
            "context7CompatibleLibraryID": library,
            "topic": draw(searchable),
            "tokens": draw(st.integers(1, 200_000)),
        },
    }[tool]
    for name in draw(st.sets(st.sampled_from(OPTIONAL[tool]))):
        del args[name]
    return tool, args


@st.composite
def wild_mcp_calls(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """(tool, arguments): any subset of a tool's arguments and aliases, plus extra keys."""
    tool = draw(st.sampled_from([*CALLS, *CALLS, "no-such-tool"]))
    names = draw(st.lists(st.sampled_from(CALLS.get(tool, ("query",))), unique=True))
    args = {name: draw(value_for(name)) for name in names}
    extra = draw(st.dictionaries(st.text(max_size=10), json_values, max_size=2))
    return tool, {**extra, **args}


def encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@st.composite
def shaped_rest_urls(draw: st.DrawFn, libraries: tuple[str, ...]) -> str:
    """A well-formed request on one of LIBRARIES, with any searchable text."""
    library = draw(st.sampled_from(libraries))
    text, tokens = quote(draw(searchable), safe=""), draw(st.integers(1, 200_000))
    return draw(
        st.sampled_from(
            [
                f"/api/v2/libs/search?libraryName={text}&query={text}",
                f"/api/v2/context?libraryId={library}&query={text}&tokens={tokens}",
                f"/api/v2/context?libraryId={library}&query={text}&type=json",
                f"/api/v1/search?query={text}",
                f"/api/v1{library}?topic={text}&tokens={tokens}",
            ]
        )
    )


@st.composite
def wild_rest_urls(draw: st.DrawFn) -> str:
    """A GET path with query string, percent-encoded from arbitrary bytes (NUL, bad UTF-8)."""
    path = draw(st.sampled_from([*ENDPOINTS, "/api/v3/nothing"]))
    if path == "/api/v1/":
        parts = draw(st.lists(st.one_of(library_ids, short_texts), min_size=1, max_size=4))
        path += "/".join(quote_from_bytes(encoded(p.strip("/")), safe="") for p in parts)
    raw = st.one_of(
        short_texts.map(encoded), st.binary(max_size=40), numbers.map(lambda n: encoded(str(n)))
    )
    params = draw(st.lists(st.sampled_from(ENDPOINTS.get(path, ("query",))), unique=True))
    pairs = [(name.encode(), draw(raw)) for name in params]
    pairs += draw(st.lists(st.tuples(st.binary(max_size=8), raw), max_size=2))
    if pairs and draw(st.booleans()):  # one over-long value; URLs stay under the 16 KiB head
        pairs[0] = (pairs[0][0], encoded(draw(long_texts(1000))))
    query = "&".join(
        f"{quote_from_bytes(k, safe='')}={quote_from_bytes(v, safe='')}" for k, v in pairs
    )
    return f"{path}?{query}" if query else path


def mcp_calls(libraries: tuple[str, ...]) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """Half well-formed calls on LIBRARIES (the indexed ones), half anything."""
    return st.one_of(shaped_mcp_calls(libraries), wild_mcp_calls())


def rest_urls(libraries: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.one_of(shaped_rest_urls(libraries), wild_rest_urls())


def strings_in(value: Any) -> str:
    """Every string in a JSON value (keys too), joined: what an answer may echo back."""
    if isinstance(value, dict):
        return " ".join(strings_in(k) + " " + strings_in(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return " ".join(strings_in(v) for v in value)
    return value if isinstance(value, str) else ""


def indexed(settings: Settings) -> tuple[tuple[str, ...], str]:
    """The database's library IDs, and the FORBIDDEN words its docs contain (httpx shows a
    Traceback): those may appear in a normal result."""
    with open_database(settings) as db, db.pool.connection() as conn:
        libraries = conn.execute("SELECT identifier FROM libraries ORDER BY 1").fetchall()
        words = conn.execute(
            "SELECT m FROM unnest(%s::text[]) AS m WHERE EXISTS (SELECT 1 FROM documents d"
            " WHERE strpos(d.content || d.title || array_to_string(d.hierarchy, ' '), m) > 0)",
            (list(FORBIDDEN),),
        ).fetchall()
    return tuple(r[0] for r in libraries), " ".join(r[0] for r in words)


def leaks(answer: str, sent: str) -> list[str]:
    """Internals in ANSWER that SENT (what the caller sent, or documentation) does not explain."""
    return [f"shows {m!r}" for m in FORBIDDEN if m in answer and m not in sent]


def mcp_problems(tool: str, args: dict[str, Any], result: Any, docs: str) -> list[str]:
    """What is wrong with a tool's answer: empty, a crash, a leak, a multi-line error.

    DOCS (see `documented`) may show up in a normal result, never in an error.
    """
    if len(result.content) != 1 or result.content[0].type != "text":
        return [f"answer is not one text item: {result.content!r:.200}"]
    answer = result.content[0].text
    problems = leaks(answer, tool + strings_in(args) + ("" if result.is_error else docs))
    if not answer.strip():
        problems.append("empty answer")
    if result.is_error and answer.startswith("Error executing tool"):
        problems.append(f"unexplained failure: {answer!r:.200}")
    if result.is_error and ("\n" in answer or len(answer) > 2000):
        problems.append(f"error is not one short line: {answer!r:.200}")
    return problems


def rest_problems(url: str, response: httpx.Response, docs: str) -> list[str]:
    """What is wrong with a REST answer: a 5xx, a non-Context7 error body, a leak."""
    ok = response.status_code == 200
    problems = leaks(response.text, unquote(url, errors="surrogateescape") + (docs if ok else ""))
    if response.status_code not in (200, 400, 404):
        problems.append(f"status {response.status_code}: {response.text!r:.200}")
    if response.status_code != 200:
        try:
            body = response.json()
        except ValueError:
            return [*problems, f"error body is not JSON: {response.text!r:.200}"]
        if not (
            isinstance(body, dict)
            and set(body) == {"error", "message"}
            and all(isinstance(v, str) and v.strip() for v in body.values())
            and "\n" not in body["message"]
        ):
            problems.append(f"error body is not Context7's shape: {body!r:.200}")
    return problems


MCP_EXAMPLES, REST_EXAMPLES = 110, 90
FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

CallTool = Callable[[str, dict[str, Any]], Any]


@pytest.fixture(scope="module")
def docs(indexed_corpus: IndexedCorpus) -> str:
    libraries, words = indexed(indexed_corpus.settings())
    assert libraries == KNOWN_IDS
    return words


@pytest.fixture(scope="module")
def call_tool(indexed_corpus: IndexedCorpus) -> Iterator[CallTool]:
    """tools/call through a real in-process MCP session, from synchronous code."""
    server = build_server(indexed_corpus.settings().model_copy(update={"warm_up": False}))
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(Client(server, mode="legacy")) as client,
    ):
        yield lambda tool, args: portal.call(client.call_tool, tool, args)


@pytest.fixture(scope="module")
def rest(http_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=http_server, timeout=60) as client:
        yield client


def test_mcp_tools_answer_any_input_cleanly(call_tool: CallTool, docs: str) -> None:
    @settings(FUZZ, max_examples=MCP_EXAMPLES)
    @given(call=mcp_calls(KNOWN_IDS))
    def answers_cleanly(call: tuple[str, dict[str, Any]]) -> None:
        tool, args = call
        assert mcp_problems(tool, args, call_tool(tool, args), docs) == []

    answers_cleanly()
    result = call_tool(*NORMAL)  # the same session still answers a normal query
    assert not result.is_error and "Source: advanced/proxies.md" in result.content[0].text


def test_rest_api_answers_any_request_cleanly(rest: httpx.Client, docs: str) -> None:
    @settings(FUZZ, max_examples=REST_EXAMPLES)
    @given(url=rest_urls(KNOWN_IDS))
    def answers_cleanly(url: str) -> None:
        assert rest_problems(url, rest.get(url), docs) == []

    answers_cleanly()
    response = rest.get(NORMAL_URL)  # the same server still answers a normal query
    assert response.status_code == 200 and "Source: advanced/proxies.md" in response.text
