"""The management API under /api/manage: libraries, indexing jobs and their live progress (JSON,
Server-Sent Events). Every handler calls `codex7.services`; docs/management-api.md shows it.

The authentication middleware (api/auth.py) identifies the caller; reads show what its workspace
sees, writes need a key with the admin scope (api/admin_auth.py) and change only its workspace's
libraries. Workspaces, keys and the audit log are under /api/manage too (api/manage_access.py).
Errors are `{"error": code, "message": text}`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from functools import partial
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from codex7.api.admin_auth import Refusal, read_refusal, write_refusal
from codex7.api.auth import principal_of
from codex7.api.guard import ApiError, Endpoint, guarded
from codex7.api.inputs import InputProblem, check_text, shown
from codex7.api.manage_access import access_endpoints
from codex7.api.manage_inputs import (
    LibraryChanges,
    index_request,
    job_id,
    job_listing,
    library_changes,
)
from codex7.api.manage_payloads import detail_json, summary_json
from codex7.api.payloads import error_body
from codex7.errors import (
    Codex7Error,
    DatabaseError,
    InvalidLibraryId,
    JobNotFound,
    LibraryNotFound,
    ModelMismatch,
    VersionNotFound,
)
from codex7.services import libraries
from codex7.services.auth import Principal
from codex7.services.job_stream import job_events
from codex7.services.state import AppState, StateHolder

if TYPE_CHECKING:
    from codex7.services.jobs import Job

PREFIX = "/api/manage"
MAX_BODY = 64 * 1024  # bytes of JSON a write may send

ENDPOINTS = (
    "GET /api/manage/libraries, GET|PATCH|DELETE /api/manage/libraries/{org}/{project}, "
    "DELETE /api/manage/libraries/{org}/{project}/{version}, POST /api/manage/libraries, "
    "POST /api/manage/libraries/{org}/{project}/refresh, POST /api/manage/refresh, "
    "GET /api/manage/jobs, GET /api/manage/jobs/{id}, POST /api/manage/jobs/{id}/cancel, "
    "GET /api/manage/jobs/{id}/events, GET|POST /api/manage/workspaces, "
    "GET|POST /api/manage/keys, POST /api/manage/keys/{prefix}/revoke, GET /api/manage/audit"
)

T = TypeVar("T")


def jobs() -> ModuleType:
    """codex7.services.jobs, imported on first use: it loads the indexer, which `codex7 serve`
    does not load at start-up."""
    from codex7.services import jobs

    return jobs


def translate(exc: Exception) -> ApiError:
    """A service's error as the API's answer."""
    if isinstance(exc, LibraryNotFound):
        return ApiError(404, "library_not_found", str(exc))
    if isinstance(exc, VersionNotFound):
        return ApiError(404, "version_not_found", str(exc))
    if isinstance(exc, JobNotFound):
        return ApiError(404, "job_not_found", str(exc))
    if isinstance(exc, InvalidLibraryId):
        return ApiError(400, "invalid_library_id", str(exc))
    if isinstance(exc, DatabaseError):
        return ApiError(503, "unavailable", str(exc))
    if isinstance(exc, ModelMismatch):
        return ApiError(409, "model_mismatch", str(exc))
    if isinstance(exc, Codex7Error):  # the services' own checks: what was wrong and what is right
        return ApiError(400, "invalid_request", str(exc))
    return ApiError(500, "internal_error", "The server failed on this request; see its log.")


def _path_part(request: Request, name: str) -> str:
    try:
        return check_text(f"'{name}'", request.path_params[name], limit=200)
    except InputProblem as exc:
        raise ApiError(400, "invalid_request", f"{exc}.") from None


def _library_id(request: Request) -> str:
    return f"/{_path_part(request, 'org')}/{_path_part(request, 'project')}"


async def _body(request: Request) -> Any:
    """The request's JSON body (400 when it is not JSON, 413 past MAX_BODY bytes)."""
    too_large = ApiError(
        413, "too_large", f"The request body is too large; send at most {MAX_BODY} bytes of JSON."
    )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise too_large
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise too_large
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        where = (
            f" (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        raise ApiError(
            400,
            "invalid_json",
            f"The request body is not valid JSON{where}; send a JSON object, "
            'e.g. {"source": "https://github.com/encode/httpx", "library": "/encode/httpx"}.',
        ) from None


