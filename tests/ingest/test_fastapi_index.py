"""FastAPI's docs indexed through the whole pipeline at both tags of the bundle (a real git
repository, `--folder docs/en/docs`): no chunk in the database holds an include directive
except the one page whose included file is not in the bundle, and every tutorial page that
pulls in example code has that code in its chunks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex7.config import Settings
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.store.database import Database, open_database
from tests.fakes import FakeEmbedder
from tests.fastapi_docs import DIRECTIVE, NOT_IN_BUNDLE, clone_fastapi_docs
from tests.gitrepo import git

TUTORIAL = "docs/en/docs/tutorial/"


@pytest.fixture(scope="module")
def fastapi_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clone_fastapi_docs(tmp_path_factory)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    with open_database(settings) as database:
        yield database


def code_lines(repo: Path, tag: str, path: str) -> set[str]:
    """The lines of an example file worth looking for (15+ characters, stripped)."""
    lines = (ln.strip() for ln in git(repo, "show", f"{tag}:{path}").splitlines())
    return {ln for ln in lines if len(ln) >= 15}


def included_code(repo: Path, tag: str) -> dict[str, list[set[str]]]:
    """Tutorial pages that include example code from docs_src/, as committed at `tag`: for each,
    the code lines of every example file it names."""
    names = git(repo, "ls-tree", "-r", "--name-only", tag, TUTORIAL).splitlines()
    pages: dict[str, list[set[str]]] = {}
    for name in (n for n in names if n.endswith(".md")):
        raw = git(repo, "show", f"{tag}:{name}")
        found = re.findall(r"docs_src/[\w/.-]+\.py", raw)
        if found and DIRECTIVE.search(raw):
            pages[name] = [code_lines(repo, tag, e) for e in sorted(set(found))]
    return pages


@pytest.mark.parametrize("tag", ["0.115.0", "0.141.1"])
def test_every_tutorial_chunk_holds_its_code_and_no_directive_is_left(
    db: Database, fastapi_repo: Path, tmp_path: Path, tag: str
) -> None:
    fake = FakeEmbedder(max_tokens=512)
    request = IndexRequest(str(fastapi_repo), "/fastapi/fastapi", ref=tag, folders=["docs/en/docs"])
    result = index_version(db, fake, request, cache_dir=tmp_path / "git")
    assert (result.version, result.skipped) == (tag, [])
    assert [u["page"] for u in result.unresolved_includes] == [NOT_IN_BUNDLE]
    assert "fastapi/openapi/docs.py" in result.unresolved_includes[0]["directive"]

    with db.pool.connection() as conn:
        rows = conn.execute(
            """
            SELECT d.source_path, d.content, d.code_language FROM documents d
            JOIN versions v ON v.id = d.version_id WHERE v.version = %s
            """,
            (tag,),
        ).fetchall()
    assert len({path for path, _, _ in rows}) > 100 and result.files > 100
    left = {path for path, content, _ in rows if DIRECTIVE.search(content)}
    assert left == {NOT_IN_BUNDLE}

    # Every tutorial page that includes examples holds, in its chunks, fenced Python code with
    # lines of at least one of the example files it names.
    including = included_code(fastapi_repo, tag)
    assert len(including) > 40
    text = {p: "\n".join(c for q, c, _ in rows if q == p) for p in including}
    missing = [
        page
        for page, examples in including.items()
        if not re.search(r"```python", text[page], re.I)
        or not any(lines and any(ln in text[page] for ln in lines) for lines in examples)
    ]
    assert missing == []

    query_params = "\n".join(c for p, c, _ in rows if p == f"{TUTORIAL}query-params.md")
    assert "fake_items_db = [{" in query_params
    assert re.search(
        r"async def read_item\(item_id: str, q: (str \| None|Union\[str, None\])", (query_params)
    )
    first_steps = "\n".join(c for p, c, _ in rows if p == f"{TUTORIAL}first-steps.md")
    assert "app = FastAPI()" in first_steps and '@app.get("/")' in first_steps
