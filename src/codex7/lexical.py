"""Code identifiers in docs and questions, kept whole for the lexical index; pure.

PostgreSQL's parser cuts `model_config` into `model` and `config` and `--host` into `host`;
an identifier is also indexed as one lexeme, lowercased with its punctuation removed
(`model_config` → `modelconfig`, `useEffect` → `useeffect`, `app.get()` → `appget`), so a
question naming it matches the chunks that name it, and rare names weigh what they should.
"""

from __future__ import annotations

import re

from codex7.fences import protect_code

_INLINE_CODE = re.compile(r"(`+)([^`\n]+?)\1")
# camelCase, PascalCase with an inner capital, snake_case, dotted.names, calls(), --flags,
# namespaced names (`class:list`, `client:load`, `v-on:click`, `node:fs`, `a:hover`)
_CODEISH = re.compile(
    r"(?<![\w-])(?:--?[a-z][\w-]+|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?:\(\))?"
    r"|[a-z$][a-z0-9$]*[A-Z][\w$]*(?:\(\))?|[A-Z][a-z0-9]+[A-Z][\w]*(?:\(\))?"
    r"|[A-Za-z][A-Za-z0-9]*_[\w]+(?:\(\))?|[A-Za-z_]\w*\(\)"
    r"|[a-z][\w-]*:[a-z][\w-]*(?![\w:]))"
)
_WORDISH = re.compile(r"[A-Za-z_$@-][\w$.@/-]*(?::[A-Za-z][\w-]*)?")
MAX_PER_CHUNK = 60
MIN_LENGTH = 3


def normalize(identifier: str) -> str:
    """`model_config` → `modelconfig`; the form both the index and the query use."""
    return re.sub(r"[^a-z0-9]", "", identifier.lower())


def _keep(found: dict[str, None], raw: str) -> None:
    key = normalize(raw.removesuffix("()"))
    if len(key) >= MIN_LENGTH and not key.isdigit():
        found.setdefault(key, None)


def document_identifiers(title: str, content: str) -> str:
    """Space-separated normalised identifiers of a chunk: backticked spans in its heading and
    prose, and code-shaped names (dotted, snake_case, camelCase, calls, flags) in its code."""
    found: dict[str, None] = {}
    prose, fences = protect_code(content)
    for text in (title, prose):
        for m in _INLINE_CODE.finditer(text):
            span = m[2].strip()
            if len(span) <= 60:
                for word in _WORDISH.findall(span):
                    _keep(found, word)
        for m in _CODEISH.finditer(_INLINE_CODE.sub(" ", text)):
            _keep(found, m[0])
    for fence in fences:
        for line in fence.body:
            for m in _CODEISH.finditer(line):
                _keep(found, m[0])
                if len(found) >= MAX_PER_CHUNK:
                    break
    return " ".join(list(found)[:MAX_PER_CHUNK])


def query_identifiers(query: str) -> list[str]:
    """Normalised identifiers a question names: backticked words and code-shaped names."""
    found: dict[str, None] = {}
    for m in _INLINE_CODE.finditer(query):
        for word in _WORDISH.findall(m[2]):
            _keep(found, word)
    for m in _CODEISH.finditer(_INLINE_CODE.sub(" ", query)):
        _keep(found, m[0])
    return list(found)
