"""`codex7 libraries|versions|rename|remove` as a user runs them (real PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner

from codex7.cli import cli
from codex7.config import Settings
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.store.database import open_database
from tests.fakes import FakeEmbedder


def index(settings: Settings, folder: Path, library: str, version: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "usage.md").write_text("# Usage\n\nCall `widget.spin()` to spin a widget.\n")
    with open_database(settings) as db:
        req = IndexRequest(str(folder), library, version=version)
        index_version(db, FakeEmbedder(), req, cache_dir=settings.data_dir / "git")


def run(settings: Settings, *args: str) -> tuple[int, str]:
    env = {"DATABASE_URL": str(settings.database_url), "CODEX7_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_rename_then_list_versions_and_remove(settings: Settings, tmp_path: Path) -> None:
    index(settings, tmp_path / "v1", "/acme/widgets", "1.0")
    index(settings, tmp_path / "v2", "/acme/widgets", "2.0")

    code, out = run(settings, "rename", "/acme/widgets", "Acme Widgets")
    assert (code, out) == (0, "Renamed /acme/widgets to 'Acme Widgets'.\n")
    code, out = run(settings, "libraries", "--json")
    (listed,) = json.loads(out)
    assert {k: v for k, v in listed.items() if k != "indexed_at"} == {
        "id": "/acme/widgets",
        "name": "Acme Widgets",
        "latest": "2.0",
        "versions": 2,
        "chunks": 2,
        "visibility": "public",
        "description": "",
    }
    assert datetime.fromisoformat(listed["indexed_at"])
    code, out = run(settings, "libraries")
    assert out.splitlines()[0].split() == [
        "id",
        "name",
        "latest",
        "versions",
        "chunks",
        "visibility",
        "indexed_at",
        "description",
    ]

    code, out = run(settings, "versions", "/acme/widgets", "--json")
    assert [(v["version"], v["latest"], v["chunks"]) for v in json.loads(out)] == [
        ("2.0", "yes", 1),
        ("1.0", "", 1),
    ]
    code, out = run(settings, "remove", "/acme/widgets/2.0")
    assert (code, out) == (0, "Removed /acme/widgets/2.0.\n")
    code, out = run(settings, "versions", "/acme/widgets")
    assert out.splitlines()[2].split()[:2] == ["1.0", "yes"]


def test_mistakes_are_one_line_naming_what_would_do(settings: Settings, tmp_path: Path) -> None:
    index(settings, tmp_path / "v1", "/acme/widgets", "1.0")
    for args, message in [
        (["rename", "/acme/nothing", "X"], "Library /acme/nothing is not indexed. Indexed"),
        (["rename", "/acme/widgets", " "], "A library name must be 1 to 200 characters"),
        (["rename", "/acme/widgets/1.0", "X"], "/acme/widgets/1.0"),
        (["remove", "/acme/widgets/9"], "Version '9' of /acme/widgets is not indexed."),
        (["versions", "acme"], "acme"),
    ]:
        code, out = run(settings, *args)
        assert code == 1 and out.startswith("Error: ") and message in out, (args, out)
        assert len(out.strip().splitlines()) == 1 and "Traceback" not in out
