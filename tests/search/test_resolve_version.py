"""Which indexed version answers a query, and the note when it is not the one asked for; pure."""

from __future__ import annotations

import pytest

from codex7.errors import VersionNotFound
from codex7.search.resolve_version import choose_version, pick_version
from codex7.store.versions import VersionRow
from codex7.versions import InvalidVersion

NEXT = "/vercel/next.js"
NAMES = ["16.0.0-canary.3", "15.1.0", "14.2.3", "14.1.0", "13.5.0"]  # newest first


def choose(in_id: str | None, asked: str | None, latest: str | None = "15.1.0"):
    return choose_version(NEXT, NAMES, latest, in_id, asked)


def test_no_version_is_the_latest_or_else_the_newest_release() -> None:
    assert choose(None, None) == ("15.1.0", None)
    assert choose(None, None, latest=None) == ("15.1.0", None)  # not the canary
    assert choose(None, "  ") == ("15.1.0", None)  # blank is no version


def test_a_version_in_the_id_is_a_name_prefix_or_range() -> None:
    assert choose("14", None) == ("14.2.3", None)
    assert choose("v14.1.0", None) == ("14.1.0", None)
    assert choose("^14.1", None) == ("14.2.3", None)
    assert choose("latest", None) == ("15.1.0", None)


def test_a_version_in_the_id_that_is_not_indexed_lists_the_indexed_ones() -> None:
    with pytest.raises(VersionNotFound) as caught:
        choose("12", None)
    assert str(caught.value) == (
        'Version "12" of /vercel/next.js is not indexed. '
        "Available versions: 16.0.0-canary.3, 15.1.0, 14.2.3, 14.1.0, 13.5.0."
    )
    assert (caught.value.version, caught.value.available) == ("12", NAMES)


def test_the_version_argument_overrides_the_id_and_falls_back_with_a_note() -> None:
    assert choose("13", "14") == ("14.2.3", None)
    assert choose(None, "14.1.9") == (  # the same major's newest release
        "14.2.3",
        "Note: version 14.1.9 is not indexed; showing /vercel/next.js/14.2.3 (closest).",
    )
    assert choose(None, "9") == (
        "15.1.0",
        "Note: version 9 is not indexed; showing /vercel/next.js/15.1.0 (latest).",
    )


def test_a_library_without_versions_has_none_to_offer() -> None:
    with pytest.raises(VersionNotFound, match="Available versions: none"):
        choose_version("/acme/empty", [], None, None, None)


def test_a_malformed_range_names_the_accepted_forms() -> None:
    with pytest.raises(InvalidVersion):
        choose(">>2", None)


def row(version: str, is_latest: bool = False) -> VersionRow:
    return VersionRow(0, 0, version, None, is_latest, 0, {}, {}, None)


def test_pick_version_returns_the_row() -> None:
    rows = [row("2.0.0"), row("1.5.0", is_latest=True), row("1.4.2")]
    assert pick_version("1", rows) is rows[1]
    assert pick_version("latest", rows) is rows[1]
    assert pick_version("v1.4.2", rows) is rows[2]
    assert pick_version("3", rows) is None
