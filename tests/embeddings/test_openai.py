"""The OpenAI provider against a local OpenAI-compatible stand-in: batching, retries, key hygiene."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from codex7.config import Settings
from codex7.embeddings import get_embedder
from codex7.errors import EmbeddingError

KEY = "sk-codex7-test-secret-0123456789"


class Endpoint:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[int] = []  # status codes to answer before succeeding

    def handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                endpoint.requests.append({"body": body, "auth": self.headers.get("Authorization")})
                status = endpoint.script.pop(0) if endpoint.script else 200
                if status != 200:
                    payload = {
                        "error": {"message": f"Incorrect API key provided: {KEY}", "type": "x"}
                    }
                else:
                    dims = body.get("dimensions", 4)
                    payload = {
                        "object": "list",
                        "model": body["model"],
                        "data": [
                            {"object": "embedding", "index": i, "embedding": [float(i + 1)] * dims}
                            for i in range(len(body["input"]))
                        ],
                        "usage": {"prompt_tokens": 1, "total_tokens": 1},
                    }
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


@pytest.fixture
def endpoint() -> Iterator[tuple[Endpoint, str]]:
    ep = Endpoint()
    server = ThreadingHTTPServer(("127.0.0.1", 0), ep.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ep, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


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
