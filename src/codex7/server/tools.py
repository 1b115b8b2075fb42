"""Context7's MCP tools on Codex7's search, with its argument names, aliases and output."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from codex7.errors import Codex7Error
from codex7.search.docs import search_libraries
from codex7.search.render import render_libraries
from codex7.server.state import ServerState

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


def apply_aliases(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    args = dict(arguments)
    for alias, canonical in ALIASES.get(tool, {}).items():
        if alias in args:
            value = args.pop(alias)
            args.setdefault(canonical, value)
    if tool == "get-library-docs" and "tokens" in args:
        args["tokens"] = _tokens(args["tokens"])
    return args


def _tokens(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        raise ToolError(
            "tokens must be a whole number, e.g. 5000 (values are clamped to 1000–100000)"
        )
    try:
        return int(float(value))
    except (TypeError, ValueError):
        raise ToolError(
            f"tokens must be a whole number, e.g. 5000 (got {value!r}); values are clamped to 1000–100000"
        ) from None


def _state(ctx: Context) -> ServerState:
    return ctx.request_context.lifespan_context  # type: ignore[no-any-return]


def _docs(
    ctx: Context, library_id: str, query: str | None, tokens: int | None, version: str | None = None
) -> str:
    state = _state(ctx)
    if not library_id or not library_id.strip():
        raise ToolError(
            "libraryId is required: a Context7-compatible ID such as /vercel/next.js or "
            "/vercel/next.js/v14.3.0 (use resolve-library-id to find one)"
        )
    try:
        result = state.docs(library_id, query, tokens, version=(version or "").strip() or None)
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


def text_tool(server: Any, name: str, title: str, description: str) -> Any:
    """Every Codex7 tool is read-only, idempotent, and answers text only (no structured copy)."""
    return server.tool(
        name=name,
        title=title,
        description=description,
        annotations=READ_ONLY,
        structured_output=False,
    )


def register_tools(server: Any) -> None:
    @text_tool(server, "resolve-library-id", "Resolve Context7 Library ID", RESOLVE_DESCRIPTION)
    def resolve_library_id(
        libraryName: Annotated[
            str, Field(description="Library name to search for, e.g. 'Next.js', 'FastAPI'.")
        ],
        ctx: Context,
        query: Annotated[
            str | None,
            Field(
                description="What you want to look up in the library's docs; used to rank results."
            ),
        ] = None,
    ) -> str:
        if not libraryName or not libraryName.strip():
            raise ToolError(
                "libraryName is required: the name of a library, e.g. 'Next.js' or 'pydantic'"
            )
        state = _state(ctx)
        with state.db.pool.connection() as conn:
            return render_libraries(search_libraries(conn, libraryName, query))

    @text_tool(server, "query-docs", "Query Documentation", QUERY_DESCRIPTION)
    def query_docs(
        libraryId: Annotated[
            str,
            Field(
                description="Exact library ID, e.g. '/vercel/next.js' or '/vercel/next.js/v14.3.0', from resolve-library-id or the user."
            ),
        ],
        query: Annotated[
            str,
            Field(
                description="What to look up, scoped to one concept, e.g. 'How to revalidate a fetch every 60 seconds'."
            ),
        ],
        ctx: Context,
        version: Annotated[
            str | None,
            Field(
                description="Version of the library to use, e.g. '14', '14.2.3', '^18' or "
                "'>=2 <3'. Optional: without it the version in libraryId, else the latest. If that "
                "version is not indexed, the closest indexed version answers and a note says which."
            ),
        ] = None,
    ) -> str:
        if not query or not query.strip():
            raise ToolError(
                "query is required: say what to look up, e.g. 'how to set a request timeout'"
            )
        return _docs(ctx, libraryId, query, None, version)

    @text_tool(server, "get-library-docs", "Get Library Docs", DOCS_DESCRIPTION)
    def get_library_docs(
        context7CompatibleLibraryID: Annotated[
            str,
            Field(
                description="Exact library ID, e.g. '/vercel/next.js' or '/vercel/next.js/v14.3.0'."
            ),
        ],
        ctx: Context,
        topic: Annotated[
            str | None, Field(description="Topic to focus on, e.g. 'routing'.")
        ] = None,
        tokens: Annotated[
            int | None, Field(description="Token budget (default 5000; clamped to 1000–100000).")
        ] = None,
    ) -> str:
        return _docs(ctx, context7CompatibleLibraryID, topic, tokens)
