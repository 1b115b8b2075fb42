"""A deterministic fake embedder for plumbing tests (never for search quality)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from codex7.config import Settings
from codex7.embeddings import registry
from codex7.embeddings.base import Embedder, WrappedEmbedder


class FakeEmbedder(Embedder):
    """Hash-seeded unit vectors; records every text it was asked to embed."""

    provider = "fake"

    def __init__(self, model: str = "fake-8", dims: int = 8, max_tokens: int = 120):
        self.model = model
        self._dims = dims
        self._max_tokens = max_tokens
        self.calls: list[list[str]] = []

    @property
    def dimensions(self) -> int:
        return self._dims

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        rows = []
        for t in texts:
            seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:4], "little")
            v = np.random.default_rng(seed).standard_normal(self._dims).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return np.vstack(rows)

    @property
    def embedded_texts(self) -> list[str]:
        return [t for call in self.calls for t in call]


class CountingEmbedder(WrappedEmbedder):
    """Wraps a real embedder and records what reaches it; can fail after N texts."""

    def __init__(self, inner: Embedder, fail_after: int | None = None):
        super().__init__(inner)
        self.texts: list[str] = []
        self.fail_after = fail_after

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        if self.fail_after is not None and len(self.texts) >= self.fail_after:
            raise RuntimeError("embedding service went away")
        self.texts += texts
        return self.inner.embed_batch(texts)


def fake_settings(settings: Settings, **extra: Any) -> Settings:
    """SETTINGS embedding with the fake provider (model fake-8), without warm-up; EXTRA on top."""
    return settings.model_copy(
        update={
            "embedding_provider": "fake",
            "embedding_model": "fake-8",
            "warm_up": False,
            **extra,
        }
    )


@pytest.fixture
def fake_provider() -> Iterator[None]:
    """The embedding provider "fake" for one test: a FakeEmbedder named by the settings' model.

    A plugin of tests/conftest.py: `pytest.mark.usefixtures("fake_provider")` asks for it."""
    registry.register_provider("fake", lambda s: FakeEmbedder(s.model_name))
    yield
    registry.unregister_provider("fake")
