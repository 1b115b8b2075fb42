"""Chunking real and crafted Markdown/MDX: breadcrumbs, fences, MDX, sizes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from codex7.chunking import chunk_file
from codex7.chunking.markdown import clean_heading
from codex7.fences import fences_balanced
from codex7.records import SourceFile
from codex7.tokens import tiktoken_counter
from tests.paths import CORPUS

count = tiktoken_counter()


def chunks_of(text: str, path: str = "doc.md", max_tokens: int = 200, url: str | None = None):
    return chunk_file(SourceFile(path, text, url), max_tokens=max_tokens, count=count)


def test_breadcrumbs_follow_headings_and_front_matter_title() -> None:
    path = next(
        (CORPUS / "vercel/next.js").glob(
            "*/01-app/01-getting-started/*server-and-client-components.mdx"
        )
    )
    chunks = chunk_file(
        SourceFile("x.mdx", path.read_text(), "https://e.x/x.mdx"), max_tokens=254, count=count
    )
    titles = [c.title for c in chunks]
    assert titles[0] == "Server and Client Components"
    assert "Server and Client Components > When to use Server and Client Components?" in titles
    deep = [c for c in chunks if len(c.hierarchy) == 3]
    assert deep, "H3 sections carry their H2 parent"
    assert all(c.title == " > ".join(c.hierarchy) for c in chunks)
    assert chunks[1].url == "https://e.x/x.mdx#when-to-use-server-and-client-components"
    assert [c.chunk_index for c in chunks] == list(range(len(chunks)))


def test_hash_lines_in_code_are_not_headings_with_either_fence() -> None:
    text = "# Guide\n\nIntro.\n\n~~~python\n# not a heading\nx = 1\n~~~\n\n## Next\n\nMore.\n\n```bash\n## nor this\n```\n"
    chunks = chunks_of(text, max_tokens=30)
    assert {c.title for c in chunks} == {"Guide", "Guide > Next"}
    code = "\n".join(c.content for c in chunks)
    assert "~~~python\n# not a heading\nx = 1\n~~~" in code
    assert "```bash\n## nor this\n```" in code
    assert [c.code_language for c in chunks] == ["python", "bash"]


def test_oversized_code_block_is_split_on_lines_and_refenced() -> None:
    body = "\n".join(f"value_{i} = compute({i})  # step {i}" for i in range(200))
    text = f'# API\n\nSome text.\n\n```python title="big.py"\n{body}\n```\n'
    chunks = chunks_of(text, max_tokens=120)
    code_chunks = [c for c in chunks if c.has_code]
    assert len(code_chunks) > 3
    for c in code_chunks:
        assert fences_balanced(c.content)
        assert c.content.count('```python title="big.py"') == 1
        assert c.token_count <= 120
    lines = [ln for c in code_chunks for ln in c.content.split("\n") if ln.startswith("value_")]
    assert lines == body.split("\n")  # every line kept, once, in order


def test_mdx_imports_dropped_jsx_text_kept_markup_only_chunks_skipped() -> None:
    text = (
        "---\ntitle: Tabs page\n---\nimport { Tabs, TabItem } from '@astrojs/starlight/components';\n\n"
        '## Install\n\n<Tabs>\n<TabItem label="npm">\nRun the installer with `<Tabs>` options.\n</TabItem>\n</Tabs>\n\n'
        "## Empty\n\n<Card />\n\n## Last\n\nDone.\n"
    )
    chunks = chunks_of(text, path="tabs.mdx")
    assert [c.title for c in chunks] == ["Tabs page > Install", "Tabs page > Last"]
    assert "import" not in chunks[0].content
    assert "Run the installer with `<Tabs>` options." in chunks[0].content
    assert "<TabItem" not in chunks[0].content


def test_heading_only_sections_merge_into_what_follows() -> None:
    text = "# Reference\n\n## Hooks\n\n### useState\n\nAdds state.\n"
    chunks = chunks_of(text)
    assert len(chunks) == 1
    assert chunks[0].hierarchy == ["Reference", "Hooks", "useState"]


def test_chunks_fit_the_budget_including_the_title() -> None:
    para = " ".join(f"Sentence number {i} explains one more detail of the API." for i in range(120))
    chunks = chunks_of(f"# Long\n\n{para}\n", max_tokens=100)
    assert len(chunks) > 5
    assert all(c.token_count <= 100 for c in chunks)


@pytest.mark.parametrize(
    ("raw", "text", "anchor"),
    [
        (
            "Deprecating parameters { #deprecating-parameters }",
            "Deprecating parameters",
            "deprecating-parameters",
        ),
        ("Using `Depends` {#using-depends}", "Using `Depends`", "using-depends"),
        ("useState <CanaryBadge />", "useState", None),
        ("ref() \\*\\*", "ref()", None),
        ("Title {/*title*/}", "Title", "title"),
    ],
)
def test_heading_clean_up(raw: str, text: str, anchor: str | None) -> None:
    assert clean_heading(raw) == (text, anchor)


def test_rst_sections_and_code_blocks() -> None:
    rst = "Title\n=====\n\nIntro.\n\nSection\n-------\n\nExample::\n\n   x = 1\n   # comment\n\n.. code-block:: python\n\n   print('hi')\n"
    chunks = chunks_of(rst, path="doc.rst")
    assert [c.title for c in chunks] == ["Title", "Title > Section"]
    assert "```\nx = 1\n# comment\n```" in chunks[1].content
    assert "```python\nprint('hi')\n```" in chunks[1].content


def _fence_lines(text: str) -> list[str]:
    return [
        ln.strip()
        for ln in text.split("\n")
        if re.match(r"^\s*(`{3,}|~{3,})(\s.*|[\w{\[.+#-].*)?$", ln)
    ]


SAMPLE_EVERY = 25  # CI checks every 25th file of each corpus library; -m full_corpus checks all


def _corpus_fences_balanced(every: int) -> tuple[int, int]:
    """Chunk every `every`-th file of each corpus library (in path order) as indexing would;
    assert no chunk opens a code block it does not close. (files, chunks) seen."""
    from codex7.embeddings.local import LocalEmbedder
    from codex7.sources import open_source
    from codex7.sources.select import SelectionRules

    minilm = LocalEmbedder("all-MiniLM-L6-v2")
    files = chunks = 0
    for root in sorted(p for p in CORPUS.glob("*/*/*") if p.is_dir()):
        src = open_source(str(root), cache_dir=Path("/nonexistent"))
        selected = sorted(src.files(SelectionRules.build(src.config)), key=lambda f: f.path)
        for f in selected[::every]:
            files += 1
            for c in chunk_file(f, max_tokens=minilm.max_tokens, count=minilm.count_tokens):
                chunks += 1
                assert fences_balanced(c.content), (f.path, c.title)
                assert len(_fence_lines(c.content)) % 2 == 0, (f.path, c.title)
    return files, chunks


@pytest.mark.slow
def test_a_sample_of_the_corpus_chunks_into_balanced_fences() -> None:
    """Property over the real corpus, sampled so that it runs in every test run."""
    files, chunks = _corpus_fences_balanced(SAMPLE_EVERY)
    assert files > 2000 // SAMPLE_EVERY and chunks > 40000 // SAMPLE_EVERY


@pytest.mark.full_corpus
def test_every_chunk_of_the_whole_corpus_has_balanced_fences() -> None:
    """The same over every file (minutes): `pytest -m full_corpus`."""
    files, chunks = _corpus_fences_balanced(1)
    assert files > 2000 and chunks > 40000


def test_traceback_carets_are_code_not_fences() -> None:
    text = (
        "# Tb\n\n```pycon\n>>> f()\n    lumberjack()\n    ~~~~~~~~~~^^\nIndexError\n```\n\nAfter.\n"
    )
    chunks = chunks_of(text)
    assert len(chunks) == 1 and chunks[0].code_language == "pycon"
    assert "~~~~~~~~~~^^\nIndexError\n```\n\nAfter." in chunks[0].content
