"""Context7's MCP tools on Codex7's search, with its argument names, aliases and output."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field, ValidationError

from codex7.api.inputs import TOKENS_RULE, InputProblem, check_text, one_line, parse_tokens
from codex7.errors import Codex7Error

if TYPE_CHECKING:  # the query path (psycopg, numpy, search) loads on the first call
    from codex7.services.auth import Principal
    from codex7.services.state import AppState, StateHolder

F = TypeVar("F", bound=Callable[..., Any])
LIBRARY_ID_HINT = (
    "a Context7-compatible ID such as /vercel/next.js or /vercel/next.js/v14.3.0 "
    "(use resolve-library-id to find one)"
)
READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)

# Context7 rewrites these before validation (aliasArgs); they never appear in tools/list.
ALIASES: dict[str, dict[str, str]] = {
    "resolve-library-id": {"userQuery": "query", "question": "query"},
    "query-docs": {
        "userQuery": "query",
        "question": "query",
        "context7CompatibleLibraryID": "libraryId",
        "libraryID": "libraryId",
        "libraryName": "libraryId",
    },
    "get-library-docs": {
        "libraryId": "context7CompatibleLibraryID",
        "libraryID": "context7CompatibleLibraryID",
        "query": "topic",
        "userQuery": "topic",
        "question": "topic",
    },
}


HINTS: dict[str, str] = {
    "libraryName": "the name of a library, e.g. 'Next.js' or 'pydantic'",
    "query": "say what to look up, e.g. 'how to set a request timeout'",
    "libraryId": LIBRARY_ID_HINT,
    "context7CompatibleLibraryID": LIBRARY_ID_HINT,
    "topic": "a topic to focus on, e.g. 'routing' or 'hooks'",
    "version": "a version such as '14', '14.2.3', '^18' or '>=2 <3'",
    "tokens": TOKENS_RULE,
}


def prepare_arguments(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Before validation: Context7's aliases applied, nulls dropped, text checked, tokens parsed."""
    args = {name: value for name, value in arguments.items() if value is not None}
    for alias, canonical in ALIASES.get(tool, {}).items():
        if alias in args:
            value = args.pop(alias)
            args.setdefault(canonical, value)
    try:
        for name, value in args.items():
            if name in HINTS and name != "tokens" and isinstance(value, str):
                check_text(name, value)
        if tool == "get-library-docs" and "tokens" in args:
            args["tokens"] = parse_tokens(args["tokens"])
    except InputProblem as exc:
        raise ToolError(str(exc)) from None
    return args


def _kind(value: Any) -> str:
    """The JSON type of VALUE, as an error message names it."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else "null"


def _problem(error: Any) -> str:
    name = str(error["loc"][0]) if error["loc"] else "arguments"
    hint = HINTS.get(name, "see the tool's input schema")
    if error["type"] == "missing":
        return f"{name} is required: {hint}"
    if error["type"] == "string_type":
        return f"{name} must be a string, not {_kind(error['input'])}: {hint}"
    return f"{name} is not valid ({error['msg']}): {hint}"


def argument_error(exc: ValidationError) -> str:
    """Pydantic's errors for a tool's arguments as one line an agent can act on."""
    return "; ".join(dict.fromkeys(_problem(e) for e in exc.errors()))


def agent_message(tool: str, exc: ToolError) -> str:
    """What the agent reads for a refused call: our message without the SDK's prefix."""
    if isinstance(exc.__cause__, ValidationError):
        return argument_error(exc.__cause__)
    return one_line(str(exc).removeprefix(f"Error executing tool {tool}: "))


def _state(ctx: Context) -> AppState:
    """The process's state, opened by now (a tool called while `serve` still opens the database
    waits for it here, in the tool's worker thread)."""
    holder = cast("StateHolder", ctx.request_context.lifespan_context)
    return holder.get()


def _principal(ctx: Context) -> Principal | None:
    """Who calls: over HTTP, whom the authentication middleware let in (api/auth.py); over
    stdio, None (the local user: CODEX7_WORKSPACE). An HTTP request without one is refused."""
    request = ctx.request_context.request
    if request is None:
        return None
    principal = getattr(getattr(request, "state", None), "principal", None)
    if principal is None:
        raise ToolError("This server answers authenticated callers only; send an API key.")
    return cast("Principal", principal)


def _docs(
    ctx: Context,
    library_id: str,
    query: str | None,
    tokens: int | None,
    version: str | None = None,
    *,
    tool: str,
) -> str:
    from codex7.services.docs import query_docs

    if not library_id.strip():
        raise ToolError(f"libraryId is required: {LIBRARY_ID_HINT}")
    try:
        result = query_docs(
            _state(ctx),
            library_id,
            query,
            tokens,
            (version or "").strip() or None,
            caller=tool,
            principal=_principal(ctx),
        )
    except Codex7Error as exc:
        raise ToolError(str(exc)) from None
    return result.text


RESOLVE_DESCRIPTION = """Resolves a package/product name to a Codex7 (Context7-compatible) library ID and returns matching libraries.

You MUST call this function before 'query-docs' to obtain a valid library ID UNLESS the user explicitly provides a library ID in the format '/org/project' or '/org/project/version'.

Each result includes: Title, Context7-compatible library ID (format: /org/project), Description, Code Snippets (number of indexed snippets), Source Reputation (High, Medium, Low, or Unknown) and Versions (use /org/project/version when the user asks for a specific version).

Pick the result whose name matches best (exact matches first), then by description relevance, snippet count and reputation. If several match equally, say so and ask the user. IMPORTANT: Do not call this tool more than 3 times per question."""

