"""Include directives resolved as the docs build would: FastAPI, markdown-include, mdx_include,
pymdown snippets, Docusaurus raw-loader; unresolvable ones kept and reported."""

from __future__ import annotations

from pathlib import Path

from codex7.sources.directives import base_paths, select_lines
from codex7.sources.includes import resolve_includes


def tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


APP = "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/')\ndef root():\n    return {}\n"


def test_fastapi_variants_include_the_file_or_its_lines_as_python(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "docs/en/mkdocs.yml": "site_name: X\n",
            "docs_src/app.py": APP,
            "docs/en/docs/tutorial/page.md": (
                "# Page\n\n{* ../../docs_src/app.py hl[3] *}\n\n"
                '{* ../../docs_src/app.py ln[1:1,6:8] hl[7] title["app/main.py"] *}\n'
            ),
        },
    )
    page = "docs/en/docs/tutorial/page.md"
    text, problems = resolve_includes(root, page, (root / page).read_text())
    assert problems == []
    assert f"```python\n{APP.rstrip()}\n```" in text
    assert (
        '```python title="app/main.py"\nfrom fastapi import FastAPI\n...\n'
        "@app.get('/')\ndef root():\n    return {}\n```"
    ) in text


def test_markdown_include_inside_a_fence_is_raw_and_outside_is_fenced_or_inlined(
    tmp_path: Path,
) -> None:
    root = tree(
        tmp_path,
        {
            "mkdocs.yml": "markdown_extensions:\n  mdx_include:\n    base_path: docs\n",
            "docs_src/app.py": APP,
            "docs/part.md": "Shared *part* with {!../docs_src/app.py!lines=1!}\n",
            "docs/guide/page.md": (
                '```Python hl_lines="3"\n{!> ../docs_src/app.py!}\n```\n\n'
                "{!../docs_src/app.py [ln:6-8] !}\n\n"
                "{!part.md!}\n\n"
                "Escaped: \\{!nope.md!}\n"
            ),
        },
    )
    text, problems = resolve_includes(
        root, "docs/guide/page.md", (root / "docs/guide/page.md").read_text()
    )
    assert problems == []
    assert f'```Python hl_lines="3"\n{APP.rstrip()}\n```' in text  # base_path: docs
    assert "```python\n@app.get('/')\ndef root():\n    return {}\n```" in text
    assert "Shared *part* with from fastapi import FastAPI" in text  # recursive, inline
    assert "\\{!nope.md!}" in text


def test_pymdown_snippets_lines_sections_blocks_and_escapes(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "mkdocs.yml": "site_name: S\n",
            "examples/demo.py": (
                "import os\n# --8<-- [start:main]\nprint(os.getcwd())\n# --8<-- [end:main]\n"
            ),
            "snippets/note.md": "> A shared note.\n",
            "docs/page.md": (
                '```python\n--8<-- "examples/demo.py:main"\n```\n\n'
                '--8<-- "examples/demo.py:1:1"\n\n'
                "--8<--\nsnippets/note.md\n;skipped.md\n--8<--\n\n"
                ';--8<-- "literal.md"\n'
            ),
        },
    )
    text, problems = resolve_includes(root, "docs/page.md", (root / "docs/page.md").read_text())
    assert problems == []
    assert "```python\nprint(os.getcwd())\n```" in text
    assert "```python\nimport os\n```" in text
    assert "> A shared note." in text and "skipped.md" not in text
    assert '--8<-- "literal.md"' in text and ";--8<--" not in text


def test_docusaurus_raw_loader_code_blocks_and_mdx_partials(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "website/docusaurus.config.js": "module.exports = {title: 'W'};\n",
            "website/examples/hello.ts": "export const hello = () => 'hi';\n",
            "website/docs/_shared.mdx": "Shared **partial** text.\n",
            "website/docs/intro.mdx": (
                "import CodeBlock from '@theme/CodeBlock';\n"
                "import Hello from '!!raw-loader!@site/examples/hello.ts';\n"
                "import Shared from './_shared.mdx';\n\n"
                "# Intro\n\n"
                '<CodeBlock language="ts" title="hello.ts">{Hello}</CodeBlock>\n\n'
                "<Shared />\n"
            ),
        },
    )
    page = "website/docs/intro.mdx"
    text, problems = resolve_includes(root, page, (root / page).read_text())
    assert problems == []
    assert "```ts title=\"hello.ts\"\nexport const hello = () => 'hi';\n```" in text
    assert "Shared **partial** text." in text and "<Shared />" not in text


def test_unresolvable_directives_stay_and_are_reported(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("top secret\n")
    root = tree(
        tmp_path / "repo",
        {
            "docs/a.md": "{!b.md!}\n",
            "docs/b.md": "{!a.md!}\n",
            "docs/page.md": (
                "{* ../../secret.txt *}\n\n{!missing.py!}\n\n"
                '--8<-- "https://example.com/x.md"\n\n{!a.md!}\n'
            ),
        },
    )
    (root / "docs" / "link.txt").symlink_to(outside)
    page = (root / "docs/page.md").read_text() + "\n{!link.txt!}\n"
    text, problems = resolve_includes(root, "docs/page.md", page)
    assert "top secret" not in text
    assert "{* ../../secret.txt *}" in text and "{!missing.py!}" in text
    reasons = {p.directive: p.reason for p in problems}
    assert reasons["{* ../../secret.txt *}"] == "points outside the source"
    assert reasons["{!missing.py!}"].startswith("no such file in the source")
    assert reasons['--8<-- "https://example.com/x.md"'] == "a URL, not a file in the source"
    assert reasons["{!a.md!}"] == "docs/a.md includes itself"
    assert "{!link.txt!}" in reasons  # a symlink out of the source is not followed
    assert all(p.page == "docs/page.md" for p in problems)


def test_line_ranges_and_mkdocs_base_paths() -> None:
    text = "\n".join(f"l{i}" for i in range(1, 11))
    assert select_lines(text, [(2, 3), (4, 4), (9, None)]) == "l2\nl3\nl4\n...\nl9\nl10"
    config = (
        "markdown_extensions:\n  - pymdownx.snippets:\n      base_path: [docs, 'includes']\n"
        "  - mdx_include:\n      base_path:\n        - src\n        - .\n"
    )
    assert base_paths(config) == ["docs", "includes", "src"]


def test_only_directive_lines_change(tmp_path: Path) -> None:
    page = (
        "1. Install:\n\n   ```sh\n   npm i widgets\n   ```\n\n"
        '{!snippet.txt!}\n\n~~~~python\nnew = {**old, "k": 1}\n~~~~\n'
    )
    root = tree(tmp_path, {"snippet.txt": "plain words\n", "page.md": page})
    text, problems = resolve_includes(root, "page.md", page)
    assert text == page.replace("{!snippet.txt!}", "```text\nplain words\n```")
    assert problems == []
