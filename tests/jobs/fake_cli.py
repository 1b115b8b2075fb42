"""`codex7` with the test embedders registered, for tests that need a separate process:
`python -m tests.jobs.fake_cli worker` (with CODEX7_EMBEDDING_PROVIDER=fake or slow).

slow: FakeEmbedder that sleeps CODEX7_TEST_EMBED_DELAY seconds per batch (a model at work).
"""

from __future__ import annotations

import os
import signal
import time

import numpy as np

from codex7.cli import main
from codex7.embeddings.registry import register_provider
from tests.fakes import FakeEmbedder


class SlowEmbedder(FakeEmbedder):
    """The fake's vectors (same space, same values), slowly."""

    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        time.sleep(self.delay)
        return super().embed_batch(texts)


def register() -> None:
    delay = float(os.environ.get("CODEX7_TEST_EMBED_DELAY", "0.5"))
    register_provider("fake", lambda settings: FakeEmbedder())
    register_provider("slow", lambda settings: SlowEmbedder(delay))


if __name__ == "__main__":
    # Ctrl-C as at a terminal, even when the test run itself was started in the background
    # (a shell without job control starts background commands with SIGINT ignored, and Python
    # then never raises KeyboardInterrupt).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    register()
    main()
