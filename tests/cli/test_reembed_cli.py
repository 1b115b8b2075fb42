"""Another embedding model: refused at start and at query time, and `codex7 reembed` moves to it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from codex7.cli import cli
from codex7.config import Settings
from codex7.embeddings import registry
from codex7.embeddings.base import Embedder
from codex7.store import vector_index
from tests.fakes import FakeEmbedder

DIMENSIONS = {"fake-a": 8, "fake-b": 16, "fake-c": 8}


def fake(settings: Settings) -> Embedder:
    return FakeEmbedder(settings.model_name, DIMENSIONS[settings.model_name])


@pytest.fixture(autouse=True)
def fake_models() -> Iterator[None]:
    """CODEX7_EMBEDDING_MODEL=fake-a|fake-b|fake-c picks a fake of that size."""
    registry.register_provider("local", fake)
    yield
    registry.register_provider("local", registry._local)


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": db_url, "CODEX7_DATA_DIR": str(tmp_path / "data")}


def write_docs(root: Path, topic: str) -> Path:
    root.mkdir(parents=True)
    (root / "usage.md").write_text(
        f"# Usage\n\n## Spinning\n\nCall `widget.spin()` to spin a {topic}.\n\n"
        f"## Stopping\n\nCall `widget.stop()` to stop a {topic}.\n"
    )
    return root


def run(env: dict[str, str], model: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={**env, "CODEX7_EMBEDDING_MODEL": model})
    return result.exit_code, result.output


def index_two(env: dict[str, str], tmp_path: Path) -> None:
    for library, topic in (("/acme/widgets", "widget"), ("/acme/gadgets", "gadget")):
        docs = write_docs(tmp_path / library.strip("/").replace("/", "_"), topic)
        code, out = run(env, "fake-a", "index", str(docs), "-l", library, "--version", "1.0")
        assert code == 0, out


def space_and_column(url: str) -> tuple[tuple, str, list[int]]:
    with psycopg.connect(url) as conn:
        space = conn.execute("SELECT provider, model, dimensions FROM embedding_space").fetchone()
        column = conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = 'documents'::regclass AND attname = 'embedding'"
        ).fetchone()
        dims = [r[0] for r in conn.execute("SELECT DISTINCT vector_dims(embedding) FROM documents")]
    return space, column[0], dims


def test_another_model_is_refused_until_reembed_moves_the_database(
    env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    index_two(env, tmp_path)
    assert run(env, "fake-a", "query", "/acme/widgets", "spin a widget")[0] == 0
    for other, size in (("fake-b", 16), ("fake-c", 8)):  # other dimensions, or the same ones
        code, out = run(env, other, "query", "/acme/widgets", "spin a widget")
        assert code == 1, out
        assert "holds embeddings from fake fake-a (8 dims)" in out
        assert f"configured model is fake {other} ({size} dims)" in out
        assert "`codex7 reembed`" in out and "Traceback" not in out

    code, out = run(env, "fake-b", "reembed")
    assert code == 0, out
    assert "Re-embedded 2 version(s)" in out and "fake fake-b (16 dims)" in out
    assert space_and_column(db_url) == (("fake", "fake-b", 16), "halfvec(16)", [16])
    code, out = run(env, "fake-b", "query", "/acme/widgets", "spin a widget")
    assert code == 0 and "widget.spin()" in out, out
    code, out = run(env, "fake-a", "query", "/acme/widgets", "spin a widget")
    assert code == 1 and "holds embeddings from fake fake-b (16 dims)" in out
    assert "Nothing to re-embed" in run(env, "fake-b", "reembed")[1]


def test_serve_refuses_to_start_with_another_model(env: dict[str, str], tmp_path: Path) -> None:
    index_two(env, tmp_path)
    code, out = run(env, "fake-b", "serve")
    assert code == 1
    assert "holds embeddings from fake fake-a (8 dims)" in out and "`codex7 reembed`" in out


def test_reembed_rebuilds_the_version_indexes(
    env: dict[str, str], db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vector_index, "MIN_CHUNKS", 1)  # every version gets its HNSW index
    index_two(env, tmp_path)
    assert run(env, "fake-b", "reembed")[0] == 0
    with psycopg.connect(db_url) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM versions ORDER BY id")]
        indexes = [
            r[0]
            for r in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'documents_embedding_v%'"
                " ORDER BY indexname"
            )
        ]
    assert indexes == sorted(vector_index.index_name(i) for i in ids)


def test_reembed_changes_nothing_when_a_source_is_gone(
    env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    index_two(env, tmp_path)
    with psycopg.connect(db_url) as conn:
        before = conn.execute("SELECT id, content_hash, embedding FROM documents ORDER BY id")
        snapshot = [(r[0], r[1], str(r[2])) for r in before]
    shutil.rmtree(tmp_path / "acme_gadgets")
    code, out = run(env, "fake-b", "reembed")
    assert code == 1
    assert "Cannot re-embed /acme/gadgets/1.0:" in out and "Nothing was changed" in out
    with psycopg.connect(db_url) as conn:
        after = conn.execute("SELECT id, content_hash, embedding FROM documents ORDER BY id")
        assert [(r[0], r[1], str(r[2])) for r in after] == snapshot
    assert space_and_column(db_url) == (("fake", "fake-a", 8), "halfvec(8)", [8])
