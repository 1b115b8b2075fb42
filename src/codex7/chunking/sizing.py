"""Token counting and greedy packing of blocks into chunks that fit a token budget."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

Counter = Callable[[str], int]


def ensure_tiktoken_offline() -> None:
    """Point tiktoken at the cl100k/o200k files llama-index-core ships, unless the user chose a dir."""
    if os.environ.get("TIKTOKEN_CACHE_DIR"):
        return
    import llama_index.core

    cache_dir = Path(llama_index.core.__file__).parent / "_static" / "tiktoken_cache"
    if cache_dir.is_dir():
        os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)


@cache
def tiktoken_counter(encoding: str = "cl100k_base") -> Counter:
    ensure_tiktoken_offline()
    import tiktoken

    enc = tiktoken.get_encoding(encoding)
    return lambda text: len(enc.encode(text, disallowed_special=()))


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
