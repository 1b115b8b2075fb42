"""Who is using the web UI, and whether a request may change anything.

Signing in stores the key the user typed in a cookie: HttpOnly (page scripts cannot read it),
SameSite=Strict (no other site's page can make the browser send it), scoped to /ui, and Secure
when the page came over https. Every request resolves it with services.auth.principal_for_key,
so a revoked key stops working at once. Without a cookie the user is whoever no key is
(anonymous read when no API keys are configured).

Cross-site request forgery: besides SameSite=Strict, every POST must carry an Origin header
naming this server (the Host/Origin policy of /mcp and /api); a browser always sends one on a
form POST, so a missing Origin is refused too.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import Response

KEY_COOKIE = "codex7_key"
FLASH_COOKIE = "codex7_flash"
COOKIE_PATH = "/ui"
MAX_KEY = 512  # characters of a key typed into the sign-in form


def presented_key(request: Request) -> str | None:
    key = request.cookies.get(KEY_COOKIE, "").strip()
    return key or None


def set_key(response: Response, request: Request, key: str) -> None:
    response.set_cookie(
        KEY_COOKIE,
        key,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_key(response: Response) -> None:
    response.delete_cookie(KEY_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")


def set_flash(response: Response, request: Request, message: str) -> None:
    """A one-line notice for the next page (after a POST's redirect)."""
    response.set_cookie(
        FLASH_COOKIE,
        message[:300],
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def take_flash(request: Request, response: Response) -> None:
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")


def flash(request: Request) -> str | None:
    return request.cookies.get(FLASH_COOKIE) or None


async def refusal(request: Request, policy: TransportSecuritySettings) -> str | None:
    """Why this request's Host or Origin is refused (DNS rebinding, cross-site POST), or None."""
    checker = TransportSecurityMiddleware(policy)
    refused = await checker.validate_request(request, is_post=False)
    if refused is not None:
        if refused.status_code == 421:
            return (
                "This server does not answer to the host name in the address bar (protection "
                f"against DNS rebinding); use one of {', '.join(policy.allowed_hosts)}."
            )
        return "This page was submitted from another site; changes are accepted only from this server's own pages."
    if request.method == "POST":
        origin = request.headers.get("origin", "")
        if not origin or urlsplit(origin).netloc != request.headers.get("host", ""):
            return (
                "The form was not sent from this server's own page (its Origin header is "
                "missing or names another site); submit it from this server's pages in a browser."
            )
    return None


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path under /ui on this server, never another site."""
    if not target:
        return "/ui"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/ui") or "\\" in target:
        return "/ui"
    return target