QUERY_DESCRIPTION = """Retrieves up-to-date documentation and code examples for a library from this team's own Codex7 index.

You must call 'resolve-library-id' first to obtain the exact library ID, UNLESS the user explicitly provides one in the format '/org/project' or '/org/project/version' (a version pins that release's docs). IMPORTANT: Do not call this tool more than 3 times per question."""

DOCS_DESCRIPTION = """Fetches documentation for a library (Context7's classic interface). Needs a Context7-compatible library ID ('/org/project' or '/org/project/version') from 'resolve-library-id' unless the user gave one. 'topic' focuses the docs (e.g. 'routing', 'hooks'); without it you get the library's overview. 'tokens' is the size budget (default 5000; clamped to 1000–100000)."""


def text_tool(server: Any, name: str, title: str, description: str) -> Callable[[F], F]:
    """Every Codex7 tool is read-only, idempotent, and answers text only (no structured copy)."""
    register = server.tool(
        name=name,
        title=title,
        description=description,
        annotations=READ_ONLY,
        structured_output=False,
    )

    def titled(fn: F) -> F:
        # The SDK names the arguments model f"{fn.__name__}Arguments": its schema's title.
        fn.__name__ = f"{title} "
        return register(fn)  # type: ignore[no-any-return]

    return titled


LibraryName = Annotated[
    str,
    Field(
        title="Library name",
        description="The library name to search for. Use the official name with proper "
        "punctuation, e.g. 'Next.js' not 'nextjs', 'Customer.io', 'Three.js'.",
    ),
]
ResolveQuery = Annotated[
    str,
    Field(
        title="Query",
        description="What to look up in the library's documentation; used to rank the "
        "matching libraries by relevance. Don't include secrets, personal data or "
        "proprietary code.",
    ),
]
LibraryId = Annotated[
    str,
    Field(
        title="Library ID",
        description="The exact Context7-compatible library ID, e.g. '/mongodb/docs', "
        "'/vercel/next.js', '/supabase/supabase', '/vercel/next.js/v14.3.0-canary.87', taken "
        "from resolve-library-id or from the user in /org/project[/version] form.",
    ),
]
DocsQuery = Annotated[
    str,
    Field(
        title="Query",
        description="What to look up, scoped to a single concept. Good: 'How to set up "
        "authentication with JWT in Express.js', 'React useEffect cleanup function examples'. "
        "Too vague: 'auth', 'hooks'. Too broad: 'routing and auth and caching in Next.js'. Make "
        "a separate call per concept unless the question is about how they interact. At most "
        "500 characters; no secrets.",
    ),
]
Version = Annotated[
    str,
    Field(
        title="Version",
        description="Version of the library to use, e.g. '14', '14.2.3', '^18' or '>=2 <3'. "
        "Optional: without it the version in libraryId, else the latest. If that version is "
        "not indexed, the closest indexed version answers and a note says which.",
    ),
]
LegacyLibraryId = Annotated[
    str,
    Field(
        title="Context7-compatible library ID",
        description="Exact Context7-compatible library ID (e.g. '/mongodb/docs', "
        "'/vercel/next.js', '/vercel/next.js/v14.3.0') from 'resolve-library-id' or the user.",
    ),
]
Topic = Annotated[
    str,
    Field(
        title="Topic",
        description="Topic to focus the documentation on (e.g. 'hooks', 'routing'). At most "
        "500 characters.",
    ),
]
Tokens = Annotated[
    int | None,
    Field(
        title="Token budget",
        description="Maximum number of tokens of documentation to retrieve (default 5000; "
        "values are clamped to 1000–100000).",
    ),
]


def register_tools(server: Any) -> None:
    @text_tool(server, "resolve-library-id", "Resolve Context7 Library ID", RESOLVE_DESCRIPTION)
    def resolve_library_id(libraryName: LibraryName, ctx: Context, query: ResolveQuery = "") -> str:
        from codex7.search.render import render_libraries  # pure formatting of services' results
        from codex7.services.docs import search_libraries

        if not libraryName.strip():
            raise ToolError(f"libraryName is required: {HINTS['libraryName']}")
        try:
            found = search_libraries(
                _state(ctx),
                query,
                libraryName,
                caller="resolve-library-id",
                principal=_principal(ctx),
            )
            return render_libraries(found)
        except Codex7Error as exc:  # e.g. the database is unreachable: say so in one line
            raise ToolError(str(exc)) from None

    @text_tool(server, "query-docs", "Query Documentation", QUERY_DESCRIPTION)
    def query_docs(
        libraryId: LibraryId, query: DocsQuery, ctx: Context, version: Version = ""
    ) -> str:
        if not query.strip():
            raise ToolError(f"query is required: {HINTS['query']}")
        return _docs(ctx, libraryId, query, None, version, tool="query-docs")

    @text_tool(server, "get-library-docs", "Get Library Docs", DOCS_DESCRIPTION)
    def get_library_docs(
        context7CompatibleLibraryID: LegacyLibraryId,
        ctx: Context,
        topic: Topic = "",
        tokens: Tokens = None,
    ) -> str:
        return _docs(
            ctx, context7CompatibleLibraryID, topic or None, tokens, tool="get-library-docs"
        )
