"""Which files get indexed: Context7's default skips, context7.json, and CLI overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codex7.errors import SourceError
from codex7.sources import open_source
from codex7.sources.select import SelectionRules, read_context7_json, select_files

TREE = [
    "README.md",
    "CHANGELOG.md",
    "docs/guide.md",
    "docs/api/hooks.mdx",
    "docs/legacy/old-api.md",
    "docs/zh-cn/guide.md",
    "docs/notes.txt",
    "docs/image.png",
    "node_modules/pkg/README.md",
    "dist/out.md",
    "archive/2019.md",
    "examples/demo.md",
    "examples/internal/secret.md",
]


def make_tree(root: Path, extra: dict[str, str] | None = None) -> Path:
    for rel in TREE:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(f"# {rel}\n\ntext\n")
    for rel, text in (extra or {}).items():
        (root / rel).write_text(text)
    return root


def test_default_skips_follow_context7(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    assert select_files(root, SelectionRules.build(read_context7_json(root))) == [
        "README.md",
        "docs/api/hooks.mdx",
        "docs/guide.md",
        "docs/notes.txt",
        "examples/demo.md",
        "examples/internal/secret.md",
    ]


def test_context7_json_folders_excludes_and_rules(tmp_path: Path) -> None:
    cfg = {
        "projectTitle": "Widgets",
        "description": "Widgets for everyone.",
        "folders": ["docs", "examples"],
        "excludeFolders": ["internal", "./docs/api"],
        "excludeFiles": ["notes.txt"],
        "rules": ["Always import widgets from 'widgets/core'."],
        "previousVersions": [{"tag": "v1.0.0", "title": "v1"}],
    }
    root = make_tree(tmp_path, {"context7.json": json.dumps(cfg)})
    config = read_context7_json(root)
    assert config.rules == cfg["rules"] and config.project_title == "Widgets"
    selected = select_files(root, SelectionRules.build(config))
    # Explicit excludes replace the defaults (legacy/, CHANGELOG come back into scope only
    # where `folders` allows), root-level files are always in, and excludes beat folders.
    assert selected == [
        "CHANGELOG.md",
        "README.md",
        "docs/guide.md",
        "docs/legacy/old-api.md",
        "examples/demo.md",
    ]


def test_cli_flags_override_context7_json(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {"context7.json": json.dumps({"folders": ["docs"]})})
    rules = SelectionRules.build(read_context7_json(root), folders=["examples"])
    assert select_files(root, rules) == [
        "README.md",
        "examples/demo.md",
        "examples/internal/secret.md",
    ]


def test_bad_context7_json_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "context7.json").write_text("{not json")
    with pytest.raises(SourceError, match="context7.json .* is not valid JSON"):
        read_context7_json(tmp_path)
    (tmp_path / "context7.json").write_text(json.dumps({"folders": "docs"}))
    with pytest.raises(SourceError, match="'folders' must be a list of strings"):
        read_context7_json(tmp_path)


def test_missing_folder_and_ref_without_repo_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is not a folder or a git URL"):
        open_source(str(tmp_path / "nope"), cache_dir=tmp_path / "cache")
    with pytest.raises(SourceError, match="needs a git repository"):
        open_source(str(tmp_path), ref="v1", cache_dir=tmp_path / "cache")


def test_default_and_configured_excludes_ignore_case(tmp_path: Path) -> None:
    names = [
        "CODE_OF_CONDUCT.md",
        "code_of_conduct.md",
        "changelog.md",
        "Changelog.rst",
        "CHANGELOG.MD",
        "License.md",
        "docs/Legacy/api.md",
        "docs/ARCHIVE/2019.md",
        "Old/notes.md",
        "docs/guide.md",
    ]
    for rel in names:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(f"# {rel}\n")
    assert select_files(tmp_path, SelectionRules.build(read_context7_json(tmp_path))) == [
        "docs/guide.md"
    ]
    (tmp_path / "context7.json").write_text(
        json.dumps({"excludeFolders": ["legacy", "./OLD"], "excludeFiles": ["LICENSE.md"]})
    )
    assert select_files(tmp_path, SelectionRules.build(read_context7_json(tmp_path))) == [
        "CHANGELOG.MD",
        "CODE_OF_CONDUCT.md",
        "Changelog.rst",
        "changelog.md",
        "code_of_conduct.md",
        "docs/ARCHIVE/2019.md",
        "docs/guide.md",
    ]
