"""Files that are not Markdown, converted to Markdown text when they are read."""

from __future__ import annotations

from pathlib import Path

from codex7.sources.select import HTML_SUFFIXES


class UnreadableFile(Exception):
    """A documentation file that cannot be turned into text; the message says why."""


def read_document(path: Path, url: str | None = None) -> str:
    """The file at `path` as Markdown (PDF, notebook, HTML) or as the text it already is."""
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot be read: {exc.strerror or exc}") from None
    if suffix == ".pdf":
        from codex7.sources.pdf import pdf_to_markdown

        return pdf_to_markdown(data)
    if suffix in HTML_SUFFIXES:
        from codex7.sources.html import html_to_markdown

        return html_to_markdown(data, base_url=url).markdown  # bytes: the page's charset wins
    # Universal newlines, as text-mode reading gives: fingerprints of unchanged files stay put.
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    if suffix == ".ipynb":
        from codex7.sources.notebook import notebook_to_markdown

        return notebook_to_markdown(text)
    return text
