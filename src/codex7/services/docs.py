"""What every interface answers: documentation for a query, and libraries for a name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codex7.search.docs import DocsResult, library_docs
from codex7.search.docs import search_libraries as rank_libraries
from codex7.search.render import LibraryResult
from codex7.services.analytics import logged
from codex7.services.auth import Principal, acting

if TYPE_CHECKING:
    from codex7.services.state import AppState

__all__ = ["DocsResult", "LibraryResult", "query_docs", "search_libraries"]

LIBRARY_LIMIT = 20  # libraries one search returns at most


def query_docs(
    state: AppState,
    library_id: str,
    query: str | None,
    tokens: int | None,
    version: str | None = None,
    *,
    caller: str | None = None,
    principal: Principal | None = None,
) -> DocsResult:
    """Documentation from one library version for `query` (the overview when None), filled to
    `tokens` (the configured default when None). `version`, a name or a range, overrides the
    one in `library_id`; a version that is not indexed is answered by the closest, with a note.
    `caller` (a tool or endpoint name) records the call in query_log (services.analytics).
    `principal` is who asks (None: the local user): only libraries it may see answer, and the
    errors name only those.

    Raises LibraryNotFound, VersionNotFound, InvalidVersion, ModelMismatch, DatabaseError.
    """
    viewer = acting(state, principal).workspace_id
    with (
        logged(
            state, caller, library=library_id, version=version, query=query, workspace=viewer
        ) as outcome,
        state.db.read_connection() as conn,  # a replica when configured
    ):
        result = library_docs(
            conn,
            lambda: state.query_embedder(conn),
            library_id,
            query,
            tokens,
            state.weights,
            state.settings.default_tokens,
            version=version,
            viewer=viewer,
        )
        outcome.found(len(result.snippets), result.tokens, result.target.version.version)
        return result


def search_libraries(
    state: AppState,
    query: str,
    library_name: str | None = None,
    limit: int = LIBRARY_LIMIT,
    *,
    caller: str | None = None,
    principal: Principal | None = None,
) -> list[LibraryResult]:
    """Libraries matching `library_name`, best first, with `query`'s words breaking ties on the
    description (resolve-library-id, /api/v2/libs/search). Without `library_name`, `query` is
    the name (/api/v1/search). `caller` records the call in query_log. `principal` is who
    asks (None: the local user): only libraries it may see are found."""
    name, words = (library_name, query or None) if library_name else (query, None)
    viewer = acting(state, principal).workspace_id
    with (
        logged(
            state, caller, library=name, query=words, library_is_name=True, workspace=viewer
        ) as outcome,
        state.db.read_connection() as conn,  # a replica when configured
    ):
        results = rank_libraries(conn, name, words, limit, viewer=viewer)
        outcome.found(len(results))
        return results
