"""The library services every interface calls: listings with sizes and dates, one library's
versions, removing, renaming, and what a refresh re-reads (real PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from codex7.errors import Codex7Error, LibraryNotFound, VersionNotFound
from codex7.services import libraries
from codex7.services.jobs import set_schedule
from codex7.services.state import AppState
from tests.services.conftest import Indexer

WIDGETS = {
    "install.md": "# Install\n\nRun `pip install widgets`.\n",
    "usage.md": "# Usage\n\n## Spinning\n\nCall `widget.spin()` to spin a widget.\n",
}


def test_listing_shows_sizes_dates_and_the_latest_version(state: AppState, index: Indexer) -> None:
    assert libraries.list_libraries(state) == []
    index("/acme/widgets", "1.0", WIDGETS, name="Widgets", description="Spins things.")
    index("/acme/widgets", "2.0", {**WIDGETS, "faq.md": "# FAQ\n\nWhy spin? Fun.\n"})
    index("/acme/gadgets", "0.1", {"index.md": "# Gadgets\n\nGadgets.\n"})

    listed = libraries.list_libraries(state)
    assert [s.id for s in listed] == ["/acme/gadgets", "/acme/widgets"]
    widgets = listed[1]
    assert (widgets.name, widgets.description, widgets.latest) == (
        "Widgets",
        "Spins things.",
        "2.0",
    )
    assert (widgets.versions, widgets.chunks) == (2, 5)
    assert widgets.indexed_at is not None and widgets.refresh_every is None
    assert listed[0].description is None  # none given, none derived from a bare folder

    detail = libraries.describe_library(state, "/acme/widgets")
    assert detail.summary == widgets
    assert [(v.version, v.is_latest, v.chunks) for v in detail.versions] == [
        ("2.0", True, 3),
        ("1.0", False, 2),
    ]
    assert detail.versions[0].source["spec"].endswith("2.0")
    assert all(v.indexed_at is not None for v in detail.versions)


def test_a_scheduled_refresh_shows_in_the_listing(state: AppState, index: Indexer) -> None:
    index("/acme/widgets", "1.0", WIDGETS)
    set_schedule(state, "/acme/widgets", timedelta(days=1))
    assert libraries.list_libraries(state)[0].refresh_every == timedelta(days=1)
    assert libraries.describe_library(state, "/acme/widgets").summary.refresh_every == (
        timedelta(days=1)
    )


def test_an_unknown_library_is_refused_with_the_known_ones(state: AppState, index: Indexer) -> None:
    with pytest.raises(LibraryNotFound, match="No libraries are indexed yet"):
        libraries.describe_library(state, "/acme/widgets")
    index("/acme/widgets", "1.0", WIDGETS)
    for call in (
        lambda: libraries.describe_library(state, "/acme/nothing"),
        lambda: libraries.remove(state, "/acme/nothing/1.0"),
        lambda: libraries.rename(state, "/acme/nothing", "Nothing"),
        lambda: libraries.refresh_targets(state, "/acme/nothing"),
    ):
        with pytest.raises(LibraryNotFound) as caught:
            call()
        assert str(caught.value) == (
            "Library /acme/nothing is not indexed. Indexed libraries: /acme/widgets."
        )


def test_removing_the_latest_version_makes_the_newest_left_latest(
    state: AppState, index: Indexer
) -> None:
    for version in ("1.0", "1.1", "2.0"):
        index("/acme/widgets", version, WIDGETS)
    assert libraries.remove(state, "/acme/widgets/2.0") == "Removed /acme/widgets/2.0."
    assert libraries.list_libraries(state)[0].latest == "1.1"
    with pytest.raises(VersionNotFound) as caught:
        libraries.remove(state, "/acme/widgets/3.0")
    assert (
        str(caught.value) == "Version '3.0' of /acme/widgets is not indexed. Available: 1.1, 1.0."
    )
    assert caught.value.available == ["1.1", "1.0"]
    message = libraries.remove(state, "/acme/widgets")
    assert message == "Removed /acme/widgets and all its versions."
    assert libraries.list_libraries(state) == []


def test_a_new_name_survives_re_indexing(state: AppState, index: Indexer) -> None:
    index("/acme/widgets", "1.0", WIDGETS)
    summary = libraries.rename(state, "/acme/widgets", "  Acme   Widgets ")
    assert (summary.id, summary.name, summary.versions) == ("/acme/widgets", "Acme Widgets", 1)
    index("/acme/widgets", "1.1", {**WIDGETS, "more.md": "# More\n\nMore.\n"})
    assert libraries.list_libraries(state)[0].name == "Acme Widgets"
    index("/acme/widgets", "1.2", WIDGETS, name="Widgets")  # --name still wins
    assert libraries.list_libraries(state)[0].name == "Widgets"


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_a_blank_or_endless_name_is_refused(state: AppState, index: Indexer, name: str) -> None:
    index("/acme/widgets", "1.0", WIDGETS, name="Widgets")
    with pytest.raises(Codex7Error, match="1 to 200 characters"):
        libraries.rename(state, "/acme/widgets", name)
    assert libraries.list_libraries(state)[0].name == "Widgets"


def test_refresh_targets_are_the_recorded_sources(state: AppState, index: Indexer) -> None:
    index("/acme/widgets", "1.0", WIDGETS)
    index("/acme/widgets", "2.0", WIDGETS)
    index("/acme/gadgets", "0.1", {"index.md": "# Gadgets\n\nGadgets.\n"})
    every = libraries.refresh_targets(state, None)
    assert [(t.library_id, t.version) for t in every] == [
        ("/acme/gadgets", "0.1"),
        ("/acme/widgets", "1.0"),
        ("/acme/widgets", "2.0"),
    ]
    assert all(t.source["spec"] for t in every)
    widgets = libraries.refresh_targets(state, "/acme/widgets")
    assert [t.version for t in widgets] == ["1.0", "2.0"]
