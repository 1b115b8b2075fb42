"""Ranked chunks → snippets under a token budget: complete thoughts, merged, no duplicates; pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from codex7.store.candidates import Doc

MIN_TOKENS, MAX_TOKENS = 1000, 100_000


def clamp_tokens(tokens: int | None, default: int = 5000) -> int:
    """Context7's budget rule: out-of-range values are clamped, not rejected."""
    if tokens is None:
        return default
    return max(MIN_TOKENS, min(MAX_TOKENS, int(tokens)))


@dataclass
class Snippet:
    docs: list[Doc] = field(default_factory=list)

    @property
    def first(self) -> Doc:
        return self.docs[0]

    @property
    def title(self) -> str:
        return self.first.title

    @property
    def path(self) -> str:
        return self.first.source_path

    @property
    def url(self) -> str | None:
        return self.first.source_url

    @property
    def indexes(self) -> list[int]:
        return [d.chunk_index for d in self.docs]

    @property
    def content(self) -> str:
        """The chunks' text; where a chunk of a subsection starts, its heading (below the
        snippet's own, which the title gives)."""
        head = self.first.hierarchy
        parts: list[str] = []
        title = self.first.title
        for d in self.docs:
            if d.title != title:
                title = d.title
                below = (
                    d.hierarchy[len(head) :] if d.hierarchy[: len(head)] == head else d.hierarchy
                )
                parts.append("#### " + " > ".join(below or [d.title]))
            parts.append(d.content)
        return "\n\n".join(parts)


def _starts_with_code(doc: Doc) -> bool:
    return doc.content.lstrip().startswith(("```", "~~~"))


def _same_section(a: Doc, b: Doc | None) -> bool:
    return b is not None and a.source_path == b.source_path and a.title == b.title


def group(ranked: list[Doc], around: dict[int, Doc]) -> list[Snippet]:
    """One snippet per hit, completed by its neighbours where that finishes a thought
    (prose before its code, the code after its prose), merged with adjacent hits of the
    same section, duplicates of already-taken text dropped. Order: best hit first."""
    by_index = {d.chunk_index: d for d in ranked} | around
    snippets: list[Snippet] = []
    taken: set[int] = set()
    seen_hashes: set[str] = set()
    for hit in ranked:
        if hit.chunk_index in taken or hit.content_hash in seen_hashes:
            continue
        docs = [hit]
        prev, nxt = by_index.get(hit.chunk_index - 1), by_index.get(hit.chunk_index + 1)
        if _starts_with_code(hit) and _same_section(hit, prev) and prev.chunk_index not in taken:  # type: ignore[union-attr]
            docs.insert(0, prev)  # type: ignore[arg-type]
        if (
            nxt
            and not hit.has_code
            and _starts_with_code(nxt)
            and _same_section(hit, nxt)
            and nxt.chunk_index not in taken
        ):
            docs.append(nxt)
        merged = False
        for snip in snippets:
            if _same_section(snip.first, hit) and (
                min(d.chunk_index for d in docs) == max(snip.indexes) + 1
                or max(d.chunk_index for d in docs) == min(snip.indexes) - 1
            ):
                snip.docs = sorted(snip.docs + docs, key=lambda d: d.chunk_index)
                merged = True
                break
        if not merged:
            snippets.append(Snippet(docs))
        for d in docs:
            taken.add(d.chunk_index)
            seen_hashes.add(d.content_hash)
    return snippets


def fill(blocks: list[str], budget: int, count: Callable[[str], int], separator: str) -> list[int]:
    """Indexes of the blocks that fit, in order, skipping any too big for what is left."""
    chosen: list[int] = []
    used = 0
    sep_cost = count(separator)
    for i, block in enumerate(blocks):
        cost = count(block) + (sep_cost if chosen else 0)
        if used + cost <= budget:
            chosen.append(i)
            used += cost
    return chosen
