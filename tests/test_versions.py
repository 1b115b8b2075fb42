"""Versions as people write them: ranges and ordering (pure), then latest and resolution on a real DB."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from codex7.config import Settings
from codex7.errors import VersionNotFound
from codex7.ingest.pipeline import IndexRequest, IndexResult, index_version
from codex7.search.resolve_version import resolve_target
from codex7.store import versions as store_versions
from codex7.store.database import Database, open_database
from codex7.versions import (
    InvalidVersion,
    becomes_latest,
    closest,
    newest_first,
    parse_spec,
    parse_version,
    pick,
)
from tests.fakes import FakeEmbedder

NAMES = [
    "1.10.26",
    "2.0.0a1",
    "2.0.0b2",
    "2.0.0rc1",
    "2.0.0",
    "2.3.1",
    "2.9.0-rc1",
    "3.0.0-rc1",
    "5.2.0",
    "5.x",
    "v14.2.3",
    "16.1.0-canary.10",
    "16.1.0",
    "main",
]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("2", "2.3.1"),  # not 2.9.0-rc1: releases rank above pre-releases
        ("v2", "2.3.1"),
        ("2.x", "2.3.1"),
        ("2.*", "2.3.1"),
        ("^2", "2.3.1"),
        ("^2.0.0", "2.3.1"),
        ("~2.0", "2.0.0"),
        (">=2 <3", "2.3.1"),
        (">=2,<3", "2.3.1"),
        (">= 2, < 3", "2.3.1"),
        ("<3", "2.3.1"),  # 3.0.0-rc1 is a pre-release of 3, so not below it
        ("~=2.0", "2.3.1"),
        ("==2.0", "2.0.0"),
        ("2.9.0-rc1", "2.9.0-rc1"),  # asked for exactly
        ("3", "3.0.0-rc1"),  # nothing else matches
        ("2.0.0B2", "2.0.0b2"),
        ("14", "v14.2.3"),
        ("14.2.3", "v14.2.3"),
        ("V14.2.3", "v14.2.3"),
        ("16", "16.1.0"),
        ("5", "5.x"),  # a release-line folder covers every 5.*
        ("5.2", "5.2.0"),
        ("main", "main"),
        ("latest", "2.3.1"),
        ("4", None),
        ("^1.11", None),
        ("develop", None),
    ],
)
def test_pick_reads_ranges_prefixes_and_names(spec: str, expected: str | None) -> None:
    assert pick(spec, NAMES, latest="2.3.1") == expected


def test_latest_without_a_latest_is_the_newest_release() -> None:
    assert pick("latest", ["3.0.0-rc1", "main", "2.1"], latest=None) == "2.1"
    assert pick("latest", ["latest", "1.0"], latest="1.0") == "1.0"


@pytest.mark.parametrize("spec", [">>2", ">=", "^", "~=2", ">=2.x", ">=main", "1.x || 2.x"])
def test_malformed_ranges_name_the_accepted_forms(spec: str) -> None:
    with pytest.raises(InvalidVersion, match=r"\^18, ~18\.2, >=2 <3, >=2,<3\) or latest"):
        pick(spec, NAMES, latest=None)


def test_versions_order_numerically_with_prereleases_first() -> None:
    ordered = [
        "1.10.26",
        "2.0.0a1",
        "2.0.0b2",
        "2.0.0rc1",
        "2.0.0",
        "2.9.0-rc1",
        "2.9.0",
        "2.10.0",
        "16.1.0-canary.10",
        "16.1.0",
        "main",
    ]
    assert newest_first(reversed(ordered)) == ordered[::-1]


def test_parse_version_tells_numbers_from_names() -> None:
    v = parse_version("v2.9.0-rc.1+build.5")
    assert v is not None and v.release == (2, 9, 0) and v.pre == ("rc", 1)
    line = parse_version("5.x")
    assert line is not None and line.series and line.release == (5,)
    assert parse_version("main") is None and parse_version("release-2") is None
    assert parse_spec("main").bounds == () and parse_spec("*").latest


def test_closest_prefers_the_same_major_then_the_latest() -> None:
    names = ["13.5.0", "14.0.0", "14.2.3", "15.0.0", "15.1.0-rc1"]
    assert closest("14.1", names, latest="15.0.0") == "14.2.3"  # the next newer in 14
    assert closest("14.3", names, latest="15.0.0") == "14.2.3"  # else the newest older in 14
    assert closest("^15.2", names, latest="15.0.0") == "15.0.0"  # a release before an rc
    assert closest("12", names, latest="15.0.0") == "15.0.0"
    assert closest("develop", names, latest="15.0.0") == "15.0.0"


@pytest.mark.parametrize(
    ("new", "names", "current", "expected"),
    [
        ("0.28.1", ["0.27.0"], "0.27.0", True),
        ("0.26.0", ["0.27.0"], "0.27.0", False),
        ("0.29.0-rc1", ["0.27.0"], "0.27.0", False),
        ("0.29.0-rc1", [], None, True),  # the only version
        ("0.29.0-rc2", ["0.29.0-rc1"], "0.29.0-rc1", True),  # no release at all yet
        ("0.27.1", ["0.29.0-rc1"], "0.29.0-rc1", True),
        ("0.28.0", ["0.27.0", "0.29.0"], "0.27.0", False),  # 0.29.0 was indexed --not-latest
        ("main", [], None, True),
        ("2.0", ["main"], "main", False),  # a branch chosen as latest stays latest
        ("main", ["2.0"], "2.0", False),
    ],
)
def test_becomes_latest(new: str, names: list[str], current: str | None, expected: bool) -> None:
    assert becomes_latest(new, [*names, new], current) is expected


# ── on a real database ──────────────────────────────────────────────────────────────────


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    with open_database(settings) as database:
        yield database


def index(
    db: Database, tmp_path: Path, version: str, latest: bool | None = None, lib: str = "/a/b"
) -> IndexResult:
    docs = tmp_path / "src" / version
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "guide.md").write_text(f"# Guide {version}\n\nThis is version {version} of b.\n")
    req = IndexRequest(str(docs), lib, version, latest=latest)
    return index_version(db, FakeEmbedder(), req, cache_dir=tmp_path / "cache")


def latest_of(db: Database, lib: str = "/a/b") -> list[str]:
    with db.pool.connection() as conn:
        rows = conn.execute(
            "SELECT v.version FROM versions v JOIN libraries l ON l.id = v.library_id"
            " WHERE l.identifier = %s AND v.is_latest",
            (lib,),
        ).fetchall()
    return [r[0] for r in rows]


def test_latest_switches_back_and_forth(db: Database, tmp_path: Path) -> None:
    for version in ("0.27.0", "0.28.1", "0.27.0", "0.28.1"):
        assert index(db, tmp_path, version, latest=True).is_latest
        assert latest_of(db) == [version]
    assert not index(db, tmp_path, "0.29.0", latest=False).is_latest
    assert latest_of(db) == ["0.28.1"]


def test_highest_release_becomes_latest_and_a_prerelease_never_does(
    db: Database, tmp_path: Path
) -> None:
    assert index(db, tmp_path, "2.9.0-rc1").is_latest  # the only version
    assert index(db, tmp_path, "2.3.1").is_latest  # a release beats a pre-release
    assert not index(db, tmp_path, "3.0.0-rc1").is_latest
    assert not index(db, tmp_path, "2.2.0").is_latest
    assert index(db, tmp_path, "2.10.0").is_latest
    assert latest_of(db) == ["2.10.0"]
    with db.pool.connection() as conn:
        lib = conn.execute("SELECT id FROM libraries WHERE identifier = '/a/b'").fetchone()
        assert lib is not None
        order = [v.version for v in store_versions.list_versions(conn, lib[0])]
    assert order == ["3.0.0-rc1", "2.10.0", "2.9.0-rc1", "2.3.1", "2.2.0"]


def test_concurrent_publishes_of_one_library_both_succeed(db: Database, tmp_path: Path) -> None:
    start = threading.Barrier(2)
    results: dict[str, IndexResult] = {}
    errors: list[BaseException] = []

    def run(version: str) -> None:
        start.wait()
        try:
            results[version] = index(db, tmp_path, version)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(v,)) for v in ("1.0.0", "1.1.0")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and set(results) == {"1.0.0", "1.1.0"}
    assert latest_of(db) == ["1.1.0"]


def test_publish_lock_is_per_library(db: Database) -> None:
    with psycopg.connect(db.url) as holder, psycopg.connect(db.url) as other:
        store_versions.lock_library_versions(holder, 1)
        other.execute("SET lock_timeout = '50ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            store_versions.lock_library_versions(other, 1)
        other.rollback()
        store_versions.lock_library_versions(other, 2)


def test_version_argument_answers_from_the_closest_version(db: Database, tmp_path: Path) -> None:
    for version in ("14.2.3", "15.0.0", "16.1.0-canary.10"):
        index(db, tmp_path, version, lib="/vercel/next.js")
    with db.pool.connection() as conn:
        t = resolve_target(conn, "/vercel/next.js", version="14.1")
        assert t.version.version == "14.2.3"
        assert t.note == (
            "Note: version 14.1 is not indexed; showing /vercel/next.js/14.2.3 (closest)."
        )
        t = resolve_target(conn, "/vercel/next.js", version="12")
        assert (t.version.version, t.note) == (
            "15.0.0",
            "Note: version 12 is not indexed; showing /vercel/next.js/15.0.0 (latest).",
        )
        assert resolve_target(conn, "/vercel/next.js", version="^14").note is None
        assert resolve_target(conn, "/vercel/next.js/v14", version="15").label == (
            "/vercel/next.js/15.0.0"
        )
        assert resolve_target(conn, "/vercel/next.js@^14").version.version == "14.2.3"
        assert resolve_target(conn, "/vercel/next.js", "16").version.version == "16.1.0-canary.10"
        assert resolve_target(conn, "/vercel/next.js").version.version == "15.0.0"
        with pytest.raises(VersionNotFound, match="Available versions: 16.1.0-canary.10, 15"):
            resolve_target(conn, "/vercel/next.js/14.1")  # in the ID alone: no substitute
        with pytest.raises(InvalidVersion, match="Invalid version '>>2'"):
            resolve_target(conn, "/vercel/next.js", version=">>2")
