"""Property: for random workspaces, libraries (owner, visibility, colliding identifiers) and keys,
every listing and query a caller can make returns exactly what it may see: public libraries and
its own workspace's, its own first where an identifier is shared; errors and "did you mean"
hints name nothing else. One database, emptied between examples."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from codex7.config import Settings
from codex7.errors import LibraryNotFound
from codex7.services import libraries as library_service
from codex7.services.auth import Principal, principal_for_key
from codex7.services.docs import query_docs, search_libraries
from codex7.services.state import AppState, open_state
from codex7.services.workspaces import create_key, create_workspace
from codex7.store import libraries as library_store
from codex7.store import versions as version_store
from tests.auth.conftest import OPERATOR

IDS = ("/acme/widgets", "/acme/gadgets", "/beta/widgets")
ENV_READER = "env-reader-key-for-the-property-test"


@dataclass(frozen=True)
class Lib:
    identifier: str
    owner: int | None  # index of a workspace, None: the default workspace
    private: bool


@st.composite
def worlds(draw: st.DrawFn) -> tuple[int, list[Lib]]:
    """A number of workspaces and libraries as the database allows them: unique per owner,
    public ones unique, private ones owned by a workspace."""
    n = draw(st.integers(1, 3))
    wanted = draw(
        st.lists(
            st.tuples(
                st.sampled_from(IDS),
                st.one_of(st.none(), st.integers(0, n - 1)),
                st.booleans(),
            ),
            max_size=7,
        )
    )
    libs: list[Lib] = []
    for identifier, owner, private in wanted:
        private = private and owner is not None
        if any(x.identifier == identifier and x.owner == owner for x in libs):
            continue
        if not private and any(x.identifier == identifier and not x.private for x in libs):
            continue
        libs.append(Lib(identifier, owner, private))
    return n, libs


def visible(libs: list[Lib], workspace: int | None) -> dict[str, Lib]:
    """What a caller of WORKSPACE sees, by identifier: its own first, else the public one."""
    seen: dict[str, Lib] = {}
    for lib in libs:
        if lib.owner == workspace and workspace is not None:
            seen[lib.identifier] = lib
    for lib in libs:
        if not lib.private and lib.identifier not in seen:
            seen[lib.identifier] = lib
    return seen


@pytest.fixture
def state(settings: Settings) -> Iterator[AppState]:
    app = open_state(
        settings.model_copy(
            update={"warm_up": False, "anonymous": True, "api_keys": SecretStr(ENV_READER)}
        )
    )
    yield app
    app.close()


def reset(state: AppState) -> None:
    with state.db.pool.connection() as conn:
        for table in ("libraries", "api_keys", "audit_log", "workspaces"):
            conn.execute(f"DELETE FROM {table}")  # noqa: S608  (fixed table names)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_every_listing_and_query_shows_only_what_the_caller_may_see(
    state: AppState, world: tuple[int, list[Lib]]
) -> None:
    n, libs = world
    reset(state)
    spaces = [create_workspace(state, f"w{i}", principal=OPERATOR).id for i in range(n)]
    rows: dict[Lib, int] = {}
    with state.db.pool.connection() as conn:
        for lib in libs:
            org, project = lib.identifier.strip("/").split("/")
            owner = spaces[lib.owner] if lib.owner is not None else None
            row = library_store.upsert_library(
                conn,
                org=org,
                project=project,
                name=None,
                description=None,
                repository_url=None,
                rules=None,
                owner=owner,
                visibility="private" if lib.private else "public",
            )
            version = version_store.upsert_version(
                conn, row, "1.0", git_commit=None, source={}, metadata={}
            )
            version_store.set_latest(conn, row, version)
            rows[lib] = row
    callers: list[tuple[int | None, Principal]] = [
        (None, principal_for_key(state, None)),  # anonymous
        (None, principal_for_key(state, ENV_READER)),  # the environment's bootstrap key
    ]
    for i in range(n):
        key = create_key(state, f"w{i}", "read", principal=OPERATOR).key
        callers.append((i, principal_for_key(state, key)))

    for index, principal in callers:
        expected = visible(libs, index)
        hidden = {lib.identifier for lib in libs} - set(expected)
        listed = library_service.list_libraries(state, principal=principal)
        assert [s.id for s in listed] == sorted(expected)
        for s in listed:
            assert s.visibility == ("private" if expected[s.id].private else "public")
        found = search_libraries(state, "", "widgets", principal=principal)
        assert {r.library_id for r in found} == {i for i in expected if i.endswith("/widgets")}
        for identifier in (*IDS, "/zzz/widgets"):
            if identifier in expected:
                result = query_docs(state, identifier, None, None, principal=principal)
                assert result.target.library.id == rows[expected[identifier]]
                detail = library_service.describe_library(state, identifier, principal=principal)
                assert detail.summary.id == identifier
                continue
            asks = (
                partial(query_docs, state, identifier, "x", None, principal=principal),
                partial(library_service.describe_library, state, identifier, principal=principal),
            )
            for ask in asks:
                with pytest.raises(LibraryNotFound) as caught:
                    ask()
                assert set(caught.value.suggestions) <= set(expected)
                message = str(caught.value).replace(identifier, "")
                assert not any(h in message for h in hidden - {identifier}), message
