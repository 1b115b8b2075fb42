"""The torch-free query embedder gives sentence-transformers' vectors for the bundled model, and
steps aside for models it cannot reproduce."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from codex7.config import Settings
from codex7.embeddings.light import LightEmbedder, light_embedder, supported
from codex7.embeddings.local import LocalEmbedder, model_location
from codex7.embeddings.registry import get_query_embedder
from tests.fakes import FakeEmbedder
from tests.paths import CORPUS

TEXTS = [
    "how do I set a request timeout",
    "  leading and trailing spaces  ",
    "ÜNICODE café 日本語 🚀 model_config = ConfigDict(frozen=True)",
    "",
    "x",
]


def test_same_vectors_as_sentence_transformers() -> None:
    page = (CORPUS / "encode/httpx/0.28.1/advanced/timeouts.md").read_text()
    texts = [*TEXTS, page[:400], page * 3]  # the last one is cut at the model's 256 tokens
    light = light_embedder("all-MiniLM-L6-v2")
    assert isinstance(light, LightEmbedder)
    reference = LocalEmbedder("all-MiniLM-L6-v2")
    expected = reference.embed_batch(texts)
    one_by_one = np.vstack([light.embed_query(t) for t in texts])
    batched = light.embed_batch(texts)
    for got in (one_by_one, batched):
        assert got.shape == (len(texts), 384) and got.dtype == np.float32
        assert float((got * expected).sum(axis=1).min()) > 0.99999
    assert light.dimensions == reference.dimensions == 384
    assert light.max_tokens == reference.max_tokens
    assert [light.count_tokens(t) for t in texts] == [reference.count_tokens(t) for t in texts]


def test_the_query_embedder_is_light_only_for_what_it_reproduces(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    query = get_query_embedder(settings)
    assert isinstance(query, LightEmbedder)
    assert (query.provider, query.model) == ("local", "all-MiniLM-L6-v2")  # the same space

    cls = tmp_path / "cls-pooling"  # the same weights, pooled by the [CLS] token instead
    shutil.copytree(model_location("all-MiniLM-L6-v2"), cls)
    pooling = cls / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(config))
    assert supported(Path(model_location("all-MiniLM-L6-v2")))
    assert not supported(cls)
    other = get_query_embedder(settings.model_copy(update={"embedding_model": str(cls)}))
    assert isinstance(other, LocalEmbedder)


@pytest.mark.usefixtures("fake_provider")
def test_other_providers_answer_queries_themselves() -> None:
    settings = Settings(embedding_provider="fake", embedding_model="fake-8")
    query = get_query_embedder(settings)
    assert isinstance(query, FakeEmbedder) and query.model == "fake-8"
