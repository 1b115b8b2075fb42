"""An optional second stage: a stronger model behind HTTP reorders the best sections.

Off by default (`CODEX7_RERANK_PROVIDER=none`). Two providers:

- `http`: any `/rerank` endpoint — Cohere, Jina, vLLM and Infinity take
  `{"model", "query", "documents"}` and answer `{"results": [{"index", "relevance_score"}]}`
  (`CODEX7_RERANK_API=cohere`); Hugging Face TEI takes `{"query", "texts"}` and answers
  `[{"index", "score"}]` (`CODEX7_RERANK_API=tei`).
- `embeddings`: an embedding model behind any OpenAI-compatible `/v1/embeddings` endpoint; the
  sections are ordered by cosine to the question.

A reranker that fails or times out never fails the query: the first-stage order stands.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from codex7.config import Settings
from codex7.embeddings.base import Embedder
from codex7.search.ranking import Section

log = logging.getLogger("codex7.search")
MAX_CHARS = 2000  # of a section's text sent to the reranker


class Reranker(Protocol):
    def scores(self, query: str, texts: Sequence[str]) -> list[float]:
        """One relevance score per text, higher is better."""
        ...


@dataclass(frozen=True)
class HttpReranker:
    url: str
    api: str = "cohere"  # or "tei"
    model: str | None = None
    api_key: str | None = None
    timeout: float = 10.0

    def scores(self, query: str, texts: Sequence[str]) -> list[float]:
        import httpx

        if self.api == "tei":
            body: dict[str, Any] = {"query": query, "texts": list(texts), "truncate": True}
        else:
            body = {"query": query, "documents": list(texts), "top_n": len(texts)}
            if self.model:
                body["model"] = self.model
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        response = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout)
        response.raise_for_status()
        return parse_scores(response.json(), len(texts))


def parse_scores(payload: Any, n: int) -> list[float]:
    """Scores by input index from a Cohere/Jina/vLLM (`results`) or TEI (a list) answer."""
    items = payload.get("results") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise ValueError("the rerank answer has no list of results")
    scores = [float("-inf")] * n
    for item in items:
        index = int(item["index"])
        value = item.get("relevance_score", item.get("score"))
        if 0 <= index < n and value is not None:
            scores[index] = float(value)
    return scores


@dataclass(frozen=True)
class EmbeddingReranker:
    embedder: Embedder

    def scores(self, query: str, texts: Sequence[str]) -> list[float]:
        q = self.embedder.embed_query(query)
        vectors = self.embedder.embed_many(list(texts))
        return [float(v) for v in vectors @ q / (np.linalg.norm(vectors, axis=1) + 1e-9)]


def section_text(section: Section) -> str:
    text = section.key[1] + "\n\n" + "\n\n".join(d.content for d in section.docs)
    return text[:MAX_CHARS]


def rerank(reranker: Reranker, query: str, sections: list[Section], top_n: int) -> list[Section]:
    """The first `top_n` sections reordered by the reranker; the rest keep their order."""
    head, tail = sections[:top_n], sections[top_n:]
    if len(head) < 2:
        return sections
    try:
        scores = reranker.scores(query, [section_text(s) for s in head])
    except Exception as exc:  # an unreachable or broken reranker must not take the docs down
        log.warning("reranking failed, keeping the first-stage order: %s", type(exc).__name__)
        return sections
    order = sorted(range(len(head)), key=lambda i: (-scores[i], i))
    return [head[i] for i in order] + tail


@lru_cache(maxsize=4)
def _embedding_reranker(url: str | None, model: str, key: str | None) -> EmbeddingReranker:
    from codex7.embeddings.openai import OpenAIEmbedder

    return EmbeddingReranker(OpenAIEmbedder(model, api_key=key, base_url=url))


def reranker_from_settings(settings: Settings) -> Reranker | None:
    key = settings.rerank_api_key.get_secret_value() if settings.rerank_api_key else None
    if settings.rerank_provider == "http" and settings.rerank_url:
        return HttpReranker(
            settings.rerank_url,
            settings.rerank_api,
            settings.rerank_model,
            key,
            settings.rerank_timeout,
        )
    if settings.rerank_provider == "embeddings" and settings.rerank_model:
        return _embedding_reranker(settings.rerank_url, settings.rerank_model, key)
    return None
