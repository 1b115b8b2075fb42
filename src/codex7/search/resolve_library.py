"""Rank libraries for a loose name (`nextjs`, `fast api python`, `vue 3`, `pydnatic`); pure.

A library is known by its name, its org and its project, each with spacing and punctuation
ignored and a known affix (`withastro`, `honojs`, `react.dev`) removable. The query's words are
matched alone and run together ("sql model" → sqlmodel); noise words and versions count little.
"""

from __future__ import annotations

import re
from typing import Any, Protocol


class LibraryLike(Protocol):
    identifier: str
    org: str
    project: str
    name: str
    description: str
    trust_score: int


# Names that say nothing about which library it is (`/vuejs/docs`, `/honojs/website`).
GENERIC = {"docs", "doc", "documentation", "website", "site", "www", "web", "homepage"}
AFFIXES = ("with", "js", "dev", "hq", "labs", "io", "org", "team")
NOISE = {
    "docs",
    "doc",
    "documentation",
    "library",
    "lib",
    "framework",
    "web",
    "python",
    "js",
    "javascript",
    "typescript",
    "api",
    "official",
    "reference",
    "the",
    "for",
}
_VERSIONISH = re.compile(r"^(v?\d+[a-z]?|\d*x)$")
_MAX_SPAN = 4  # words run together: "fast api" → fastapi


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _variants(key: str) -> set[str]:
    """The key without one known affix at either end ("withastro" → "astro", "honojs" → "hono")."""
    out = set()
    for affix in AFFIXES:
        if key.startswith(affix) and len(key) - len(affix) >= 3:
            out.add(key[len(affix) :])
        if key.endswith(affix) and len(key) - len(affix) >= 3:
            out.add(key[: -len(affix)])
    return out


def _library_keys(lib: LibraryLike) -> dict[str, float]:
    """Normalised key → weight; the org weighs less, as it may hold several projects."""
    keys: dict[str, float] = {}

    def add(key: str, weight: float) -> None:
        if len(key) >= 2 and key not in GENERIC:
            keys[key] = max(keys.get(key, 0.0), weight)

    org, project = _norm(lib.org), _norm(lib.project)
    for key, weight in ((_norm(lib.name), 1.0), (project, 1.0), (org, 0.9)):
        add(key, weight)
        for variant in _variants(key):
            add(variant, weight * 0.95)
    if project not in GENERIC:
        add(org + project, 1.0)
    return keys


def _osa_distance(a: str, b: str) -> int:
    """Edit distance counting a swap of neighbours as one edit ("pydnatic" → "pydantic")."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _match(span: str, key: str, single: bool) -> float:
    """0..1: how well a span of the query names the key."""
    if span == key:
        return 1.0
    if key in _variants(span) or (span.rstrip("0123456789") == key and len(key) >= 2):
        return 0.9  # "astrojs" for astro, "vue3" for vue
    if not single:
        return 0.0  # run-together words must spell the key exactly
    short, long = sorted((span, key), key=len)
    if len(short) >= 3 and long.startswith(short):
        return 0.55 + 0.35 * len(short) / len(long)
    if len(short) >= 4:
        distance = _osa_distance(span, key)
        similarity = 1 - distance / len(long)
        if distance <= 2 and similarity >= 0.75:
            return 0.8 * similarity
        if short in long:
            return 0.5
    return 0.0


def _importance(token: str) -> float:
    if _VERSIONISH.match(token):
        return 0.0
    if token in NOISE:
        return 0.3
    return 0.1 if len(token) == 1 else 1.0


def name_score(query: str, lib: LibraryLike) -> float:
    """0..100: how much of the query the library's names account for; 0 is no match."""
    q = query.strip()
    if not q:
        return 0.0
    if q.lower().rstrip("/") == lib.identifier.lower() or _norm(q) == _norm(lib.identifier):
        return 100.0
    tokens = [t for t in re.split(r"[^a-z0-9]+", q.lower()) if t]
    weights = [_importance(t) for t in tokens]
    total = sum(weights)
    if total == 0:  # only versions: match the query as it stands
        tokens, weights, total = [_norm(q)], [1.0], 1.0
    keys = _library_keys(lib)
    matches = []  # (value, start, end)
    for start in range(len(tokens)):
        for end in range(start + 1, min(start + _MAX_SPAN, len(tokens)) + 1):
            importance = sum(weights[start:end])
            if importance == 0:
                continue
            span = "".join(tokens[start:end])
            best = max((_match(span, k, end - start == 1) * w for k, w in keys.items()), default=0)
            if best > 0:
                matches.append((best * importance, start, end))
    # Greedy cover: the strongest spans that do not overlap.
    used: set[int] = set()
    raw = 0.0
    for value, start, end in sorted(matches, reverse=True):
        if used.isdisjoint(range(start, end)):
            used.update(range(start, end))
            raw += value
    return 100.0 * min(1.0, raw / total)


def query_score(query: str | None, description: str) -> float:
    if not query:
        return 0.0
    words = {w for w in re.findall(r"[a-z0-9]{3,}", query.lower()) if w not in NOISE}
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
                round(s + query_score(query, lib.description), 6),
                snippets.get(lib.identifier, 0),
                lib.trust_score,
                lib,
            )
        )
    scored.sort(key=lambda t: (-t[0], -t[1], -t[2], t[3].identifier))
    return [t[3] for t in scored]
