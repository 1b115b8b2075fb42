"""Jupyter notebooks → Markdown: Markdown cells as prose, code cells fenced in the kernel's
language, outputs dropped. Read as JSON (nbformat 4, and 3's worksheets), no Jupyter needed."""

from __future__ import annotations

import json
from typing import Any

from codex7.sources.directives import fenced
from codex7.sources.formats import UnreadableFile


def _source(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def kernel_language(meta: dict[str, Any]) -> str:
    """The notebook's language: kernelspec, then language_info, then nbformat 3's `language`."""
    for holder, key in (("kernelspec", "language"), ("language_info", "name")):
        value = meta.get(holder)
        if isinstance(value, dict) and isinstance(value.get(key), str) and value[key]:
            return str(value[key]).lower()
    language = meta.get("language")
    return language.lower() if isinstance(language, str) and language else "python"


def notebook_to_markdown(text: str) -> str:
    """The notebook in `text` as Markdown, or UnreadableFile saying what is wrong with it."""
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(f"not a notebook: invalid JSON ({exc})") from None
    if not isinstance(nb, dict):
        raise UnreadableFile("not a notebook: the JSON is not an object")
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    if isinstance(nb.get("cells"), list):
        cells = nb["cells"]
    elif isinstance(nb.get("worksheets"), list):  # nbformat 3
        cells = [c for ws in nb["worksheets"] if isinstance(ws, dict) for c in ws.get("cells", [])]
    else:
        raise UnreadableFile("not a notebook: no cells")
    language = kernel_language(meta or {})
    parts: list[str] = []
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        kind = cell.get("cell_type")
        if kind == "markdown":
            parts.append(_source(cell.get("source")).strip())
        elif kind == "heading":  # nbformat 3
            level = cell["level"] if isinstance(cell.get("level"), int) else 1
            parts.append(f"{'#' * max(1, min(level, 6))} {_source(cell.get('source')).strip()}")
        elif kind == "code":
            code = _source(cell.get("source", cell.get("input"))).strip("\n")
            if code.strip():
                cell_language = (
                    cell.get("language") if isinstance(cell.get("language"), str) else None
                )
                parts.append(fenced(code, cell_language or language))
        # raw cells are for nbconvert, not readers
    return "\n\n".join(p for p in parts if p) + "\n"
