"""The embedding contract: implement `embed_batch`; batching and counting come with the base."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

import numpy as np

from codex7.embeddings.cache import space_key


class Embedder(ABC):
    provider: str = ""
    model: str = ""
    batch_size: int = 64

    @property
    @abstractmethod
    def dimensions(self) -> int:
        """Vector length (may load the model or ask the endpoint once)."""

    @property
    @abstractmethod
    def max_tokens(self) -> int:
        """The most tokens of input the model actually reads; chunks are sized to fit."""

    @property
    def vector_space(self) -> str:
        """What identifies this embedder's vectors in the embedding cache."""
        return space_key(self.provider, self.model, None)

    def prepare(self) -> None:
        """Get ready to embed (load a model). The indexer calls it on a thread of its own while
        it chunks, so that the load overlaps the chunking; by default there is nothing to do."""
        return None

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Tokens of `text` as the model counts them (without special tokens)."""

    @abstractmethod
    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dimensions) float32, unit-normalised."""

    def embed_many(
        self, texts: list[str], on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        parts: list[np.ndarray] = []
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            parts.append(np.asarray(self.embed_batch(batch), dtype=np.float32))
            if on_batch:
                on_batch(len(batch))
        if not parts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.vstack(parts)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Questions, not documents: one call for all of them."""
        return np.asarray(self.embed_batch(texts), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)


class WrappedEmbedder(Embedder):
    """Delegates everything to `inner`; subclasses override `embed_batch` to observe calls."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.provider = inner.provider
        self.model = inner.model
        self.batch_size = inner.batch_size

    @property
    def dimensions(self) -> int:
        return self.inner.dimensions

    @property
    def max_tokens(self) -> int:
        return self.inner.max_tokens

    @property
    def vector_space(self) -> str:
        return self.inner.vector_space

    def prepare(self) -> None:
        self.inner.prepare()

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_batch(texts)
