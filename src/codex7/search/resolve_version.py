"""`/org/project[/version]` plus an optional `version` → one library and one version row."""

from __future__ import annotations

from dataclasses import dataclass

from codex7.errors import LibraryNotFound, VersionNotFound
from codex7.ids import parse_library_id
from codex7.store.database import Connection
from codex7.store.libraries import LibraryRow, get_library, list_libraries
from codex7.store.versions import VersionRow, list_versions
from codex7.versions import best, closest, newest_first, pick


@dataclass(frozen=True)
class Target:
    library: LibraryRow
    version: VersionRow
    all_versions: list[str]  # newest first
    note: str | None = None  # which version answered when the one asked for is not indexed

    @property
    def label(self) -> str:
        return f"{self.library.identifier}/{self.version.version}"


def _latest(versions: list[VersionRow]) -> str | None:
    return next((v.version for v in versions if v.is_latest), None)


def pick_version(requested: str, versions: list[VersionRow]) -> VersionRow | None:
    """Exact name (with or without a leading v), then a prefix (`14`, `v14`, `14.x`), a range
    (`^18`, `~18.2`, `>=2 <3`) or `latest`; releases before pre-releases.

    Raises InvalidVersion for a malformed range such as `>>2`.
    """
    by_name = {v.version: v for v in versions}
    name = pick(requested, list(by_name), _latest(versions))
    return by_name[name] if name is not None else None


def resolve_target(
    conn: Connection, library_id: str, version: str | None = None, *, viewer: int | None = None
) -> Target:
    """The library and version to answer from. `version` (Context7's separate argument) overrides
    the ID's version, and when nothing indexed matches it the closest version answers, with a
    note; a version in the ID alone must match, else VersionNotFound lists what is indexed.
    VIEWER is the workspace asking (None: the default one): it sees public libraries and its
    own, in the answer and in the "did you mean" hint alike."""
    ref = parse_library_id(library_id)
    lib = get_library(conn, ref.library_id, viewer)
    if lib is None:
        from codex7.search.resolve_library import rank_libraries

        visible = list_libraries(conn, viewer)
        close = [c.identifier for c in rank_libraries(visible, ref.project, None)[:5]]
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise LibraryNotFound(
            f'Library "{ref.library_id}" not found. Use resolve-library-id to find a valid library ID.{hint}',
            library_id=ref.library_id,
            suggestions=close,
        )
    rows = {v.version: v for v in list_versions(conn, lib.id)}
    names = newest_first(rows)
    chosen, note = choose_version(
        lib.identifier, names, _latest(list(rows.values())), ref.version, version
    )
    return Target(lib, rows[chosen], names, note)


def choose_version(
    library_id: str,
    names: list[str],
    latest: str | None,
    in_id: str | None,
    asked: str | None,
) -> tuple[str, str | None]:
    """Which of a library's versions (`names`, newest first) answers, and the note saying so
    when it is not the one asked for; pure.

    `asked` (Context7's separate argument) overrides `in_id` (the version in the library ID) and,
    when nothing indexed matches it, the closest version answers. A version in the ID alone must
    match, else VersionNotFound lists what is indexed. Neither: the latest (else the newest).
    """
    asked = asked.strip() if asked and asked.strip() else None
    requested = asked or in_id
    if requested is None:
        chosen = latest or best(names)
    else:
        chosen = pick(requested, names, latest)
    note = None
    if chosen is None and asked is not None:
        chosen = closest(asked, names, latest)
        if chosen is not None:
            which = "latest" if chosen == latest else "closest"
            note = f"Note: version {asked} is not indexed; showing {library_id}/{chosen} ({which})."
    if chosen is None:
        raise VersionNotFound(
            f'Version "{requested or "latest"}" of {library_id} is not indexed. '
            f"Available versions: {', '.join(names) or 'none'}.",
            library_id=library_id,
            version=requested or "",
            available=names,
        )
    return chosen, note
