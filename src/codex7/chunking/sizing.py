"""Splitting prose that is too big for one chunk, sized by the embedder's own counter."""

from __future__ import annotations

from codex7.tokens import Counter


def split_prose(text: str, budget: int, count: Counter) -> list[str]:
    """Split an oversized paragraph by sentences with LlamaIndex, sized by our own counter."""
    from llama_index.core.node_parser import SentenceSplitter

    splitter = SentenceSplitter(
        chunk_size=max(budget, 16),
        chunk_overlap=0,
        tokenizer=lambda s: [0] * count(s),
        paragraph_separator="\n\n",
    )
    return [p for p in splitter.split_text(text) if p.strip()]
