"""The garbage collector and a long-lived process's heap."""

from __future__ import annotations

import gc


def freeze() -> None:
    """Collect once, then keep every object alive now out of later collections.

    What a server loads before its first question (modules, a model, tokenizer tables) lives as
    long as the process. Left in the collector's care, each full collection walks all of it:
    ~20 ms pauses in a query here and there. Frozen, a collection walks only what queries made."""
    gc.collect()
    gc.freeze()
