"""Host/Origin checks: the DNS-rebinding protection the MCP SDK gives /mcp, for /api too.

A page on another site can make a browser send requests to a server on the user's machine or
network (DNS rebinding); the Host header then names that site, and a cross-site fetch carries its
Origin. Only the names the server is bound to, and loopback, are accepted.
"""

from __future__ import annotations

import functools
import socket
from collections.abc import Sequence

from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from starlette.requests import Request

from codex7.api.inputs import shown

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
WILDCARD = ("0.0.0.0", "::", "[::]", "")


@functools.cache
def machine_names() -> tuple[str, ...]:
    """This machine's host name and fully qualified name: what a team uses for a 0.0.0.0 bind."""
    names = {socket.gethostname(), socket.getfqdn()}
    return tuple(sorted(n for n in names if n))


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def transport_security(
    host: str, port: int, public: Sequence[str] = ()
) -> TransportSecuritySettings:
    """The Host/Origin policy for a server bound to HOST:PORT, for /mcp and /api alike.

    Allowed hosts: loopback and the bound host (for 0.0.0.0, this machine's names), with the port;
    an Origin, when a browser sends one, must be http(s):// one of them. PUBLIC names the server
    is reached by through a reverse proxy (CODEX7_ALLOWED_HOSTS: `docs.example.com`, or with a
    port, `docs.example.com:8443`) are allowed as they are.
    """
    names = [*LOOPBACK, *(machine_names() if host in WILDCARD else [_bracket(host)])]
    hosts = list(dict.fromkeys(f"{name}:{port}" for name in names))
    if port in (80, 443):
        hosts += list(dict.fromkeys(names))
    hosts += [h.strip().lower() for h in public if h.strip() and h.strip().lower() not in hosts]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts,
        allowed_origins=[f"{scheme}://{h}" for h in hosts for scheme in ("http", "https")],
    )


async def rejection(request: Request, policy: TransportSecuritySettings) -> str | None:
    """Why REQUEST's Host or Origin is refused under POLICY (the SDK's own matching), or None."""
    refused = await TransportSecurityMiddleware(policy).validate_request(request, is_post=False)
    if refused is None:
        return None
    allowed = ", ".join(policy.allowed_hosts)
    if refused.status_code == 421:
        return (
            f"Host {shown(request.headers.get('host', ''), 80)} is not allowed: this server "
            f"answers requests addressed to {allowed} (protection against DNS rebinding)"
        )
    return (
        f"Origin {shown(request.headers.get('origin', ''), 80)} is not allowed: browser pages "
        f"may call /api only from http:// or https:// one of {allowed}; clients outside a "
        "browser send no Origin header"
    )
