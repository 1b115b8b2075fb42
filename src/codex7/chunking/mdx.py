"""MDX and front matter clean-up, applied to prose only (code is hidden by then)."""

from __future__ import annotations

import re

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?\n)---[ \t]*(?:\n|\Z)", re.S)
_IMPORT_EXPORT = re.compile(r"^(import|export)\s[^\n]*(?:\n(?![ \t]*\n)[^\n]*)*", re.M)
_JSX_COMMENT = re.compile(r"\{/\*.*?\*/\}", re.S)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"</?[A-Za-z][\w.:-]*(?:\s+(?:[^<>\"'{}]|\"[^\"]*\"|'[^']*'|\{[^{}]*\})*)?\s*/?>")
_ADMONITION = re.compile(r"^\s*:::+\s*[\w-]*(?:\[[^\]]*\])?\s*$", re.M)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Top-level `key: value` pairs of a YAML front matter block, and the text after it."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    meta: dict[str, str] = {}
    for line in m["body"].splitlines():
        kv = re.match(r"^([A-Za-z_][\w-]*):\s*(.*)$", line)
        if kv and kv[2]:
            meta[kv[1]] = kv[2].strip().strip("'\"")
    return meta, text[m.end() :]


_INLINE_CODE = re.compile(r"(`+)[^`\n]+?\1")


def _strip_tags(prose: str) -> str:
    """Remove tags outside inline code spans: `<Link>` in backticks is content, not markup."""
    out, last = [], 0
    for m in _INLINE_CODE.finditer(prose):
        out.append(_TAG.sub("", prose[last : m.start()]))
        out.append(m[0])
        last = m.end()
    out.append(_TAG.sub("", prose[last:]))
    return "".join(out)


def clean_markup(prose: str, *, mdx: bool) -> str:
    """Drop comments and JSX/HTML tags (keeping the text inside them); for MDX also import/export."""
    if mdx:
        prose = _IMPORT_EXPORT.sub("", prose)
        prose = _JSX_COMMENT.sub("", prose)
    prose = _HTML_COMMENT.sub("", prose)
    prose = _ADMONITION.sub("", prose)
    prose = _strip_tags(prose)
    return re.sub(r"\n{3,}", "\n\n", prose)


def has_words(text: str) -> bool:
    """Chunks that are only markup or punctuation carry nothing worth retrieving."""
    return re.search(r"[A-Za-z0-9]", text) is not None
