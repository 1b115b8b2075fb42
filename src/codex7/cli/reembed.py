"""`codex7 reembed`: move a database to the configured embedding model, all or nothing
(codex7.services.reembed)."""

from __future__ import annotations

import click

from codex7.cli.context import open_app


@click.command()
def reembed() -> None:
    """Re-embed every indexed version with the configured model (CODEX7_EMBEDDING_*).

    Each version is re-read from the source it was indexed from; all of them and the database's
    model are swapped in one transaction at the end, so nothing changes if one fails.
    """
    from codex7.services.reembed import reembed as run

    click.echo(run(open_app(), report=lambda line: click.echo(line, err=True)))
