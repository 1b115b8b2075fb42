"""Through the whole indexing pipeline: included code and PDF pages reach the stored chunks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fpdf import FPDF

from codex7.config import Settings
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.store.database import Database, open_database
from tests.fakes import FakeEmbedder


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    with open_database(settings) as database:
        yield database


def test_indexed_chunks_hold_included_code_and_cite_pdf_pages(db: Database, tmp_path: Path) -> None:
    repo = tmp_path / "widgets"
    (repo / "docs_src").mkdir(parents=True)
    (repo / "docs_src" / "start.py").write_text("import widgets\n\nwidgets.start(port=8000)\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "start.md").write_text(
        "# Starting\n\nStart the widget server like this:\n\n{* ../docs_src/start.py hl[3] *}\n"
    )
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.start_section("Overview", level=0)
    pdf.multi_cell(0, 8, "Overview\nWidgets serve dashboards.", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.start_section("Ports", level=0)
    pdf.multi_cell(0, 8, "Ports\nThe default port is 8000.", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(repo / "docs" / "guide.pdf"))

    index_version(
        db,
        FakeEmbedder(),
        IndexRequest(str(repo), "/acme/widgets", "1", folders=["docs"]),
        cache_dir=tmp_path / "cache",
    )
    with db.pool.connection() as conn:
        rows = conn.execute(
            "SELECT source_path, coalesce(source_url, ''), title, content FROM documents"
            " ORDER BY chunk_index"
        ).fetchall()
    start = [r for r in rows if r[0] == "docs/start.md"]
    assert any("```python\nimport widgets\n\nwidgets.start(port=8000)\n```" in r[3] for r in start)
    assert not any("{*" in r[3] for r in rows)
    pages = {r[2]: r[1] for r in rows if r[0] == "docs/guide.pdf"}
    assert pages == {
        "Guide > Overview": "docs/guide.pdf#page=1",
        "Guide > Ports": "docs/guide.pdf#page=2",
    }
