"""`codex7 libraries|versions|remove|rename`: what is indexed, taking it away, naming it."""

from __future__ import annotations

import click

from codex7.cli.context import open_app
from codex7.cli.output import echo_rows, when


@click.command(name="libraries")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def libraries_cmd(as_json: bool) -> None:
    """List indexed libraries."""
    from codex7.services.libraries import list_libraries

    rows = [
        [
            s.id,
            s.name,
            s.latest or "",
            s.versions,
            s.chunks,
            s.visibility,
            when(s.indexed_at),
            s.description or "",
        ]
        for s in list_libraries(open_app())
    ]
    echo_rows(
        ["id", "name", "latest", "versions", "chunks", "visibility", "indexed_at", "description"],
        rows,
        as_json=as_json,
        empty="No libraries indexed yet. Index one with: codex7 index ./docs --library /org/project",
    )


@click.command(name="versions")
@click.argument("library")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def versions_cmd(library: str, as_json: bool) -> None:
    """List the indexed versions of LIBRARY (/org/project)."""
    from codex7.services.libraries import describe_library

    detail = describe_library(open_app(), library)
    rows = [
        [
            v.version,
            "yes" if v.is_latest else "",
            v.chunks,
            (v.commit or "")[:12],
            when(v.indexed_at),
        ]
        for v in detail.versions
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
    from codex7.services.libraries import remove as run

    click.echo(run(open_app(), target))


@click.command()
@click.argument("library")
@click.argument("name")
def rename(library: str, name: str) -> None:
    """Give LIBRARY (/org/project) the display NAME; re-indexing keeps it."""
    from codex7.services.libraries import rename as run

    summary = run(open_app(), library, name)
    click.echo(f"Renamed {summary.id} to {summary.name!r}.")


COMMANDS: list[click.Command] = [libraries_cmd, versions_cmd, remove, rename]
