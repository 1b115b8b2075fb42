"""What every /api endpoint does around its handler: the Host/Origin policy, the scope check (the
authentication middleware, api/auth.py, has identified the caller), and errors as JSON
`{"error", "message"}` bodies (never a traceback or SQL)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

import anyio
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from codex7.api.admin_auth import Refusal
from codex7.api.payloads import error_body
from codex7.api.security import rejection
from codex7.errors import AuthError, Codex7Error

log = logging.getLogger("codex7.api")


class ApiError(Exception):
    """An answer other than success: HTTP status, error code, message for the caller."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        return json_error(self.status, self.code, self.message, self.headers)


def json_error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


Endpoint = Callable[[Request], Awaitable[Response]]
Authorize = Callable[[Request], Refusal | None]
Translate = Callable[[Exception], ApiError]


def guarded(
    handler: Endpoint, policy: TransportSecuritySettings, authorize: Authorize, translate: Translate
) -> Endpoint:
    """HANDLER behind the Host/Origin POLICY and AUTHORIZE; its exceptions become JSON errors.

    `translate` turns a Codex7Error (or an unexpected exception) into the API's answer; answers
    of 500 and above are logged, with the request ID, and a traceback for unexpected ones.
    """

    async def endpoint(request: Request) -> Response:
        refused = await rejection(request, policy)
        if refused:
            return json_error(403, "forbidden", refused)
        try:
            problem = await anyio.to_thread.run_sync(authorize, request)
            if problem:
                challenge = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
                return json_error(problem.status, problem.code, problem.message, challenge)
            return await handler(request)
        except ApiError as exc:
            return exc.response()
        except AuthError as exc:  # a service's refusal: another workspace's library, a scope
            return json_error(exc.status, exc.code, str(exc))
        except Exception as exc:
            answer = translate(exc)
            if answer.status >= 500:
                rid = getattr(request.state, "request_id", "-")
                if isinstance(exc, Codex7Error):
                    log.warning(
                        "%s %s failed (id=%s): %s", request.method, request.url.path, rid, exc
                    )
                else:
                    log.exception("%s %s failed (id=%s)", request.method, request.url.path, rid)
            return answer.response()

    return endpoint
