"""`codex7 libraries|versions|remove`: what is indexed, and taking it away."""

from __future__ import annotations

from typing import Any

import click

from codex7.cli.context import open_db
from codex7.cli.output import echo_rows
from codex7.errors import LibraryNotFound, VersionNotFound


@click.command(name="libraries")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def libraries_cmd(as_json: bool) -> None:
    """List indexed libraries."""
    with open_db().pool.connection() as conn:
        rows = conn.execute(
            """
            SELECT l.identifier, l.name, coalesce(max(v.version) FILTER (WHERE v.is_latest), ''),
                   count(v.id), coalesce(sum(v.document_count), 0), l.description
            FROM libraries l LEFT JOIN versions v ON v.library_id = l.id
            GROUP BY l.id ORDER BY l.identifier
            """
        ).fetchall()
    echo_rows(
        ["id", "name", "latest", "versions", "chunks", "description"],
        [list(r) for r in rows],
        as_json=as_json,
        empty="No libraries indexed yet. Index one with: codex7 index ./docs --library /org/project",
    )


def library_or_fail(conn: Any, identifier: str) -> Any:
    from codex7.store.libraries import get_library, list_libraries

    lib = get_library(conn, identifier)
    if lib is None:
        known = [x.identifier for x in list_libraries(conn)]
        hint = (
            f" Indexed libraries: {', '.join(known)}" if known else " No libraries are indexed yet."
        )
        raise LibraryNotFound(f"Library {identifier} is not indexed.{hint}", library_id=identifier)
    return lib


@click.command(name="versions")
@click.argument("library")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def versions_cmd(library: str, as_json: bool) -> None:
    """List the indexed versions of LIBRARY (/org/project)."""
    from codex7.ids import parse_library_id
    from codex7.store.versions import list_versions

    ref = parse_library_id(library, allow_version=False)
    with open_db().pool.connection() as conn:
        lib = library_or_fail(conn, ref.library_id)
        rows = [
            [
                v.version,
                "yes" if v.is_latest else "",
                v.document_count,
                (v.git_commit or "")[:12],
                v.indexed_at.isoformat(timespec="seconds") if v.indexed_at else "",
            ]
            for v in list_versions(conn, lib.id)
        ]
    echo_rows(
        ["version", "latest", "chunks", "commit", "indexed_at"],
        rows,
        as_json=as_json,
        empty="No versions.",
    )


@click.command()
@click.argument("target")
def remove(target: str) -> None:
    """Remove a library (/org/project) or one version (/org/project/version)."""
    from codex7.ids import parse_library_id
    from codex7.store import libraries, versions

    ref = parse_library_id(target)
    with open_db().pool.connection() as conn, conn.transaction():
        lib = library_or_fail(conn, ref.library_id)
        if ref.version is None:
            libraries.delete_library(conn, ref.library_id)
            click.echo(f"Removed {ref.library_id} and all its versions.")
            return
        row = versions.get_version(conn, lib.id, ref.version)
        if row is None:
            available = [v.version for v in versions.list_versions(conn, lib.id)]
            raise VersionNotFound(
                f"Version {ref.version!r} of {ref.library_id} is not indexed. Available: {', '.join(available)}",
                library_id=ref.library_id,
                version=ref.version,
                available=available,
            )
        versions.delete_version(conn, row.id)
        if row.is_latest:
            versions.set_latest(conn, lib.id, None)
        click.echo(f"Removed {ref.library_id}/{ref.version}.")


COMMANDS: list[click.Command] = [libraries_cmd, versions_cmd, remove]
