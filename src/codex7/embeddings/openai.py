"""OpenAI embeddings, or any OpenAI-compatible endpoint (Ollama, vLLM, TEI) through `base_url`."""

from __future__ import annotations

import random
import time
from functools import cached_property
from typing import Any

import numpy as np

from codex7.embeddings.base import Embedder, normalize_rows
from codex7.embeddings.cache import space_key
from codex7.errors import EmbeddingError

# Input limits of OpenAI's models; other endpoints get a conservative default.
_MAX_TOKENS = {
    "text-embedding-3-small": 8191,
    "text-embedding-3-large": 8191,
    "text-embedding-ada-002": 8191,
}
DEFAULT_MAX_TOKENS = 512


class OpenAIEmbedder(Embedder):
    provider = "openai"

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None,
        base_url: str | None = None,
        dimensions: int | None = None,
        batch_size: int = 64,
        max_retries: int = 5,
        timeout: float = 60.0,
    ):
        self.model = model
        self.batch_size = batch_size
        self._api_key = api_key
        self._base_url = base_url
        self._dimensions = dimensions
        self._requested_dimensions = dimensions
        self._max_retries = max_retries
        self._timeout = timeout

    def __repr__(self) -> str:  # never show the key
        return f"OpenAIEmbedder(model={self.model!r}, base_url={self._base_url!r})"

    @cached_property
    def _client(self) -> Any:
        import openai

        if not self._api_key and not self._base_url:
            raise EmbeddingError(
                "The openai embedding provider needs an API key: set OPENAI_API_KEY "
                "(or CODEX7_OPENAI_BASE_URL for a local OpenAI-compatible server)"
            )
        return openai.OpenAI(
            api_key=self._api_key or "unused",
            base_url=self._base_url,
            max_retries=0,  # we retry ourselves, with backoff and a clear final error
            timeout=self._timeout,
        )

    @property
    def vector_space(self) -> str:
        # The same model shortened to other dimensions is another space; the configured
        # value (not the probed one) keeps the key stable between runs.
        return space_key(self.provider, self.model, self._requested_dimensions)

    @property
    def dimensions(self) -> int:
        if self._dimensions is None:
            self._dimensions = int(self._request(["dimension probe"]).shape[1])
        return self._dimensions

    @cached_property
    def max_tokens(self) -> int:
        return _MAX_TOKENS.get(self.model, DEFAULT_MAX_TOKENS)

    @cached_property
    def _encoding(self) -> Any:
        from codex7.tokens import ensure_tiktoken_offline

        ensure_tiktoken_offline()
        import tiktoken

        return tiktoken.get_encoding("cl100k_base")

    def count_tokens(self, text: str) -> int:
        return len(self._encoding.encode(text, disallowed_special=()))

    def _scrub(self, message: str) -> str:
        return message.replace(self._api_key, "***") if self._api_key else message

    def _request(self, texts: list[str]) -> np.ndarray:
        import openai

        kwargs: dict[str, Any] = {"model": self.model, "input": texts}
        if self._dimensions and self.model.startswith("text-embedding-3"):
            kwargs["dimensions"] = self._dimensions
        retryable = (
            openai.RateLimitError,
            openai.APITimeoutError,
            openai.APIConnectionError,
            openai.InternalServerError,
        )
        for attempt in range(self._max_retries + 1):
            try:
                response = self._client.embeddings.create(**kwargs)
                data = sorted(response.data, key=lambda d: d.index)
                return normalize_rows(np.asarray([d.embedding for d in data], dtype=np.float32))
            except retryable as exc:
                if attempt == self._max_retries:
                    raise EmbeddingError(
                        f"Embedding request to {self._base_url or 'OpenAI'} failed after "
                        f"{attempt + 1} attempts: {self._scrub(str(exc))}"
                    ) from None
                time.sleep(min(30.0, 0.5 * 2**attempt) * (0.5 + random.random()))
            except openai.APIError as exc:
                raise EmbeddingError(
                    f"Embedding request to {self._base_url or 'OpenAI'} was refused: {self._scrub(str(exc))}"
                ) from None
        raise AssertionError("unreachable")

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        return self._request(texts)
