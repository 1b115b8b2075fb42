"""Markdown/MDX (and reStructuredText) → heading-aware chunks that fit the embedder."""

from codex7.chunking.markdown import chunk_file

__all__ = ["chunk_file"]
