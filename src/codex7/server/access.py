"""Request IDs and the access log: ASGI middleware for every HTTP request of the web app.

A request keeps the `X-Request-ID` it brings (when it is a short token) or gets a new one; the
response echoes it, and one INFO line on the `codex7.access` logger records the request when
its response ends. The line holds the path without its query string, so no key or query text
reaches the log.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from codex7.api.inputs import one_line

HEADER = "x-request-id"
_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,128}")

log = logging.getLogger("codex7.access")


def request_id(scope: Scope) -> str:
    """The caller's X-Request-ID when it is a plain token (letters, digits, `._:-`), else a new one."""
    for name, value in scope.get("headers", []):
        if name == HEADER.encode():
            text = value.decode("latin-1")
            if _TOKEN.fullmatch(text):
                return text
    return uuid.uuid4().hex


def access_line(client: str, method: str, path: str, status: int, millis: float, rid: str) -> str:
    """One access-log line; control characters in the path are written as escapes."""
    return f"{client} {method} {one_line(path)} {status} {millis:.0f}ms id={rid}"


class RequestContext:
    """Sets `request.state.request_id`, echoes it as X-Request-ID, logs the request at its end."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.monotonic()
        status = 500  # what the client gets if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != HEADER.encode()]
                message = {**message, "headers": [*headers, (HEADER.encode(), rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            client: Any = scope.get("client") or ("-", 0)
            millis = (time.monotonic() - started) * 1000
            log.info(access_line(client[0], scope["method"], scope["path"], status, millis, rid))
