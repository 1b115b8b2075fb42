"""Context7's REST endpoints on Codex7's search: /api/v2/libs/search, /api/v2/context, legacy v1.

Errors are Context7's `{"error", "message"}` bodies with its codes, so the official client shows
our messages verbatim.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from starlette.convertors import PathConvertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from codex7.api.auth import allowed
from codex7.api.inputs import InputProblem, check_text, parse_tokens, shown
from codex7.api.payloads import context_json, error_body, legacy_text, search_result
from codex7.api.security import connection_policy, mcp_policy, rejection
from codex7.errors import (
    Codex7Error,
    InvalidLibraryId,
    InvalidVersion,
    LibraryNotFound,
    VersionNotFound,
)
from codex7.ids import parse_library_id
from codex7.search.docs import search_libraries
from codex7.services.state import ServerState, StateHolder
from codex7.tokens import tiktoken_counter

log = logging.getLogger("codex7.api")


class AnyPath(PathConvertor):
    """A path convertor that also matches a decoded newline (Starlette's `path` does not)."""

    regex = r"[\s\S]*"


register_url_convertor("codex7_any_path", AnyPath())


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _text(name: str, value: str) -> str:
    """VALUE as usable text (no NUL, no lone surrogate, at most 500 characters), else a 400."""
    try:
        return check_text(f"'{name}'", value)
    except InputProblem as exc:
        raise ApiError(400, "invalid_request", f"{exc}.") from None


def _param(request: Request, name: str, *, required: bool = False) -> str | None:
    value = _text(name, request.query_params.get(name, "")).strip()
    if required and not value:
        raise ApiError(400, "invalid_request", f"The '{name}' query parameter is required.")
    return value or None


def _tokens(request: Request) -> int | None:
    raw = request.query_params.get("tokens", "")
    try:
        return parse_tokens(raw) if raw else None
    except InputProblem as exc:
        raise ApiError(400, "invalid_request", f"{exc}.") from None


def _kind(request: Request, allowed: tuple[str, ...]) -> str:
    kind = request.query_params.get("type", "txt")
    if kind not in allowed:
        raise ApiError(
            400, "invalid_request", f"'type' must be {' or '.join(allowed)} (got {shown(kind)})."
        )
    return kind


def _docs(
    state: ServerState,
    library_id: str,
    query: str | None,
    tokens: int | None,
    version: str | None = None,
) -> Any:
    try:
        parse_library_id(library_id)
    except InvalidLibraryId:
        raise ApiError(
            400,
            "invalid_library_id",
            "Invalid library ID format. Expected: `/owner/repo` or `/owner/repo/version`.",
        ) from None
    try:
        return state.docs(library_id, query, tokens, version=version)
    except InvalidVersion as exc:
        raise ApiError(400, "invalid_version", str(exc)) from None
    except LibraryNotFound as exc:
        raise ApiError(
            404,
            "library_not_found",
            f'Library "{exc.library_id}" not found. Please check the library ID or your access permissions.',
        ) from None
    except VersionNotFound as exc:
        raise ApiError(
            404,
            "tag_not_found",
            f'Tag "{exc.version}" not found for library "{exc.library_id}". '
            f"Available tags: {', '.join(exc.available) or 'none'}",
        ) from None


def _search(state: ServerState, name: str, query: str | None) -> dict[str, Any]:
    with state.db.pool.connection() as conn:
        results = search_libraries(conn, name, query)
    if not results:
        raise ApiError(
            404,
            "no_libraries_found",
            f'No libraries found for "{name}". Try a different search term.',
        )
    return {"results": [search_result(r) for r in results], "searchFilterApplied": False}


Handler = Callable[[Request, ServerState], Response]


def register_api(server: Any, holder: StateHolder) -> None:
    """Add the /api routes to the MCP server's HTTP app."""

    def route(path: str) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
        def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
            async def endpoint(request: Request) -> Response:
                refused = await rejection(request, mcp_policy(server) or connection_policy(request))
                if refused:
                    return JSONResponse(error_body("forbidden", refused), status_code=403)
                if not allowed(request.headers, holder.settings.api_key_digests):
                    return JSONResponse(
                        error_body(
                            "unauthorized",
                            "Invalid API key. Send it as 'Authorization: Bearer <key>', "
                            "'Context7-API-Key' or 'X-API-Key'.",
                        ),
                        status_code=401,
                    )
                try:
                    state = await anyio.to_thread.run_sync(holder.get)
                    return await anyio.to_thread.run_sync(handler, request, state)
                except ApiError as exc:
                    return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status)
                except Codex7Error as exc:  # database down, model mismatch: known, one line
                    log.warning("API request %s failed: %s", request.url.path, exc)
                    return JSONResponse(error_body("unavailable", str(exc)), status_code=503)
                except Exception:
                    log.exception("API request %s failed", request.url.path)
                    return JSONResponse(
                        error_body("search_failed", "Search failed on the server; see its log."),
                        status_code=503,
                    )

            server.custom_route(path, methods=["GET"])(endpoint)
            return endpoint

        return wrap

    @route("/api/v2/libs/search")
    def libs_search(request: Request, state: ServerState) -> Response:
        name = _param(request, "libraryName", required=True)
        return JSONResponse(_search(state, name or "", _param(request, "query")))

    @route("/api/v2/context")
    def context(request: Request, state: ServerState) -> Response:
        library_id = _param(request, "libraryId")
        if not library_id:
            raise ApiError(
                400,
                "invalid_library_id",
                "The 'libraryId' query parameter is required, e.g. /vercel/next.js.",
            )
        kind = _kind(request, ("txt", "json"))
        version = _param(request, "version")
        result = _docs(state, library_id, _param(request, "query"), _tokens(request), version)
        if kind == "json":
            return JSONResponse(
                context_json(result.snippets, result.target.library.rules, tiktoken_counter())
            )
        return PlainTextResponse(result.text)

    @route("/api/v1/search")
    def v1_search(request: Request, state: ServerState) -> Response:
        name = _param(request, "query", required=True)
        return JSONResponse(_search(state, name or "", None))

    def v1_docs(request: Request, state: ServerState) -> Response:
        p = {name: _text(name, value) for name, value in request.path_params.items()}
        library_id = f"/{p['org']}/{p['project']}" + (
            f"/{p['version']}" if p.get("version") else ""
        )
        _kind(request, ("txt",))
        result = _docs(state, library_id, _param(request, "topic"), _tokens(request))
        return PlainTextResponse(legacy_text(result.snippets, result.target.library.rules))

    route("/api/v1/{org}/{project}")(v1_docs)
    route("/api/v1/{org}/{project}/{version}")(v1_docs)

    def not_found(request: Request, state: ServerState) -> Response:
        raise ApiError(
            404,
            "not_found",
            f"No endpoint at {shown(request.url.path, 80)}. The API serves /api/v2/libs/search, "
            "/api/v2/context, /api/v1/search and /api/v1/{org}/{project}[/{version}].",
        )

    route("/api")(not_found)
    route("/api/{rest:codex7_any_path}")(not_found)
