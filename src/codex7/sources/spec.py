"""Telling a documentation website from a git remote in what the user typed (light: no crawler)."""

from __future__ import annotations

from urllib.parse import urlsplit

from codex7.sources.git import FORGES

PREFIX = "web:"


def website_url(spec: str, ref: str | None = None) -> str | None:
    """The URL to crawl if `spec` names a website, else None (a git remote or a folder).

    `web:https://…` is always a website. Otherwise an http(s) URL is a website unless a ref
    is given, it ends in `.git`, or it is a forge's `/owner/repo` (github.com/encode/httpx)."""
    if spec.startswith(PREFIX):
        return spec[len(PREFIX) :]
    if ref is not None or not spec.startswith(("http://", "https://")):
        return None
    parts = urlsplit(spec)
    path = parts.path.rstrip("/")
    if path.endswith(".git"):
        return None
    host = (parts.hostname or "").removeprefix("www.")
    if host in FORGES and len([s for s in path.split("/") if s]) == 2:
        return None
    return spec
