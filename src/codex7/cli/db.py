"""`codex7 db …`: migrate and inspect the database."""

from __future__ import annotations

import json

import click

from codex7.cli.context import load_settings, open_app


@click.group()
def db() -> None:
    """Manage the database (embedded by default, or DATABASE_URL)."""


@db.command()
def migrate() -> None:
    """Apply pending schema migrations from sql/."""
    from codex7.services.status import migrate_database

    location, applied = migrate_database(load_settings())
    if applied:
        click.echo(f"Applied {len(applied)} migration(s) to {location}: {', '.join(applied)}")
    else:
        click.echo(f"Database at {location} is up to date.")


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def status(as_json: bool) -> None:
    """Show where the database is, its versions, migrations and contents."""
    from codex7.services.status import status as read_status

    st = read_status(open_app())
    if as_json:
        click.echo(json.dumps(st))
        return
    embedding = st["embedding_model"] or f"none stored yet (configured: {st['configured_model']})"
    pending = st["pending_migrations"]
    lines = [
        ("Database", st["location"]),
        ("PostgreSQL", st["postgres_version"]),
        ("pgvector", st["pgvector_version"] or "not installed"),
        (
            "Migrations",
            f"{len(st['applied_migrations'])} applied, {len(pending)} pending"
            + (f" ({', '.join(pending)})" if pending else ""),
        ),
        ("Libraries", str(st["libraries"])),
        ("Versions", str(st["versions"])),
        ("Documents", str(st["documents"])),
        ("Embedding model", embedding),
    ]
    for key, value in lines:
        click.echo(f"{key + ':':<17}{value}")
