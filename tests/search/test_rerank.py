"""The optional rerank stage against local stand-in servers: a /rerank endpoint in Cohere's and
TEI's shapes, an OpenAI-compatible embeddings endpoint, and one that fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from codex7.config import Settings
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.search.docs import library_docs
from codex7.search.rerank import (
    EmbeddingReranker,
    HttpReranker,
    rerank,
    reranker_from_settings,
)
from codex7.search.retrieve import Weights
from codex7.store.database import open_database
from tests.fakes import FakeEmbedder
from tests.search.test_sections import DOCS, doc
from tests.standin import Answer, stand_in

KEY = "rk-test-secret-0123456789"


def magic_first(texts: list[str]) -> list[float]:
    return [1.0 if "MAGIC" in t else 0.0 for t in texts]


def cohere(body: dict[str, Any]) -> tuple[int, Any]:
    scores = magic_first(body["documents"])
    ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
    return 200, {"results": [{"index": i, "relevance_score": scores[i]} for i in ranked]}


def tei(body: dict[str, Any]) -> tuple[int, Any]:
    return 200, [{"index": i, "score": s} for i, s in enumerate(magic_first(body["texts"]))]


def sections_with_magic_last() -> list[Any]:
    from codex7.search.ranking import describe, score

    docs = [*DOCS, doc(9, "z.md", ["Z", "The answer"], text="MAGIC is here")]
    return score(describe(docs, {}, 1.0, []), {"depth": -1.0})


@pytest.mark.parametrize(("api", "answer"), [("cohere", cohere), ("tei", tei)])
def test_http_reranker_reorders_the_head(api: str, answer: Answer) -> None:
    sections = sections_with_magic_last()
    assert sections[-1].key == ("z.md", "Z > The answer")
    with stand_in(answer) as (url, seen):
        reranked = rerank(
            HttpReranker(url + "/rerank", api, "bge-reranker", KEY), "q", sections, 10
        )
    assert reranked[0].key == ("z.md", "Z > The answer")
    assert sorted(s.key for s in reranked) == sorted(s.key for s in sections)
    assert seen[0]["path"] == "/rerank" and seen[0]["auth"] == f"Bearer {KEY}"
    assert ("documents" if api == "cohere" else "texts") in seen[0]["body"]


def test_a_failing_reranker_keeps_the_first_stage_order(caplog: pytest.LogCaptureFixture) -> None:
    sections = sections_with_magic_last()
    with stand_in(lambda body: (500, {"error": f"bad key {KEY}"})) as (url, _):
        kept = rerank(HttpReranker(url, api_key=KEY), "q", sections, 10)
    assert [s.key for s in kept] == [s.key for s in sections]
    assert KEY not in caplog.text
    unreachable = rerank(HttpReranker("http://127.0.0.1:9/rerank", timeout=2), "q", sections, 10)
    assert [s.key for s in unreachable] == [s.key for s in sections]


def test_an_openai_compatible_embedding_model_can_rerank() -> None:
    def embeddings(body: dict[str, Any]) -> tuple[int, Any]:
        vectors = [
            [1.0, 0.0] if "MAGIC" in t or t == "find it" else [0.0, 1.0] for t in body["input"]
        ]
        data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
        return 200, {"object": "list", "model": body["model"], "data": data, "usage": {}}

    with stand_in(embeddings) as (url, seen):
        settings = Settings(
            rerank_provider="embeddings", rerank_url=url + "/v1", rerank_model="big-embedder"
        )
        reranker = reranker_from_settings(settings)
        assert isinstance(reranker, EmbeddingReranker)
        reranked = rerank(reranker, "find it", sections_with_magic_last(), 10)
    assert reranked[0].key == ("z.md", "Z > The answer")
    assert seen[0]["path"] == "/v1/embeddings"


def test_off_by_default_and_used_by_query_docs(settings: Settings, tmp_path: Path) -> None:
    assert reranker_from_settings(Settings()) is None
    pages = tmp_path / "docs"
    pages.mkdir()
    (pages / "a.md").write_text("# Alpha\n\nHow to configure retries for requests.\n")
    (pages / "b.md").write_text("# Beta\n\nRetries MAGIC: the real answer about retries.\n")
    (pages / "c.md").write_text("# Gamma\n\nConfigure retries, timeouts and retries again.\n")
    fake = FakeEmbedder()
    with open_database(settings) as db, stand_in(cohere) as (url, seen):
        index_version(db, fake, IndexRequest(str(pages), "/acme/lib", "1"), cache_dir=tmp_path)
        on = Weights.from_settings(
            settings.model_copy(update={"rerank_provider": "http", "rerank_url": url})
        )
        with db.pool.connection() as conn:
            plain = library_docs(
                conn, lambda: fake, "/acme/lib", "configure retries", None, Weights()
            )
            result = library_docs(conn, lambda: fake, "/acme/lib", "configure retries", None, on)
    assert plain.snippets[0].path != "b.md"
    assert result.snippets[0].path == "b.md"
    assert len(seen) == 1 and "rerank" in result.timings
