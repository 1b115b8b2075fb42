"""Token counting with tiktoken, offline: the cl100k/o200k files ship inside llama-index-core.

The files are found on disk without importing LlamaIndex (seconds of imports): the query path
counts tokens and must stay light.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

Counter = Callable[[str], int]

_BUNDLED = Path("core", "_static", "tiktoken_cache")  # inside the llama_index namespace package


def bundled_tiktoken_cache() -> Path | None:
    """llama-index-core's folder of tiktoken files, found without importing the package."""
    spec = importlib.util.find_spec("llama_index")  # a namespace package: nothing is executed
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / _BUNDLED
        if folder.is_dir():
            return folder
    return None


def ensure_tiktoken_offline() -> None:
    """Point tiktoken at llama-index-core's bundled files, unless the user chose a folder."""
    if os.environ.get("TIKTOKEN_CACHE_DIR"):
        return
    folder = bundled_tiktoken_cache()
    if folder is not None:
        os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)


@cache
def tiktoken_counter(encoding: str = "cl100k_base") -> Counter:
    ensure_tiktoken_offline()
    import tiktoken

    enc = tiktoken.get_encoding(encoding)
    return lambda text: len(enc.encode(text, disallowed_special=()))
