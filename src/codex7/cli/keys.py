"""`codex7 keys create|list|revoke`: API keys, stored as digests and shown once (docs/team.md)."""

from __future__ import annotations

import click

from codex7.cli.context import open_app
from codex7.cli.output import echo_rows, when
from codex7.cli.workspaces import operator


@click.group()
def keys() -> None:
    """API keys: each belongs to a workspace and reads, or reads and administers."""


@keys.command(name="create")
@click.option(
    "--workspace",
    required=True,
    metavar="NAME",
    help="The key's workspace ('default': the server's own, whose admins run it).",
)
@click.option(
    "--scope",
    type=click.Choice(["read", "admin"]),
    default="read",
    show_default=True,
    help="read: query docs; admin: also add, refresh, remove libraries and manage keys.",
)
@click.option("--name", default="", help="Who or what the key is for, e.g. 'ci' or 'alice'.")
@click.option(
    "--expires", metavar="WHEN", help="90d, 12h, 2w or a date (2027-01-31); default: never."
)
def create(workspace: str, scope: str, name: str, expires: str | None) -> None:
    """Create a key. It is printed once, on stdout; only its digest is kept."""
    from codex7.services.workspaces import create_key, parse_expiry

    expires_at = parse_expiry(expires)
    made = create_key(
        open_app(),
        workspace,
        scope,
        principal=operator(),
        name=name,
        expires_at=expires_at,
    )
    row = made.row
    click.echo(made.key)
    until = f", expires {when(row.expires_at)}" if row.expires_at else ""
    click.echo(
        f"Created {scope} key {row.prefix} in workspace {row.workspace or 'default'}{until}. "
        "Store it now: it is not shown again.",
        err=True,
    )


@keys.command(name="list")
@click.option("--workspace", metavar="NAME", help="Only this workspace's keys.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_cmd(workspace: str | None, as_json: bool) -> None:
    """List keys by prefix (never the keys themselves)."""
    from codex7.services.workspaces import DEFAULT, list_keys, workspace_id

    state = open_app()
    found = list_keys(state, principal=operator(), every_workspace=True)
    if workspace is not None:
        wanted = workspace_id(state, workspace)
        found = [k for k in found if k.workspace_id == wanted]
    rows = [
        [
            k.prefix,
            k.workspace or DEFAULT,
            ",".join(k.scopes),
            "revoked" if k.revoked_at else "expired" if k.expired else "active",
            k.name,
            when(k.created_at),
            when(k.expires_at),
            when(k.last_used_at),
        ]
        for k in found
    ]
    echo_rows(
        [
            "prefix",
            "workspace",
            "scopes",
            "status",
            "name",
            "created_at",
            "expires_at",
            "last_used",
        ],
        rows,
        as_json=as_json,
        empty="No keys yet. Create one with: codex7 keys create --workspace NAME --scope read",
    )


@keys.command(name="revoke")
@click.argument("prefix")
def revoke(prefix: str) -> None:
    """Revoke the key with PREFIX (e.g. ctx7sk-1a2b3c4d); it is refused from its next request."""
    from codex7.services.workspaces import revoke_key

    row = revoke_key(open_app(), prefix, principal=operator())
    click.echo(f"Revoked {row.prefix} ({row.workspace or 'default'}).")
