"""FastAPI's docs at two tags, read from a real repository: every example the pages pull in from
docs_src/ is in the page text and its chunks, whichever include syntax the tag uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex7.chunking import chunk_file
from codex7.sources import open_source
from codex7.sources.select import SelectionRules
from tests.fakes import FakeEmbedder
from tests.fastapi_docs import DIRECTIVE, NOT_IN_BUNDLE, clone_fastapi_docs

OPTIONAL_QUERY_CODE = "async def read_item(item_id: str, q: str | None = None):"


@pytest.fixture(scope="module")
def fastapi_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clone_fastapi_docs(tmp_path_factory)


@pytest.mark.parametrize("tag", ["0.115.0", "0.141.1"])
def test_fastapi_pages_hold_their_examples_at_both_tags(
    fastapi_repo: Path, tmp_path: Path, tag: str
) -> None:
    source = open_source(str(fastapi_repo), ref=tag, cache_dir=tmp_path / "cache")
    files = source.files(SelectionRules.build(source.config, folders=["docs/en/docs"]))
    pages = {f.path: f for f in files}
    assert len(pages) > 100

    left = {path for path, f in pages.items() if DIRECTIVE.search(f.text)}
    assert left == {NOT_IN_BUNDLE}
    assert {(u.page, u.reason.split(" (")[0]) for u in source.unresolved} == {
        (NOT_IN_BUNDLE, "no such file in the source")
    }
    assert "fastapi/openapi/docs.py" in source.unresolved[0].directive
    assert source.skipped == []

    query_params = pages["docs/en/docs/tutorial/query-params.md"].text
    assert "fake_items_db = [{" in query_params  # docs_src/query_params/tutorial001*.py
    assert OPTIONAL_QUERY_CODE in query_params or "q: Union[str, None] = None" in query_params

    fake = FakeEmbedder(max_tokens=400)
    chunks = [
        c
        for path in ("docs/en/docs/tutorial/query-params.md", "docs/en/docs/python-types.md")
        for c in chunk_file(pages[path], max_tokens=400, count=fake.count_tokens)
    ]
    assert not any(DIRECTIVE.search(c.content) for c in chunks)
    code = [c for c in chunks if c.has_code and c.code_language == "python"]
    assert any("fake_items_db" in c.content for c in code)
    assert any("def get_full_name(first_name" in c.content for c in code)  # python-types
