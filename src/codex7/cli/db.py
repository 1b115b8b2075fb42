"""`codex7 db …`: migrate and inspect the database."""

from __future__ import annotations

import json

import click

from codex7.cli.context import load_settings, open_db


@click.group()
def db() -> None:
    """Manage the database (embedded by default, or DATABASE_URL)."""


@db.command()
def migrate() -> None:
    """Apply pending schema migrations from sql/."""
    from codex7.store.database import resolve_url
    from codex7.store.migrate import migrate as run

    settings = load_settings()
    url, location, server = resolve_url(settings)
    applied = run(url)
    if server is not None:
        server.cleanup()
    if applied:
        click.echo(f"Applied {len(applied)} migration(s) to {location}: {', '.join(applied)}")
    else:
        click.echo(f"Database at {location} is up to date.")


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def status(as_json: bool) -> None:
    """Show where the database is, its versions, migrations and contents."""
    from codex7.store.status import read_status

    settings = load_settings()
    database = open_db(settings)
    with database.pool.connection() as conn:
        st = read_status(conn, database.location)
    if as_json:
        click.echo(json.dumps(st.as_dict()))
        return
    embedding = st.embedding_model or (
        f"none stored yet (configured: {settings.embedding_provider} {settings.model_name})"
    )
    lines = [
        ("Database", st.location),
        ("PostgreSQL", st.postgres_version),
        ("pgvector", st.pgvector_version or "not installed"),
        (
            "Migrations",
            f"{len(st.applied_migrations)} applied, {len(st.pending_migrations)} pending"
            + (f" ({', '.join(st.pending_migrations)})" if st.pending_migrations else ""),
        ),
        ("Libraries", str(st.libraries)),
        ("Versions", str(st.versions)),
        ("Documents", str(st.documents)),
        ("Embedding model", embedding),
    ]
    for key, value in lines:
        click.echo(f"{key + ':':<17}{value}")
