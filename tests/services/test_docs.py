"""Docs and library search through the application layer, on any registered embedding provider,
without LlamaIndex on the query path (real PostgreSQL, fake embedder)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from codex7.config import Settings
from codex7.embeddings import registry
from codex7.errors import ConfigError, LibraryNotFound
from codex7.services import docs
from codex7.services.state import AppState, open_state
from tests.fakes import FakeEmbedder
from tests.paths import REPO
from tests.services.conftest import Indexer

SPIN = {"usage.md": "# Usage\n\n## Spinning\n\nCall `widget.spin()` to spin a widget.\n"}


@pytest.fixture
def fake_provider() -> Iterator[None]:
    registry.register_provider("fake", lambda settings: FakeEmbedder())
    yield
    registry.unregister_provider("fake")


@pytest.fixture
def fake_state(settings: Settings, fake_provider: None) -> Iterator[AppState]:
    app = open_state(settings.model_copy(update={"warm_up": False, "embedding_provider": "fake"}))
    yield app
    app.close()


def test_any_registered_provider_answers_queries(fake_state: AppState, index: Indexer) -> None:
    index("/acme/widgets", "1.0", SPIN, name="Widgets")
    result = docs.query_docs(fake_state, "/acme/widgets", "how do I spin a widget?", None)
    assert "widget.spin()" in result.text and not result.keyword_only
    assert result.target.label == "/acme/widgets/1.0"
    assert fake_state.embedder() is not None and fake_state.embedder().provider == "fake"
    with pytest.raises(LibraryNotFound):
        docs.query_docs(fake_state, "/acme/nothing", "spin", None)


def test_an_unknown_provider_is_refused_naming_the_registered_ones(
    settings: Settings, index: Indexer
) -> None:
    index("/acme/widgets", "1.0", SPIN)
    assert Settings(embedding_provider="mystery").model_name == ""  # accepted until used
    app = open_state(settings.model_copy(update={"warm_up": False, "embedding_provider": "nope"}))
    try:
        with pytest.raises(ConfigError) as caught:
            docs.query_docs(app, "/acme/widgets", "spin", None)
        assert str(caught.value).startswith("Unknown embedding provider 'nope'; choose one of: ")
        assert "local" in str(caught.value) and "openai" in str(caught.value)
        with pytest.raises(ConfigError):
            app.check_model()  # so `codex7 serve` refuses to start
    finally:
        app.close()


def test_library_search_takes_a_name_and_ranks_with_the_query(
    state: AppState, index: Indexer
) -> None:
    index("/acme/widgets", "1.0", SPIN, name="Widgets", description="Spinning widgets")
    index("/acme/widgets", "2.0", SPIN)
    index("/other/widgets", "1.0", SPIN, name="Widgets", description="Widgets for charts")
    found = docs.search_libraries(state, "charts", library_name="widgets")
    assert [r.library_id for r in found] == ["/other/widgets", "/acme/widgets"]
    acme = found[1]
    assert acme.versions == ["/acme/widgets/2.0", "/acme/widgets/1.0"]
    assert (acme.latest_version, acme.snippets, acme.last_update is not None) == ("2.0", 1, True)
    assert acme.total_tokens > 0
    # Without a library name the query is the name (/api/v1/search).
    assert [r.library_id for r in docs.search_libraries(state, "widgets", limit=1)] == [
        "/acme/widgets"
    ]
    assert docs.search_libraries(state, "gizmos") == []


QUERY_IN_A_FRESH_PROCESS = """
import json, sys
from codex7.config import Settings
from codex7.embeddings.registry import register_provider
from codex7.services.docs import query_docs
from codex7.services.state import open_state
from tests.fakes import FakeEmbedder

register_provider("fake", lambda settings: FakeEmbedder())
settings = Settings(database_url=sys.argv[1], embedding_provider="fake", warm_up=False)
state = open_state(settings)
text = query_docs(state, "/acme/widgets", "how do I spin a widget?", 2000).text
state.close()
loaded = sorted({m.split(".")[0] for m in sys.modules if m.startswith(("llama_index", "torch"))})
print(json.dumps({"found": "widget.spin()" in text, "loaded": loaded}))
"""


def test_a_query_never_imports_llama_index(settings: Settings, index: Indexer) -> None:
    index("/acme/widgets", "1.0", SPIN)
    out = subprocess.run(
        [sys.executable, "-c", QUERY_IN_A_FRESH_PROCESS, str(settings.database_url)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.splitlines()[-1]) == {"found": True, "loaded": []}
