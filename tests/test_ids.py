"""Library ID grammar and version ordering."""

from __future__ import annotations

import pytest

from codex7.errors import InvalidLibraryId
from codex7.ids import LibraryRef, normalize_version, parse_library_id


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("/vercel/next.js", LibraryRef("vercel", "next.js")),
        ("/vercel/next.js/v14.2.3", LibraryRef("vercel", "next.js", "v14.2.3")),
        ("/vercel/next.js@v14", LibraryRef("vercel", "next.js", "v14")),
        ("vercel/next.js", LibraryRef("vercel", "next.js")),
        (" /pydantic/pydantic/1.10.26 ", LibraryRef("pydantic", "pydantic", "1.10.26")),
    ],
)
def test_parse_library_id(text: str, ref: LibraryRef) -> None:
    assert parse_library_id(text) == ref


@pytest.mark.parametrize("text", ["", "/", "/vercel", "next.js", "/a/b/c/d", "/a b/c"])
def test_malformed_ids_say_what_form_is_expected(text: str) -> None:
    with pytest.raises(InvalidLibraryId, match=r"expected the form /org/project"):
        parse_library_id(text)


def test_version_not_allowed_where_only_a_library_is_meant() -> None:
    with pytest.raises(InvalidLibraryId):
        parse_library_id("/a/b/v1", allow_version=False)


def test_versions_sort_like_people_expect() -> None:
    ordered = ["1.0.0-rc1", "1.0.0", "v1.2", "1.10.26", "2.13.4", "v14.2.3", "v15"]
    assert sorted(ordered, key=normalize_version) == ordered


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("2.9.0-rc1", "2.9.0"),
        ("2.9.0", "2.10.0"),
        ("16.1.0-canary.10", "16.1.0"),
        ("16.1.0-canary.9", "16.1.0-canary.10"),
        ("2.0.0a1", "2.0.0b2"),
        ("2.0.0b2", "2.0.0rc1"),
        ("1.2", "1.2.1"),
        ("5.2.0", "5.x"),
        ("5.x", "6.0"),
        ("99.0", "main"),
    ],
)
def test_normalized_versions_sort_prereleases_below_releases(lower: str, higher: str) -> None:
    assert normalize_version(lower) < normalize_version(higher)


def test_normalized_numbers_are_collation_proof() -> None:
    """Only digits and lowercase letters, so PostgreSQL orders them alike under any locale."""
    assert normalize_version("v1.2") == normalize_version("1.2.0")
    for v in ("2.9.0-rc.1", "16.1.0-canary.10", "V2.0.0B2+build.7", "5.x", "1.2.3.4.5.6.7"):
        assert normalize_version(v).isalnum() and normalize_version(v).islower(), v
