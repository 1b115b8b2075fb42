"""Git sources: shallow checkout at a branch, tag or commit, from repositories made here."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex7.errors import SourceError
from codex7.sources import open_source
from codex7.sources.git import version_name, web_base
from tests.gitrepo import git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "upstream"
    (root / "docs").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "docs" / "intro.md").write_text("# Intro\n\nVersion one.\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "v1")
    git(root, "tag", "v1.0.0")
    (root / "docs" / "intro.md").write_text("# Intro\n\nVersion two.\n")
    git(root, "commit", "-qam", "v2")
    return root


def test_checkout_at_tag_records_its_commit(repo: Path, tmp_path: Path) -> None:
    tag_commit = git(repo, "rev-list", "-n1", "v1.0.0")
    src = open_source(f"file://{repo}", ref="v1.0.0", cache_dir=tmp_path / "cache")
    assert src.kind == "git" and src.commit == tag_commit
    assert (src.root / "docs/intro.md").read_text() == "# Intro\n\nVersion one.\n"


def test_branch_then_refresh_moves_to_newest_commit(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = open_source(str(repo), ref="main", cache_dir=cache)
    (repo / "docs" / "intro.md").write_text("# Intro\n\nVersion three.\n")
    git(repo, "commit", "-qam", "v3")
    again = open_source(str(repo), ref="main", cache_dir=cache)
    assert again.root == first.root  # the cached clone is reused
    assert again.commit == git(repo, "rev-parse", "HEAD") != first.commit
    assert "Version three" in (again.root / "docs/intro.md").read_text()


def test_checkout_at_commit_sha(repo: Path, tmp_path: Path) -> None:
    sha = git(repo, "rev-list", "-n1", "v1.0.0")
    src = open_source(f"file://{repo}", ref=sha[:10], cache_dir=tmp_path / "cache")
    assert src.commit == sha


def test_unknown_ref_and_unreachable_repo_are_clear_errors(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="Ref 'v9.9.9' not found"):
        open_source(f"file://{repo}", ref="v9.9.9", cache_dir=tmp_path / "cache")
    with pytest.raises(SourceError, match="Could not fetch"):
        open_source(f"file://{tmp_path}/missing-repo", ref="main", cache_dir=tmp_path / "cache")


def test_known_forges_get_web_urls() -> None:
    assert (
        web_base("https://github.com/vercel/next.js.git", "abc")
        == "https://github.com/vercel/next.js/blob/abc"
    )
    assert (
        web_base("git@gitlab.com:org/repo.git", "abc") == "https://gitlab.com/org/repo/-/blob/abc"
    )
    assert web_base("file:///tmp/repo", "abc") is None


def test_version_names_follow_tags_then_branches_then_commits(repo: Path) -> None:
    v1, head = git(repo, "rev-list", "-n1", "v1.0.0"), git(repo, "rev-parse", "HEAD")
    git(repo, "branch", "release/1.x", v1)
    assert version_name(str(repo), "v1.0.0") == "v1.0.0"
    assert version_name(f"file://{repo}", "main") == "main"
    assert version_name(str(repo), None) == "main"  # the default branch
    assert version_name(str(repo), "release/1.x") == "v1.0.0"  # a tag on the branch's commit
    assert version_name(str(repo), v1) == "v1.0.0"
    assert version_name(str(repo), head[:10]) == head[:7]
    git(repo, "tag", "stable")
    git(repo, "tag", "-a", "v2.0.0", "-m", "two")  # annotated: its commit, not the tag object
    assert version_name(str(repo), "main") == "v2.0.0"
    assert version_name(str(repo), None) == "v2.0.0"
    assert version_name(str(repo), "stable") == "stable"  # a tag asked for by name is kept


def test_version_name_of_unknown_ref_is_a_clear_error(repo: Path) -> None:
    with pytest.raises(SourceError, match="Ref 'v9.9.9' not found"):
        version_name(str(repo), "v9.9.9")
