"""Context7's REST endpoints on Codex7's search: /api/v2/libs/search, /api/v2/context, legacy v1.

Errors are Context7's `{"error", "message"}` bodies with its codes, so the official client shows
our messages verbatim.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
from mcp.server.transport_security import TransportSecuritySettings
from starlette.convertors import PathConvertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from codex7.api.admin_auth import read_refusal
from codex7.api.auth import auth_mcp, principal_of
from codex7.api.guard import ApiError, guarded
from codex7.api.inputs import InputProblem, check_text, parse_tokens, shown
from codex7.api.manage import manage_routes
from codex7.api.payloads import context_json, legacy_text, search_result
from codex7.errors import (
    Codex7Error,
    InvalidLibraryId,
    InvalidVersion,
    LibraryNotFound,
    VersionNotFound,
)
from codex7.ids import parse_library_id
from codex7.services.auth import Principal
from codex7.services.docs import query_docs, search_libraries
from codex7.services.state import AppState, StateHolder
from codex7.tokens import tiktoken_counter


class AnyPath(PathConvertor):
    """A path convertor that also matches a decoded newline (Starlette's `path` does not)."""

    regex = r"[\s\S]*"


register_url_convertor("codex7_any_path", AnyPath())


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
    state: AppState,
    library_id: str,
    query: str | None,
    tokens: int | None,
    version: str | None = None,
    *,
    caller: str,
    principal: Principal | None,
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
        return query_docs(
            state, library_id, query, tokens, version=version, caller=caller, principal=principal
        )
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


def _search(
    state: AppState, name: str, query: str | None, *, caller: str, principal: Principal | None
) -> dict[str, Any]:
    results = search_libraries(
        state, query or "", library_name=name, caller=caller, principal=principal
    )
    if not results:
        raise ApiError(
            404,
            "no_libraries_found",
            f'No libraries found for "{name}". Try a different search term.',
        )
    return {"results": [search_result(r) for r in results], "searchFilterApplied": False}


Handler = Callable[[Request, AppState], Response]


def _translate(exc: Exception) -> ApiError:
    if isinstance(exc, Codex7Error):  # database down, model mismatch: known, one line
        return ApiError(503, "unavailable", str(exc))
    return ApiError(503, "search_failed", "Search failed on the server; see its log.")


def api_routes(holder: StateHolder, policy: TransportSecuritySettings) -> list[BaseRoute]:
    """Every /api route: Context7's REST API, the management API, then JSON 404s for the rest."""

    authorize = read_refusal  # the middleware identified the caller; any caller reads
    routes: list[BaseRoute] = [Route("/api/auth/mcp", auth_mcp, methods=["GET"])]

    def route(path: str) -> Callable[[Handler], Handler]:
        def wrap(handler: Handler) -> Handler:
            async def run(request: Request) -> Response:
                return await anyio.to_thread.run_sync(lambda: handler(request, holder.get()))

            endpoint = guarded(run, policy, authorize, _translate)
            routes.append(Route(path, endpoint, methods=["GET"]))
            return handler

        return wrap

    @route("/api/v2/libs/search")
    def libs_search(request: Request, state: AppState) -> Response:
        name = _param(request, "libraryName", required=True)
        query = _param(request, "query")
        who = principal_of(request)
        found = _search(state, name or "", query, caller="GET /api/v2/libs/search", principal=who)
        return JSONResponse(found)

    @route("/api/v2/context")
    def context(request: Request, state: AppState) -> Response:
        library_id = _param(request, "libraryId")
        if not library_id:
            raise ApiError(
                400,
                "invalid_library_id",
                "The 'libraryId' query parameter is required, e.g. /vercel/next.js.",
            )
        kind = _kind(request, ("txt", "json"))
        version = _param(request, "version")
        query, tokens = _param(request, "query"), _tokens(request)
        result = _docs(
            state,
            library_id,
            query,
            tokens,
            version,
            caller="GET /api/v2/context",
            principal=principal_of(request),
        )
        if kind == "json":
            return JSONResponse(
                context_json(result.snippets, result.target.library.rules, tiktoken_counter())
            )
        return PlainTextResponse(result.text)

    @route("/api/v1/search")
    def v1_search(request: Request, state: AppState) -> Response:
        name = _param(request, "query", required=True)
        who = principal_of(request)
        found = _search(state, name or "", None, caller="GET /api/v1/search", principal=who)
        return JSONResponse(found)

    def v1_docs(request: Request, state: AppState) -> Response:
        p = {name: _text(name, value) for name, value in request.path_params.items()}
        library_id = f"/{p['org']}/{p['project']}" + (
            f"/{p['version']}" if p.get("version") else ""
        )
        _kind(request, ("txt",))
        topic, tokens = _param(request, "topic"), _tokens(request)
        result = _docs(
            state,
            library_id,
            topic,
            tokens,
            caller="GET /api/v1/{org}/{project}",
            principal=principal_of(request),
        )
        return PlainTextResponse(legacy_text(result.snippets, result.target.library.rules))

    route("/api/v1/{org}/{project}")(v1_docs)
    route("/api/v1/{org}/{project}/{version}")(v1_docs)

    def not_found(request: Request, state: AppState) -> Response:
        raise ApiError(
            404,
            "not_found",
            f"No endpoint at {shown(request.url.path, 80)}. The API serves /api/v2/libs/search, "
            "/api/v2/context, /api/v1/search and /api/v1/{org}/{project}[/{version}].",
        )

    routes += manage_routes(holder, policy)
    route("/api")(not_found)
    route("/api/{rest:codex7_any_path}")(not_found)
    return routes