def manage_routes(holder: StateHolder, policy: TransportSecuritySettings) -> list[BaseRoute]:
    """The /api/manage routes for the process's state HOLDER, behind the Host/Origin POLICY."""

    def can_read(request: Request) -> Refusal | None:
        return read_refusal(request)

    def can_write(request: Request) -> Refusal | None:  # runs in a worker thread
        return write_refusal(request, holder.get())

    async def call(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """FUNC(state, *ARGS, **KWARGS) in a worker thread: the services block on the database."""
        return await anyio.to_thread.run_sync(lambda: func(holder.get(), *args, **kwargs))

    def who(request: Request) -> Principal | None:
        return principal_of(request)

    by_path: dict[str, dict[str, Endpoint]] = {}

    def add(path: str, method: str, endpoint: Endpoint) -> None:
        authorize = can_read if method == "GET" else can_write
        by_path.setdefault(PREFIX + path, {})[method] = guarded(
            endpoint, policy, authorize, translate
        )

    async def list_libraries(request: Request) -> Response:
        found = await call(libraries.list_libraries, principal=who(request))
        return JSONResponse({"libraries": [summary_json(s) for s in found]})

    async def describe(request: Request) -> Response:
        found = _library_id(request)
        detail = await call(libraries.describe_library, found, principal=who(request))
        return JSONResponse(detail_json(detail))

    async def add_library(request: Request) -> Response:
        wanted = index_request(await _body(request))
        job = await call(jobs().enqueue, wanted, principal=who(request))
        location = f"{PREFIX}/jobs/{job.id}"
        return JSONResponse({"job": job.as_dict()}, status_code=202, headers={"Location": location})

    async def refresh(request: Request) -> Response:
        queued = await call(jobs().enqueue_refresh, _library_id(request), principal=who(request))
        return JSONResponse({"jobs": [j.as_dict() for j in queued]}, status_code=202)

    async def refresh_all(request: Request) -> Response:
        queued = await call(jobs().enqueue_refresh, None, principal=who(request))
        return JSONResponse({"jobs": [j.as_dict() for j in queued]}, status_code=202)

    async def change(request: Request) -> Response:
        changes = library_changes(await _body(request))
        summary = await call(_apply_changes, _library_id(request), changes, who(request))
        return JSONResponse(summary_json(summary))

    async def remove(request: Request) -> Response:
        target = _library_id(request)
        if "version" in request.path_params:
            target += "/" + _path_part(request, "version")
        done = await call(libraries.remove, target, principal=who(request))
        return JSONResponse({"message": done})

    async def list_jobs(request: Request) -> Response:
        limit, status = job_listing(request.query_params)
        found = await call(jobs().list_jobs, limit, status, principal=who(request))
        return JSONResponse({"jobs": [j.as_dict() for j in found]})

    async def get_job(request: Request) -> Response:
        job = await call(jobs().get_job, job_id(request.path_params["id"]), principal=who(request))
        return JSONResponse(job.as_dict())

    async def cancel(request: Request) -> Response:
        job = await call(_cancel, job_id(request.path_params["id"]), who(request))
        return JSONResponse(job.as_dict())

    async def events(request: Request) -> Response:
        ident = job_id(request.path_params["id"])
        principal = who(request)
        first = await call(jobs().get_job, ident, principal=principal)  # unknown: 404, not a stream
        return StreamingResponse(
            _progress(holder, first, principal),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def unknown(request: Request) -> Response:
        raise ApiError(
            404,
            "not_found",
            f"No management endpoint {request.method} {shown(request.url.path, 80)}. "
            f"It serves {ENDPOINTS}.",
        )

    add("/libraries", "GET", list_libraries)
    add("/libraries", "POST", add_library)
    add("/refresh", "POST", refresh_all)
    add("/libraries/{org}/{project}", "GET", describe)
    add("/libraries/{org}/{project}", "PATCH", change)
    add("/libraries/{org}/{project}", "DELETE", remove)
    add("/libraries/{org}/{project}/refresh", "POST", refresh)
    add("/libraries/{org}/{project}/{version}", "DELETE", remove)
    add("/jobs", "GET", list_jobs)
    add("/jobs/{id}", "GET", get_job)
    add("/jobs/{id}/cancel", "POST", cancel)
    add("/jobs/{id}/events", "GET", events)
    for path, method, endpoint in access_endpoints(call, who, _body):
        add(path, method, endpoint)
    add("", "GET", unknown)  # other methods on unknown paths: the app's JSON 404/405
    add("/{rest:codex7_any_path}", "GET", unknown)
    return [_route(path, endpoints) for path, endpoints in by_path.items()]


def _route(path: str, endpoints: dict[str, Endpoint]) -> Route:
    """One route per path, so a 405 lists every method the path has."""

    async def dispatch(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await endpoints[method](request)

    return Route(path, dispatch, methods=list(endpoints))


def _apply_changes(
    state: AppState, library_id: str, changes: LibraryChanges, principal: Principal | None
) -> libraries.LibrarySummary:
    """Rename, (re)schedule and/or make a library public or private."""
    libraries.describe_library(state, library_id, principal=principal)  # LibraryNotFound first
    if changes.private is not None:
        libraries.set_visibility(state, library_id, changes.private, principal=principal)
    if changes.schedule:
        jobs().set_schedule(state, library_id, changes.every, principal=principal)
    if changes.name is not None:
        return libraries.rename(state, library_id, changes.name, principal=principal)
    return libraries.describe_library(state, library_id, principal=principal).summary


def _cancel(state: AppState, ident: int, principal: Principal | None) -> Job:
    job = jobs().get_job(state, ident, principal=principal)
    if job.terminal:
        raise ApiError(
            409,
            "job_finished",
            f"Job {ident} has already ended ({job.status}); only queued or running jobs can be "
            "cancelled.",
        )
    return jobs().cancel(state, ident, principal=principal)


async def _progress(
    holder: StateHolder, job: Job, principal: Principal | None
) -> AsyncIterator[str]:
    """`progress` events while JOB changes, then `done` with its final state; the stream ends."""
    state = await anyio.to_thread.run_sync(holder.get)

    def failed(exc: Codex7Error) -> dict[str, Any]:
        answer = translate(exc)
        return error_body(answer.code, answer.message)

    get = partial(jobs().get_job, state, job.id, principal=principal)
    async for event in job_events(job, get, lambda j: j.as_dict(), failed):
        yield event
