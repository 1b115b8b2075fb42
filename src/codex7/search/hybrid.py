"""What a question asks of one version's candidates: the code identifiers it names and the
library's own words it should not be ranked on (pure; the candidate lists themselves are
codex7.store.candidates)."""

from __future__ import annotations

import re

_BACKTICKED = re.compile(r"`([^`\s][^`]*?)`")
_CODEISH = re.compile(
    r"\b(?:[a-z]+[A-Z][A-Za-z0-9]*|[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*|[A-Za-z]+_[A-Za-z0-9_]+"
    r"|[A-Za-z_][\w]*\.[A-Za-z_][\w.]*|[A-Za-z_]\w*\(\)|[a-z][\w-]*:[a-z][\w-]*(?![\w:]))"
)
_CAPITALISED = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]+[A-Za-z0-9]*\b")


def identifiers(query: str) -> list[str]:
    """Code-like names in a query: `backticked`, camelCase, snake_case, dotted.names, calls(),
    namespaced names (class:list), and Capitalised words inside a sentence (`Depends`,
    `StaticFiles`)."""
    found = [m.strip("()") for m in _BACKTICKED.findall(query)]
    rest = _BACKTICKED.sub(" ", query)
    found += [m.removesuffix("()") for m in _CODEISH.findall(rest)]
    found += _CAPITALISED.findall(rest.strip())
    seen: dict[str, None] = {}
    for f in found:
        f = f.strip().strip(".,:;?!")
        if len(f) >= 3 and f.lower() not in seen:
            seen[f] = None
    return list(seen)


def name_words(name: str, project: str, org: str) -> set[str]:
    """How a query names the library itself: its name, the name without a suffix ("Vue" for
    Vue.js) and the project or org when they spell the name ("fastapi", "reactjs"), not
    generic ones ("docs", "website")."""
    stem = re.sub(r"\.(js|dev|io|py)$", "", name.strip(), flags=re.IGNORECASE)
    key = re.sub(r"[^a-z0-9]", "", stem.lower())
    words = {name, stem}
    for other in (project, org):
        if key and re.sub(r"[^a-z0-9]", "", other.lower()).startswith(key):
            words.add(other)
    return {w for w in words if w}


def without_words(query: str, words: set[str]) -> str:
    """The query minus the library's own names ("fastapi", "next.js"): every chunk of the
    library is about it, so in full-text rank those words only reward pages that repeat the
    name. The query itself if nothing else would be left."""
    rest = query
    for w in sorted(words, key=len, reverse=True):
        if len(w) >= 2:
            rest = re.sub(
                rf"(?<![\w.-]){re.escape(w)}(?![\w-]|\.\w)", " ", rest, flags=re.IGNORECASE
            )
    return rest if re.search(r"\w", rest) else query
