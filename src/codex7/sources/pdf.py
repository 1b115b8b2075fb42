"""PDF → Markdown: the text of each page under headings from the outline (bookmarks).

Every heading carries the page it starts on as an explicit anchor (`## Setup {#page=4}`), so a
chunk's source reads `manual.pdf#page=4`. A section that runs onto another page repeats its
heading with that page's anchor; pages before the first bookmark (or all pages, without an
outline) are headed `## Page N`.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Any

from codex7.sources.formats import UnreadableFile


@dataclass(frozen=True)
class OutlineEntry:
    title: str
    level: int  # 0 = top level
    page: int  # 1-based


def _walk_outline(reader: Any, items: list[Any], level: int) -> list[OutlineEntry]:
    out: list[OutlineEntry] = []
    for item in items:
        if isinstance(item, list):
            out += _walk_outline(reader, item, level + 1)
            continue
        try:
            index = reader.get_destination_page_number(item)
        except Exception:  # a bookmark to nowhere (or to another file) heads nothing
            continue
        title = " ".join(str(getattr(item, "title", "") or "").split())
        if title and index is not None and index >= 0:
            out.append(OutlineEntry(title, level, index + 1))
    return out


def _escape(text: str) -> str:
    """Page text is prose: a line that starts like a heading or a fence must not become one."""
    return re.sub(r"^([ \t]*)(#|```|~~~)", r"\1\\\2", text, flags=re.M)


def _find_title(text: str, title: str, start: int) -> tuple[int, int] | None:
    """Where the bookmark's title is printed on the page (from `start`), to the end of its line."""
    words = title.split()
    if not words:
        return None
    m = re.compile(r"\s+".join(re.escape(w) for w in words), re.I).search(text, start)
    if not m:
        return None
    end = text.find("\n", m.end())
    return m.start(), len(text) if end < 0 else end


def _heading(title: str, level: int, page: int) -> str:
    return f"{'#' * min(level + 2, 6)} {title} {{#page={page}}}"


def pages_to_markdown(
    pages: list[str], outline: list[OutlineEntry], title: str | None = None
) -> str:
    """Markdown for a document given its pages' text, its outline and its title; pure."""
    out: list[str] = [f"# {title}"] if title else []
    current: OutlineEntry | None = None
    headed_page = 0  # the page the last heading was written for

    def body(text: str, page: int) -> None:
        nonlocal headed_page
        text = text.strip()
        if not text:
            return
        if headed_page != page:
            if current is None:
                out.append(f"## Page {page} {{#page={page}}}")
            else:
                out.append(_heading(current.title, current.level, page))
            headed_page = page
        out.append(_escape(text))

    by_page: dict[int, list[OutlineEntry]] = {}
    for entry in outline:
        by_page.setdefault(entry.page, []).append(entry)
    for number, text in enumerate(pages, 1):
        text = text.replace("\r\n", "\n").replace("\x00", "")
        cursor = 0
        for entry in by_page.get(number, []):
            found = _find_title(text, entry.title, cursor)
            start, end = found if found else (cursor, cursor)
            body(text[cursor:start], number)
            out.append(_heading(entry.title, entry.level, number))
            current, headed_page = entry, number
            cursor = end
        body(text[cursor:], number)
    return "\n\n".join(out) + "\n"


def pdf_to_markdown(data: bytes) -> str:
    """The PDF in `data` as Markdown, or UnreadableFile saying why there is no text to index."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed-but-readable files are noisy
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFile("the PDF is encrypted with a password")
        pages = [page.extract_text() or "" for page in reader.pages]
        try:
            outline = _walk_outline(reader, reader.outline, 0)
        except PyPdfError:
            outline = []
        meta = reader.metadata
        title = " ".join(str(meta.title).split()) if meta and meta.title else None
    except UnreadableFile:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; each is a reason
        raise UnreadableFile(f"not a readable PDF: {exc}") from None
    if not any(p.strip() for p in pages):
        raise UnreadableFile("the PDF has no text layer (scanned pages need OCR)")
    outline.sort(key=lambda e: e.page)  # stable: bookmarks on one page keep their order
    return pages_to_markdown(pages, outline, title)
