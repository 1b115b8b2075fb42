"""Token counting with tiktoken, offline: the cl100k/o200k files ship inside llama-index-core."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

Counter = Callable[[str], int]


def ensure_tiktoken_offline() -> None:
    """Point tiktoken at llama-index-core's bundled files, unless the user chose a folder."""
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
