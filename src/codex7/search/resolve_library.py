"""Rank libraries for a loose name (`nextjs`, `Next.js`, `react docs`, `pydantic v1`); pure."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any, Protocol


class LibraryLike(Protocol):
    identifier: str
    org: str
    project: str
    name: str
    description: str
    trust_score: int


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


_NOISE = {"docs", "doc", "documentation", "library", "lib", "framework", "js", "api", "the", "for"}
_VERSIONISH = re.compile(r"^v?\d+(\.\d+)*(\.x)?$", re.I)


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[\s/@,;:]+", text.lower()) if t]


def name_score(query: str, lib: LibraryLike) -> float:
    """0..100: exact ID/project/name, then prefix, token and fuzzy similarity."""
    q = query.strip()
    if not q:
        return 0.0
    tokens = [t for t in _tokens(q) if not _VERSIONISH.match(t)]
    core = [t for t in tokens if t not in _NOISE] or tokens
    nq = _norm("".join(core))
    if not nq:
        return 0.0
    names = {_norm(lib.project), _norm(lib.name), _norm(lib.org + lib.project)}
    if q.lower() == lib.identifier.lower() or nq in names:
        return 100.0
    if _norm(q) == _norm(lib.identifier):
        return 100.0
    project = _norm(lib.project)
    name = _norm(lib.name)
    best = 0.0
    for cand in (project, name):
        if cand and (cand.startswith(nq) or nq.startswith(cand)):
            best = max(best, 80.0 * min(len(nq), len(cand)) / max(len(nq), len(cand)) + 10)
    if any(_norm(t) in (project, name, _norm(lib.org)) for t in core):
        best = max(best, 75.0)
    ratio = (
        max(SequenceMatcher(None, nq, c).ratio() for c in (project, name) if c)
        if (project or name)
        else 0
    )
    if ratio >= 0.6:
        best = max(best, 60.0 * ratio)
    return best


def query_score(query: str | None, description: str) -> float:
    if not query:
        return 0.0
    words = {w for w in re.findall(r"[a-z0-9]{3,}", query.lower()) if w not in _NOISE}
    if not words:
        return 0.0
    desc = set(re.findall(r"[a-z0-9]{3,}", description.lower()))
    return 10.0 * len(words & desc) / len(words)


def rank_libraries(
    libraries: list[Any], name: str, query: str | None, snippets: dict[str, int] | None = None
) -> list[Any]:
    """Libraries that match `name`, best first; ties go to snippet count, then trust score."""
    snippets = snippets or {}
    scored = []
    for lib in libraries:
        s = name_score(name, lib)
        if s <= 0:
            continue
        scored.append(
            (
                s + query_score(query, lib.description),
                snippets.get(lib.identifier, 0),
                lib.trust_score,
                lib,
            )
        )
    scored.sort(key=lambda t: (-t[0], -t[1], -t[2], t[3].identifier))
    return [t[3] for t in scored]
