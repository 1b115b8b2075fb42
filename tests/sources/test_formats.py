"""PDFs, notebooks and HTML files in a docs folder are read as Markdown; files that cannot be
read are listed with the reason. Every file here is made by the real tool (fpdf2, nbformat)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from fpdf import FPDF
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from codex7.chunking import chunk_file
from codex7.records import Chunk, SourceFile
from codex7.sources import SkippedFile, open_source
from codex7.sources.select import Context7Config, SelectionRules, is_selected
from tests.fakes import FakeEmbedder


def write_pdf(
    path: Path, pages: list[list[tuple[str | None, int, str]]], title: str | None
) -> None:
    """Each page is a list of (bookmark or None, bookmark level, text) blocks."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    if title:
        pdf.set_title(title)
    for blocks in pages:
        pdf.add_page()
        for bookmark, level, text in blocks:
            if bookmark:
                pdf.start_section(bookmark, level=level)
            pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def read(root: Path) -> tuple[dict[str, str], list[SkippedFile]]:
    source = open_source(str(root), cache_dir=root / ".cache")
    files = source.files(SelectionRules.build(source.config))
    return {f.path: f.text for f in files}, source.skipped


def chunks_of(rel: str, text: str) -> list[Chunk]:
    fake = FakeEmbedder(max_tokens=300)
    return chunk_file(SourceFile(rel, text), max_tokens=300, count=fake.count_tokens)


def test_pdf_sections_come_from_its_outline_and_chunks_cite_pages(tmp_path: Path) -> None:
    write_pdf(
        tmp_path / "manual.pdf",
        [
            [
                (None, 0, "Widget Manual"),
                ("Installation", 0, "Installation\nRun pip install widgets to get started."),
            ],
            [
                (None, 0, "Wheels exist for every platform."),
                ("Configuration", 0, "Configuration\nSet WIDGET_HOME before the first run."),
                ("Environment", 1, "Environment\n# read once at start-up"),
            ],
        ],
        title="Widget Manual",
    )
    texts, skipped = read(tmp_path)
    assert skipped == []
    md = texts["manual.pdf"]
    assert md.startswith("# Widget Manual\n")
    assert "## Installation {#page=1}\n\nRun pip install widgets" in md
    assert "## Installation {#page=2}\n\nWheels exist" in md  # the section runs onto page 2
    assert "### Environment {#page=2}\n\n\\# read once" in md  # page text never makes headings

    chunks = {c.title: c for c in chunks_of("manual.pdf", md)}
    assert chunks["Widget Manual > Configuration"].url == "manual.pdf#page=2"
    assert chunks["Widget Manual > Configuration > Environment"].url == "manual.pdf#page=2"
    installation = [c for c in chunks_of("manual.pdf", md) if "Installation" in c.title]
    assert [c.url for c in installation] == ["manual.pdf#page=1", "manual.pdf#page=2"]


def test_pdf_without_outline_is_headed_by_page(tmp_path: Path) -> None:
    write_pdf(
        tmp_path / "notes.pdf",
        [[(None, 0, "First page words.")], [(None, 0, "Second page words.")]],
        title=None,
    )
    texts, _ = read(tmp_path)
    assert texts["notes.pdf"] == (
        "## Page 1 {#page=1}\n\nFirst page words.\n\n## Page 2 {#page=2}\n\nSecond page words.\n"
    )


def test_notebook_cells_become_prose_and_fenced_code_without_outputs(tmp_path: Path) -> None:
    nb = new_notebook(metadata={"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}})
    nb.cells = [
        new_markdown_cell("# Plotting\n\nDraw a <b>quick</b> plot."),
        new_code_cell(
            "library(ggplot2)\nqplot(1:3)",
            outputs=[new_output("stream", name="stdout", text="OUTPUT NOISE")],
        ),
        new_code_cell(""),
    ]
    nbformat.write(nb, str(tmp_path / "plots.ipynb"))
    texts, skipped = read(tmp_path)
    assert skipped == []
    assert texts["plots.ipynb"] == (
        "# Plotting\n\nDraw a <b>quick</b> plot.\n\n```r\nlibrary(ggplot2)\nqplot(1:3)\n```\n"
    )
    (chunk,) = chunks_of("plots.ipynb", texts["plots.ipynb"])
    assert chunk.title == "Plotting" and chunk.code_language == "r"
    assert "<b>" not in chunk.content  # notebook Markdown is cleaned like any Markdown


def test_html_files_are_converted_and_templates_are_not_pages(tmp_path: Path) -> None:
    (tmp_path / "guide.html").write_text(
        "<html><head><title>Guide</title></head><body><nav><a href='/'>Home</a></nav>"
        "<main><h1>Guide</h1><p>Call <code>widget.run()</code> to start.</p>"
        "<pre><code class='language-python'>widget.run()</code></pre></main></body></html>"
    )
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "base.html").write_text("<p>{{ content }}</p>")
    texts, _ = read(tmp_path)
    assert set(texts) == {"guide.html"}
    md = texts["guide.html"]
    assert "# Guide" in md and "```python\nwidget.run()\n```" in md and "Home" not in md


def test_unreadable_files_are_listed_with_the_reason_not_dropped(tmp_path: Path) -> None:
    locked = FPDF()
    locked.add_page()
    locked.set_font("Helvetica", size=12)
    locked.cell(text="Secret")
    locked.set_encryption(owner_password="owner", user_password="reader")
    locked.output(str(tmp_path / "locked.pdf"))
    write_pdf(tmp_path / "open.pdf", [[(None, 0, "Readable.")]], title=None)
    nbformat.write(new_notebook(), str(tmp_path / "broken.ipynb"))
    broken = (tmp_path / "broken.ipynb").read_text()
    (tmp_path / "broken.ipynb").write_text(broken[: len(broken) // 2])
    (tmp_path / "guide.md").write_text("# Guide\n\nText.\n")
    (tmp_path.parent / "secret.md").write_text("# Secret\n")
    (tmp_path / "linked.md").symlink_to(tmp_path.parent / "secret.md")

    texts, skipped = read(tmp_path)
    assert set(texts) == {"guide.md", "open.pdf"}
    reasons = {s.path: s.reason for s in skipped}
    assert reasons["locked.pdf"] == "the PDF is encrypted with a password"
    assert reasons["broken.ipynb"].startswith("not a notebook: invalid JSON")
    assert reasons["linked.md"] == "a symbolic link to outside the source"


def test_new_file_types_are_selected() -> None:
    rules = SelectionRules.build(Context7Config())
    for rel in ("docs/a.pdf", "docs/b.ipynb", "docs/c.html", "docs/d.htm", "docs/e.txt"):
        assert is_selected(rel, rules), rel
    for rel in ("docs/_templates/page.html", "site/index.html", "docs/x.docx"):
        assert not is_selected(rel, rules), rel
