"""`/org/project[/version]` → one library and one version row (exact, prefix, or latest)."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from codex7.errors import LibraryNotFound, VersionNotFound
from codex7.ids import parse_library_id
from codex7.store.libraries import LibraryRow, get_library, list_libraries
from codex7.store.versions import VersionRow, list_versions


@dataclass(frozen=True)
class Target:
    library: LibraryRow
    version: VersionRow
    all_versions: list[str]

    @property
    def label(self) -> str:
        return f"{self.library.identifier}/{self.version.version}"


def _bare(v: str) -> str:
    v = v.strip()
    return v[1:] if v[:1] in ("v", "V") and v[1:2].isdigit() else v


def pick_version(requested: str, versions: list[VersionRow]) -> VersionRow | None:
    """Exact name first (with or without a leading v), then the newest under a prefix:
    `14` and `v14` pick the newest 14.x, `5.x` and `5` both match 5.x. `versions` is newest first."""
    want = _bare(requested).lower()
    for v in versions:
        if v.version.lower() == requested.lower() or _bare(v.version).lower() == want:
            return v
    prefix = want.removesuffix(".x").removesuffix(".*")
    for v in versions:
        have = _bare(v.version).lower()
        if have.startswith((prefix + ".", prefix + "-")):
            return v
    return None


def resolve_target(conn: psycopg.Connection, library_id: str) -> Target:
    ref = parse_library_id(library_id)
    lib = get_library(conn, ref.library_id)
    if lib is None:
        from codex7.search.resolve_library import rank_libraries

        close = [c.identifier for c in rank_libraries(list_libraries(conn), ref.project, None)[:5]]
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise LibraryNotFound(
            f'Library "{ref.library_id}" not found. Use resolve-library-id to find a valid library ID.{hint}',
            library_id=ref.library_id,
            suggestions=close,
        )
    versions = list_versions(conn, lib.id)
    names = [v.version for v in versions]
    if ref.version is None:
        chosen = next((v for v in versions if v.is_latest), versions[0] if versions else None)
    else:
        chosen = pick_version(ref.version, versions)
    if chosen is None:
        raise VersionNotFound(
            f'Version "{ref.version}" of {ref.library_id} is not indexed. '
            f"Available versions: {', '.join(names) or 'none'}.",
            library_id=ref.library_id,
            version=ref.version or "",
            available=names,
        )
    return Target(lib, chosen, names)
