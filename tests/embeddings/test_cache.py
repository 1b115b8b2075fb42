"""The embedding cache outlives a database: a fresh database re-embeds nothing it has seen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from codex7.config import Settings
from codex7.embeddings.cache import EmbeddingCache, space_key
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.store.database import open_database
from codex7.store.migrate import migrate
from tests.fakes import FakeEmbedder

PAGES = {
    "a.md": "# Alpha\n\nFirst page about alpha things.\n\n## More\n\nAnother section.\n",
    "b.md": "# Beta\n\nSecond page about beta things.\n",
}


def test_vectors_round_trip_per_space(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.sqlite3")
    v = np.arange(4, dtype=np.float32)
    cache.put_many("local:m:", [("h1", v)])
    assert np.array_equal(cache.get_many("local:m:", ["h1", "h2"])["h1"], v)
    assert cache.get_many("local:other:", ["h1"]) == {}
    assert space_key("openai", "m", 256) != space_key("openai", "m", None)
    from codex7.embeddings.openai import OpenAIEmbedder

    short = OpenAIEmbedder("m", api_key="k", dimensions=256)
    assert short.vector_space != OpenAIEmbedder("m", api_key="k").vector_space
    cache.close()
    reopened = EmbeddingCache(tmp_path / "c.sqlite3")
    assert reopened.count() == 1


def test_a_new_database_reuses_the_cache(make_database: Callable[[], str], tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in PAGES.items():
        (docs / name).write_text(text)
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    embedded = []
    for n in range(2):
        url = make_database()
        migrate(url)
        fake = FakeEmbedder()
        with open_database(Settings(database_url=url, data_dir=tmp_path / f"d{n}")) as db:
            r = index_version(
                db,
                fake,
                IndexRequest(str(docs), "/acme/docs", "1"),
                cache_dir=tmp_path,
                embedding_cache=cache,
            )
        embedded.append((r.embedded, len(fake.embedded_texts), r.chunks))
    (first, first_calls, chunks), (second, second_calls, _) = embedded
    assert first == first_calls == chunks > 0
    assert second == second_calls == 0
