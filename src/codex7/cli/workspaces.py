"""`codex7 workspaces create|list`: teams on one server (docs/team.md).

The command line is the server's operator: it acts as an admin of the default workspace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from codex7.cli.context import open_app
from codex7.cli.output import echo_rows, when

if TYPE_CHECKING:
    from codex7.services.auth import Principal


def operator() -> Principal:
    """The command line's principal: an admin of the default workspace, named `local`."""
    from codex7.services.auth import ADMIN, READ, Principal

    return Principal(None, "local", frozenset({READ, ADMIN}))


@click.group()
def workspaces() -> None:
    """Workspaces: each team's own keys and private libraries."""


@workspaces.command(name="create")
@click.argument("name")
@click.option("--description", default="", help="What the workspace is for.")
def create(name: str, description: str) -> None:
    """Create workspace NAME (lowercase letters, digits, '-' and '_')."""
    from codex7.services.workspaces import create_workspace

    row = create_workspace(open_app(), name, description, principal=operator())
    click.echo(f"Created workspace {row.name}.")
    click.echo(
        f"Next: codex7 keys create --workspace {row.name} --scope admin  (or --scope read)",
        err=True,
    )


@workspaces.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_cmd(as_json: bool) -> None:
    """List workspaces with their libraries and usable keys."""
    from codex7.services.workspaces import list_workspaces

    rows = [
        [w.name, w.libraries, w.keys, when(w.created_at), w.description]
        for w in list_workspaces(open_app(), principal=operator())
    ]
    echo_rows(
        ["name", "libraries", "keys", "created_at", "description"],
        rows,
        as_json=as_json,
        empty="No workspaces yet. Create one with: codex7 workspaces create NAME",
    )
