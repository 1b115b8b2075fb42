"""Content hashes: equal text is embedded once, whatever library or version it came from."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def normalize(text: str) -> str:
    """Line endings and trailing spaces don't change what a chunk means."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def content_hash(text: str) -> str:
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()


def split_known(hashes: Iterable[str], known: Iterable[str]) -> list[str]:
    """The distinct hashes that still need an embedding, in first-seen order."""
    have = set(known)
    todo: list[str] = []
    seen: set[str] = set()
    for h in hashes:
        if h not in have and h not in seen:
            seen.add(h)
            todo.append(h)
    return todo
