"""docs/team.md's commands work as written: the first block (but `serve`) and the private /
public re-index, run through the CLI on a real database."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from codex7.cli import cli
from codex7.config import Settings
from tests.paths import REPO

DOC = REPO / "docs" / "team.md"


def sh_blocks() -> list[list[str]]:
    return [
        [line for line in block.splitlines() if line.strip()]
        for block in re.findall(r"```sh\n(.*?)```", DOC.read_text(), flags=re.S)
    ]


def test_the_commands_on_the_team_page_work(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for folder in ("runbooks", "handbook"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "index.md").write_text(f"# {folder}\n\nHow we do {folder}.\n")
    env = {
        "DATABASE_URL": str(settings.database_url),
        "CODEX7_DATA_DIR": str(settings.data_dir),
        "CODEX7_EMBEDDING_PROVIDER": "fake",  # registered by tests/auth/conftest.py
        "CODEX7_EMBEDDING_MODEL": "fake-8",
    }

    def run(line: str, **extra: str) -> str:
        words = shlex.split(line.split("#")[0])
        assert words[0] == "codex7", line
        if words[1] == "index":
            words.append("--inline")
        result = CliRunner().invoke(cli, words[1:], env={**env, **extra})
        assert result.exit_code == 0, (line, result.output)
        return result.stdout

    quick, private = sh_blocks()[0], sh_blocks()[1]
    outputs = [run(line) for line in quick if not line.startswith("codex7 serve")]
    assert outputs[1].startswith("ctx7sk-") and outputs[2].startswith("ctx7sk-")
    listed = run("codex7 libraries --json", CODEX7_WORKSPACE="platform")
    assert [x["id"] for x in json.loads(listed)] == ["/platform/runbooks"]
    assert json.loads(run("codex7 libraries --json")) == []  # private to platform
    run(private[0])
    run(private[1])  # the same again, --public: visible to all
    assert [x["id"] for x in json.loads(run("codex7 libraries --json"))] == ["/platform/handbook"]
    events = json.loads(run("codex7 audit --workspace platform --action library --json"))
    assert ("library.visibility", "/platform/handbook") in {
        (e["action"], e["target"]) for e in events
    }
