"""Markdown/MDX → chunks: LlamaIndex's MarkdownNodeParser for sections, then a fence-aware packer.

Code blocks are swapped for placeholder lines before parsing, so `#` comments in code (or `~~~`
fences, which the parser does not know) never become headings, and no fence is ever cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from llama_index.core import Document
from llama_index.core.node_parser import MarkdownNodeParser

from codex7.chunking.mdx import clean_markup, has_words, split_front_matter
from codex7.chunking.sizing import Counter, split_prose
from codex7.fences import PLACEHOLDER, Fence, protect_code, restore_code, split_fence
from codex7.records import Chunk, SourceFile

_SEP = "\x1f"  # header_path separator that cannot occur in a heading
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# `{#page=4}` is how PDF pages are anchored (sources/pdf.py).
_EXPLICIT_ANCHOR = re.compile(r"\s*\{\s*#([\w:.=-]+)\s*\}\s*$|\s*\{/\*\s*#?([\w:.-]+)\s*\*/\}\s*$")
_BADGE = re.compile(r"<[A-Za-z][^<>]*/>|<a\s+name=[^>]*>\s*</a>")
MIN_BUDGET = 48


def clean_heading(raw: str) -> tuple[str, str | None]:
    """Heading text as written minus anchors and badges, and its explicit anchor if any."""
    anchor = None
    m = _EXPLICIT_ANCHOR.search(raw)
    if m:
        anchor = m[1] or m[2]
        raw = raw[: m.start()]
    text = _BADGE.sub("", raw)
    text = re.sub(r"\s+(?:\\\*){1,2}$", "", text)  # Vue API-preference markers
    return re.sub(r"\s+", " ", text).strip(), anchor


def slugify(heading: str) -> str:
    """GitHub-style anchor for a heading."""
    text = re.sub(r"[`*_~\[\]()]", "", heading.lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.strip().replace(" ", "-")


@dataclass
class _Section:
    hierarchy: list[str]
    anchor: str | None
    body: str  # prose with code placeholders


def _sections(prose: str, page_title: str | None) -> list[_Section]:
    parser = MarkdownNodeParser(header_path_separator=_SEP, include_prev_next_rel=False)
    nodes = parser.get_nodes_from_documents([Document(text=prose)])
    has_h1 = any(_HEADING.match(line) and line.startswith("# ") for line in prose.split("\n"))
    root = [page_title] if page_title and not has_h1 else []
    sections: list[_Section] = []
    for node in nodes:
        text = node.get_content()
        ancestors = [
            clean_heading(h)[0] for h in str(node.metadata.get("header_path", "")).split(_SEP) if h
        ]
        first, _, rest = text.partition("\n")
        m = _HEADING.match(first)
        if m:
            heading, anchor = clean_heading(m[2])
            hierarchy = root + ancestors + [heading]
            sections.append(_Section(hierarchy, anchor or slugify(heading), rest.strip("\n")))
        else:
            sections.append(_Section(root + ancestors, None, text.strip("\n")))
    return sections


def _blocks(body: str, fences: list[Fence]) -> list[str | Fence]:
    """Paragraphs (split on blank lines) and whole code blocks, in order."""
    out: list[str | Fence] = []
    para: list[str] = []

    def flush() -> None:
        if para and "".join(para).strip():
            out.append("\n".join(para).strip("\n"))
        para.clear()

    for line in body.split("\n"):
        m = PLACEHOLDER.match(line)
        if m:
            flush()
            out.append(fences[int(m[1])])
        elif not line.strip():
            flush()
        else:
            para.append(line)
    flush()
    return out


def _pack(blocks: list[str | Fence], budget: int, count: Counter) -> list[str]:
    pieces: list[str] = []
    for block in blocks:
        text = block.text if isinstance(block, Fence) else block
        if count(text) <= budget:
            pieces.append(text)
        elif isinstance(block, Fence):
            pieces.extend(split_fence(block, budget, count))
        else:
            pieces.extend(split_prose(block, budget, count))
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for piece in pieces:
        cost = count(piece) + 1
        if current and used + cost > budget:
            chunks.append("\n\n".join(current))
            current, used = [], 0
        current.append(piece)
        used += cost
    if current:
        chunks.append("\n\n".join(current))
    return chunks


def _code_info(text: str) -> tuple[bool, str | None]:
    _, fences = protect_code(text)
    langs = [f.language for f in fences if f.language]
    return bool(fences), (langs[0] if langs else None)


def chunk_file(
    file: SourceFile, *, max_tokens: int, count: Counter, fallback_title: str | None = None
) -> list[Chunk]:
    """Split one document into chunks of at most `max_tokens` (title included), in file order."""
    text = file.text.replace("\r\n", "\n")
    if file.path.lower().endswith(".rst"):
        from codex7.chunking.rst import rst_to_markdown

        text = rst_to_markdown(text)
    meta, text = split_front_matter(text)
    prose, fences = protect_code(text)
    suffix = file.path.lower().rsplit(".", 1)[-1]
    if suffix in ("md", "mdx", "markdown", "ipynb"):
        prose = clean_markup(prose, mdx=suffix == "mdx")
    page_title = meta.get("title") or fallback_title
    sections = _sections(prose, page_title)

    chunks: list[Chunk] = []
    pending_heading: list[str] = []  # heading-only sections wait for the next body
    for section in sections:
        body = section.body.strip()
        if not body or not has_words(restore_code(body, fences)):
            if section.hierarchy:
                pending_heading = section.hierarchy
            continue
        hierarchy = section.hierarchy or ([page_title] if page_title else [])
        if pending_heading and hierarchy[: len(pending_heading)] != pending_heading:
            # A sibling follows an empty heading: keep that heading as the first line of text.
            body = f"{'#' * min(len(pending_heading), 6)} {pending_heading[-1]}\n\n{body}"
        pending_heading = []
        title = " > ".join(hierarchy)
        budget = max(max_tokens - count(title) - 2, MIN_BUDGET)
        for content in _pack(_blocks(body, fences), budget, count):
            if not has_words(content):
                continue
            has_code, lang = _code_info(content)
            url = file.url
            if url and section.anchor:
                url = f"{url}#{section.anchor}"
            elif section.anchor and section.anchor.startswith("page="):
                url = f"{file.path}#{section.anchor}"  # a PDF page is a place even offline
            chunks.append(
                Chunk(
                    path=file.path,
                    chunk_index=len(chunks),
                    title=title,
                    hierarchy=list(hierarchy),
                    content=content,
                    token_count=count(f"{title}\n\n{content}"),
                    url=url,
                    has_code=has_code,
                    code_language=lang,
                    metadata={"anchor": section.anchor} if section.anchor else {},
                )
            )
    return chunks
