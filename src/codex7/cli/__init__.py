"""The `codex7` command. Verb groups live one per module; heavy imports stay inside commands."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from codex7 import __version__
from codex7.errors import Codex7Error


class Codex7Group(click.Group):
    """Turns Codex7's errors into one line on stderr and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Codex7Error as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            if os.environ.get("CODEX7_DEBUG"):
                raise
            first = (str(exc).strip().splitlines() or [""])[0]
            raise click.ClickException(
                f"Unexpected {type(exc).__name__}: {first} (set CODEX7_DEBUG=1 for the traceback)"
            ) from None


@click.group(cls=Codex7Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="codex7")
def cli() -> None:
    """Codex7: self-hosted, Context7-compatible documentation for AI coding assistants.

    With no DATABASE_URL, Codex7 runs its own PostgreSQL under the data directory.
    """


def _register() -> None:
    from codex7.cli import ask, db, evaluate, index, serve

    cli.add_command(db.db)
    for command in index.COMMANDS:
        cli.add_command(command)
    cli.add_command(serve.serve)
    cli.add_command(ask.resolve)
    cli.add_command(ask.query)
    cli.add_command(evaluate.evaluate)


_register()


def main() -> None:
    cli(prog_name="codex7")
