"""`codex7 audit`: who did what (docs/team.md). Keys appear by prefix only."""

from __future__ import annotations

import json

import click

from codex7.cli.context import open_app
from codex7.cli.output import echo_rows, when


@click.command(name="audit")
@click.option("--workspace", metavar="NAME", help="Only this workspace's events ('default' too).")
@click.option(
    "--action",
    metavar="ACTION",
    help="Only this action or family: auth, key, library, workspace, key.created, ...",
)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def audit(workspace: str | None, action: str | None, limit: int, as_json: bool) -> None:
    """The audit log, newest first: keys created and revoked, libraries added, refreshed and
    removed, visibility changed, refused requests."""
    from codex7.services.audit import list_events
    from codex7.services.auth import ADMIN, READ, Principal
    from codex7.services.workspaces import DEFAULT, workspace_id

    state = open_app()
    every = workspace is None
    ident = None if every else workspace_id(state, workspace)
    me = Principal(ident, "local", frozenset({READ, ADMIN}))
    found = list_events(state, me, every_workspace=every, action=action, limit=limit)
    rows = [
        [
            when(e.at),
            e.workspace or DEFAULT,
            e.actor,
            e.action,
            e.target,
            json.dumps(e.detail, sort_keys=True) if e.detail else "",
        ]
        for e in found
    ]
    echo_rows(
        ["at", "workspace", "actor", "action", "target", "detail"],
        rows,
        as_json=as_json,
        empty="No events yet.",
    )
