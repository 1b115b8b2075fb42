"""A library's name and description, derived from the source when --name is not given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codex7.sources.names import derive_name, is_generic
from codex7.sources.select import Context7Config, read_context7_json
from tests.paths import CORPUS


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


MKDOCS = "site_name: FastAPI\nsite_description: FastAPI framework, high performance\ntheme:\n  name: material\n"


@pytest.mark.parametrize(
    ("files", "name", "description"),
    [
        ({"mkdocs.yml": MKDOCS}, "FastAPI", "FastAPI framework, high performance"),
        (
            {
                "docusaurus.config.ts": "const config = {\n  title: 'Docusaurus',\n  tagline: 'Dinosaurs are cool',\n"
                "  themeConfig: { navbar: { title: 'My Site' } },\n};\n"
            },
            "Docusaurus",
            "Dinosaurs are cool",
        ),
        (
            {
                ".vitepress/config.mts": 'export default defineConfig({\n  title: "Vite",\n'
                '  description: "Next Generation Frontend Tooling",\n})\n'
            },
            "Vite",
            "Next Generation Frontend Tooling",
        ),
        (
            {"astro.config.mjs": "integrations: [starlight({ title: 'Starlight' })]\n"},
            "Starlight",
            None,
        ),
        (
            {
                "package.json": json.dumps(
                    {"name": "@withastro/docs", "description": "Astro docs"}
                ),
                "pyproject.toml": '[project]\nname = "sqlmodel"\ndescription = "SQL databases"\n',
            },
            "sqlmodel",
            "SQL databases",
        ),
        (
            {"README.md": "[![ci](x.svg)](ci)\n\n# The **Hono** framework\n\ntext\n"},
            "The Hono framework",
            None,
        ),
        ({"README.md": "# Documentation\n", "index.md": "# Home\n"}, "pydantic", None),
    ],
)
def test_name_comes_from_the_first_file_that_names_the_project(
    tmp_path: Path, files: dict[str, str], name: str, description: str | None
) -> None:
    root = write(tmp_path / "repo", files)
    (root / ".git").mkdir()
    derived = derive_name(root, "pydantic", "pydantic", Context7Config())
    assert (derived.name, derived.description) == (name, description)


def test_context7_json_wins_and_site_configs_beat_manifests_and_readme(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "README.md": "# fastapi-repo\n",
            "package.json": json.dumps({"name": "fastapi-site"}),
            "mkdocs.yml": MKDOCS,
        },
    )
    assert derive_name(root, "fastapi", "fastapi", Context7Config()).name == "FastAPI"
    (root / "context7.json").write_text(
        json.dumps({"projectTitle": "FastAPI (official)", "description": "Web APIs"})
    )
    derived = derive_name(root, "fastapi", "fastapi", read_context7_json(root))
    assert (derived.name, derived.description, derived.source) == (
        "FastAPI (official)",
        "Web APIs",
        "context7.json",
    )


def test_a_docs_subfolder_is_named_from_its_repository_but_not_from_beyond(
    tmp_path: Path,
) -> None:
    outside = write(tmp_path, {"package.json": json.dumps({"name": "my-home-folder"})})
    repo = write(
        outside / "astro-docs",
        {
            "package.json": json.dumps({"name": "docs"}),
            "astro.config.ts": "starlight({ title: 'Astro Documentation', description: 'Build fast' })",
            "src/content/docs/en/index.md": "# Welcome\n",
        },
    )
    docs = repo / "src/content/docs"
    assert derive_name(docs, "withastro", "docs").name == "Astro Documentation"
    # Four levels up is too far for a local folder.
    assert derive_name(docs / "en", "withastro", "docs").name == "Astro"
    (repo / "astro.config.ts").unlink()
    (repo / ".git").mkdir()  # the repository root: nothing above it is read
    assert derive_name(docs, "withastro", "docs").name == "Astro"


@pytest.mark.parametrize(
    ("org", "project", "version", "name"),
    [
        ("withastro", "docs", "5.x", "Astro"),
        ("honojs", "website", "4.x", "Hono"),
        ("vuejs", "docs", "3.5", "Vue"),
        ("vercel", "next.js", "16.1.0-canary.10", "next.js"),
        ("reactjs", "react.dev", "19.2", "react.dev"),
        ("fastapi", "sqlmodel", "0.0.39", "sqlmodel"),
    ],
)
def test_docs_only_corpus_folders_fall_back_to_the_id(
    org: str, project: str, version: str, name: str
) -> None:
    derived = derive_name(CORPUS / org / project / version, org, project)
    assert (derived.name, derived.source) == (name, "id")


def test_generic_names() -> None:
    for name in ("docs", "Website", "@withastro/docs", "docs-site", "My Site", "", "www"):
        assert is_generic(name), name
    for name in ("astro-docs", "@tanstack/query", "FastAPI", "vite"):
        assert not is_generic(name), name
