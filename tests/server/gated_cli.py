"""`codex7` with a "gated" embedding provider, for start-up tests in a separate process:
`python -m tests.server.gated_cli serve` with CODEX7_EMBEDDING_PROVIDER=gated.

gated: the fake embedder, whose first use waits until the file CODEX7_TEST_GATE exists (a model
that is still loading, for as long as the test wants).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from codex7.cli import main
from codex7.embeddings.registry import register_provider
from tests.fakes import FakeEmbedder


class GatedEmbedder(FakeEmbedder):
    def __init__(self, gate: Path):
        super().__init__()
        self.gate = gate

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        while not self.gate.exists():  # the model is loading
            time.sleep(0.05)
        return super().embed_batch(texts)


if __name__ == "__main__":
    gate = Path(os.environ["CODEX7_TEST_GATE"])
    register_provider("gated", lambda settings: GatedEmbedder(gate))
    main()
