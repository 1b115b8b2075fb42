"""The OpenAI provider against a local OpenAI-compatible stand-in: batching, retries, key hygiene."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from codex7.config import Settings
from codex7.embeddings import get_embedder
from codex7.errors import EmbeddingError
from tests.standin import stand_in

KEY = "sk-codex7-test-secret-0123456789"


class Endpoint:
    """An OpenAI-compatible /v1/embeddings that answers the scripted statuses first."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[int] = []  # status codes to answer before succeeding

    def answer(self, body: dict[str, Any]) -> tuple[int, Any]:
        status = self.script.pop(0) if self.script else 200
        if status != 200:
            return status, {"error": {"message": f"Incorrect API key provided: {KEY}", "type": "x"}}
        dims = body.get("dimensions", 4)
        return 200, {
            "object": "list",
            "model": body["model"],
            "data": [
                {"object": "embedding", "index": i, "embedding": [float(i + 1)] * dims}
                for i in range(len(body["input"]))
            ],
            "usage": {"prompt_tokens": 1, "total_tokens": 1},
        }


@pytest.fixture
def endpoint() -> Iterator[tuple[Endpoint, str]]:
    ep = Endpoint()
    with stand_in(ep.answer) as (url, seen):
        ep.requests = seen
        yield ep, f"{url}/v1"


def make(base_url: str, **extra: object):
    settings = Settings(
        embedding_provider="openai",
        openai_api_key=KEY,
        openai_base_url=base_url,
        embedding_batch_size=2,
        **extra,
    )
    return get_embedder(settings)


def test_batches_normalises_and_sends_dimensions(endpoint: tuple[Endpoint, str]) -> None:
    ep, url = endpoint
    emb = make(url, embedding_dimensions=8)
    vectors = emb.embed_many(["a", "b", "c"])
    assert vectors.shape == (3, 8)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert [len(r["body"]["input"]) for r in ep.requests] == [2, 1]
    assert all(r["body"]["dimensions"] == 8 for r in ep.requests)
    assert ep.requests[0]["auth"] == f"Bearer {KEY}"
    assert KEY not in repr(emb)


def test_retries_rate_limits_and_server_errors(endpoint: tuple[Endpoint, str]) -> None:
    ep, url = endpoint
    ep.script = [429, 503]
    emb = make(url)
    emb._max_retries = 3  # type: ignore[attr-defined]
    assert emb.embed_batch(["x"]).shape == (1, 4)
    assert len(ep.requests) == 3


def test_refusal_is_an_error_without_the_key(endpoint: tuple[Endpoint, str]) -> None:
    ep, url = endpoint
    ep.script = [401]
    with pytest.raises(EmbeddingError) as info:
        make(url).embed_batch(["x"])
    assert "refused" in str(info.value) and KEY not in str(info.value)
    assert "***" in str(info.value)


def test_missing_key_says_which_variable() -> None:
    emb = get_embedder(Settings(embedding_provider="openai"))
    with pytest.raises(EmbeddingError, match="OPENAI_API_KEY"):
        emb.embed_batch(["x"])
