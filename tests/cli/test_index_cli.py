"""The indexer's CLI verbs as a user runs them (real database, real local model, tiny docs)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from codex7.cli import cli
from tests.gitrepo import git


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": db_url, "CODEX7_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "install.md").write_text(
        "# Install\n\nRun `pip install widgets`.\n\n```bash\npip install widgets\n```\n"
    )
    (root / "usage.md").write_text(
        "# Usage\n\n## Spinning\n\nCall `widget.spin()` to spin a widget.\n"
    )
    return root


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_index_list_versions_remove_and_jobs(env: dict[str, str], docs: Path) -> None:
    code, out = run(
        env,
        "index",
        str(docs),
        "--library",
        "/acme/widgets",
        "--version",
        "1.0",
        "--name",
        "Widgets",
    )
    assert code == 0, out
    assert (
        "/acme/widgets/1.0 indexed: 2 files, 2 chunks (2 embedded, 0 reused)" in out
        and "latest" in out
    )
    code, out = run(env, "index", str(docs), "-l", "/acme/widgets", "--version", "2.0", "--latest")
    assert code == 0 and "(0 embedded, 2 reused)" in out

    code, out = run(env, "libraries", "--json")
    listed = json.loads(out)
    assert listed[0].pop("indexed_at")  # when its newest version was indexed
    assert listed == [
        {
            "id": "/acme/widgets",
            "name": "Widgets",
            "latest": "2.0",
            "versions": 2,
            "chunks": 4,
            "visibility": "public",
            "description": "",
        }
    ]
    code, out = run(env, "versions", "/acme/widgets")
    assert code == 0 and out.splitlines()[2].split()[:3] == ["2.0", "yes", "2"]

    code, out = run(env, "remove", "/acme/widgets/2.0")
    assert code == 0 and "Removed /acme/widgets/2.0." in out
    code, out = run(env, "versions", "/acme/widgets", "--json")
    assert [(v["version"], v["latest"]) for v in json.loads(out)] == [("1.0", "yes")]

    code, out = run(env, "jobs", "--json")
    assert [j["status"] for j in json.loads(out)] == ["succeeded", "succeeded"]
    code, out = run(env, "remove", "/acme/widgets")
    assert code == 0
    code, out = run(env, "libraries")
    assert "No libraries indexed yet" in out


def test_refresh_reports_unchanged_then_updated(env: dict[str, str], docs: Path) -> None:
    assert run(env, "index", str(docs), "-l", "/acme/widgets", "--version", "1.0")[0] == 0
    code, out = run(env, "refresh")
    assert code == 0 and out.strip() == "/acme/widgets/1.0: unchanged (2 chunks)"
    (docs / "usage.md").write_text("# Usage\n\n## Spinning\n\nCall `widget.spin(fast=True)` now.\n")
    code, out = run(env, "refresh", "/acme/widgets")
    assert (
        code == 0 and out.strip() == "/acme/widgets/1.0: updated (2 chunks: 1 embedded, 1 reused)"
    )


def test_bad_input_is_one_line_and_stores_nothing(
    env: dict[str, str], docs: Path, tmp_path: Path
) -> None:
    cases = [
        (
            ["index", str(tmp_path / "missing"), "-l", "/acme/widgets"],
            "is not a folder or a git URL",
        ),
        (["index", str(docs), "-l", "acme"], "Invalid library ID 'acme'"),
        (["index", str(docs), "-l", "/acme/widgets/1.0"], "give the library as /org/project"),
        (["versions", "/acme/nothing"], "Library /acme/nothing is not indexed"),
        (["remove", "/acme/nothing/1"], "Library /acme/nothing is not indexed"),
    ]
    for args, message in cases:
        code, out = run(env, *args)
        assert code == 1, (args, out)
        assert out.startswith("Error: ") and message in out, out
        assert len(out.strip().splitlines()) == 1 and "Traceback" not in out

    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    code, out = run(env, "index", str(repo), "-l", "/acme/widgets", "--ref", "v9")
    assert code == 1 and "Ref 'v9' not found" in out
    assert "No libraries indexed yet" in run(env, "libraries")[1]


def test_switching_model_on_a_built_database_is_refused(env: dict[str, str], docs: Path) -> None:
    assert run(env, "index", str(docs), "-l", "/acme/widgets", "--version", "1")[0] == 0
    other = {
        **env,
        "CODEX7_EMBEDDING_PROVIDER": "openai",
        "OPENAI_API_KEY": "sk-test-not-a-real-key",
    }
    code, out = run(other, "index", str(docs), "-l", "/acme/gadgets", "--version", "1")
    assert code == 1
    assert "holds embeddings from local all-MiniLM-L6-v2 (384 dims)" in out
    assert "CODEX7_EMBEDDING_PROVIDER=local" in out and "sk-test" not in out


@pytest.fixture
def repo(tmp_path: Path, docs: Path) -> Path:
    """A repository with docs/ at tag v1 on main, then one untagged commit on main."""
    root = tmp_path / "widgets"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "docs").mkdir()
    for page in docs.iterdir():
        (root / "docs" / page.name).write_text(page.read_text())
    git(root, "add", "-A")
    git(root, "commit", "-qm", "one")
    git(root, "tag", "v1")
    (root / "docs" / "usage.md").write_text("# Usage\n\nCall `widget.spin(fast=True)`.\n")
    git(root, "commit", "-qam", "two")
    return root


def test_relative_repository_path_refreshes_from_anywhere(
    env: dict[str, str], repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    code, out = run(env, "index", "../widgets", "-l", "/acme/widgets", "--ref", "v1")
    assert code == 0, out
    (tmp_path / "elsewhere" / "deeper").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "elsewhere" / "deeper")
    code, out = run(env, "refresh")
    assert code == 0 and out.strip() == "/acme/widgets/v1: unchanged (2 chunks)", out


def test_without_version_the_git_ref_names_it(env: dict[str, str], repo: Path, docs: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    for ref, name in [("v1", "v1"), ("main", "main"), (head, head[:7])]:
        code, out = run(env, "index", str(repo), "-l", "/acme/widgets", "--ref", ref)
        assert code == 0 and f"/acme/widgets/{name} indexed:" in out, out
    git(repo, "tag", "v2")
    code, out = run(env, "index", f"file://{repo}", "-l", "/acme/gadgets")
    assert code == 0 and "/acme/gadgets/v2 indexed:" in out, out
    versions = json.loads(run(env, "versions", "/acme/widgets", "--json")[1])
    assert {v["version"] for v in versions} == {"v1", "main", head[:7]}

    code, out = run(env, "index", str(docs), "-l", "/acme/widgets")
    assert code == 1 and len(out.strip().splitlines()) == 1
    assert "is a folder, so its version needs a name: add --version (e.g. --version 2.1)" in out


def test_unreadable_files_and_unresolved_includes_are_reported(
    env: dict[str, str], docs: Path
) -> None:
    (docs / "broken.ipynb").write_text("{ not a notebook")
    (docs / "guide.md").write_text("# Guide\n\nThe example:\n\n{* ./missing_example.py *}\n")
    code, out = run(env, "index", str(docs), "--library", "/acme/widgets", "--version", "1")
    assert code == 0, out
    assert "Skipped 1 file(s) that could not be read:" in out
    assert "broken.ipynb" in out
    assert "1 include directive(s) left unresolved:" in out
    assert "guide.md: {* ./missing_example.py *}" in out
