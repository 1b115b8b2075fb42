"""The `codex7` command. Verb groups live one per module; heavy imports stay inside commands."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from codex7 import __version__
from codex7.errors import Codex7Error


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread so `finally` blocks and exit hooks run."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated(signum)


@contextmanager
def terminate_normally() -> Iterator[None]:
    """While a command runs, SIGTERM and SIGHUP end it like Ctrl-C rather than killing it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def innermost(exc: BaseException) -> BaseException:
    """The error inside (nested) exception groups: a Codex7Error first, else the first leaf."""
    if not isinstance(exc, BaseExceptionGroup):
        return exc
    leaves = [innermost(e) for e in exc.exceptions]
    ours = [e for e in leaves if isinstance(e, Codex7Error | KeyboardInterrupt)]
    return (ours or leaves)[0]


class Codex7Group(click.Group):
    """Turns Codex7's errors into one line on stderr and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with terminate_normally():
                try:
                    return super().invoke(ctx)
                except BaseExceptionGroup as group:  # from task groups (MCP sessions, anyio)
                    raise innermost(group) from None
        except Codex7Error as exc:
            raise click.ClickException(str(exc)) from None
        except Terminated as exc:
            click.echo(f"Stopped ({exc}).", err=True)
            sys.exit(128 + exc.signum)
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
    from codex7.cli import (
        ask,
        audit,
        db,
        evaluate,
        index,
        keys,
        libraries,
        reembed,
        serve,
        workspaces,
    )

    cli.add_command(db.db)
    for command in [*index.COMMANDS, *libraries.COMMANDS]:
        cli.add_command(command)
    cli.add_command(serve.serve)
    cli.add_command(reembed.reembed)
    cli.add_command(ask.resolve)
    cli.add_command(ask.query)
    cli.add_command(evaluate.evaluate)
    cli.add_command(workspaces.workspaces)
    cli.add_command(keys.keys)
    cli.add_command(audit.audit)


_register()


def main() -> None:
    cli(prog_name="codex7")
