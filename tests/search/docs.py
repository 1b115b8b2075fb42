"""Chunks as the query flow sees them, made up for the pure search tests."""

from __future__ import annotations

from codex7.store.candidates import Doc


def doc(
    i: int,
    path: str = "a.md",
    hierarchy: tuple[str, ...] = ("A",),
    text: str = "",
    *,
    tokens: int = 100,
    url: str | None = None,
    has_code: bool = False,
    content_hash: str | None = None,
) -> Doc:
    """Chunk `i` of `path` (its chunk_index and id are both `i`)."""
    return Doc(
        id=i,
        chunk_index=i,
        source_path=path,
        source_url=url,
        title=" > ".join(hierarchy),
        hierarchy=list(hierarchy),
        content=text or f"chunk {i}",
        content_hash=content_hash or f"{i:064x}",
        has_code=has_code,
        code_language="python" if has_code else None,
        token_count=tokens,
    )
