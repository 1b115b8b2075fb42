"""The `codex7` command. Verb groups live one per module; heavy imports stay inside commands."""

from __future__ import annotations

import importlib
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


# Command name → (module, attribute): a command's module is imported when that command runs
# (or `--help` lists them all), so `codex7 serve` never pays for the imports of the others.
COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("db", "db"),
    "index": ("index", "index"),
    "refresh": ("index", "refresh"),
    "jobs": ("jobs", "jobs"),
    "worker": ("jobs", "worker"),
    "schedule": ("jobs", "schedule"),
    "libraries": ("libraries", "libraries_cmd"),
    "versions": ("libraries", "versions_cmd"),
    "remove": ("libraries", "remove"),
    "rename": ("libraries", "rename"),
    "serve": ("serve", "serve"),
    "reembed": ("reembed", "reembed"),
    "resolve": ("ask", "resolve"),
    "query": ("ask", "query"),
    "eval": ("evaluate", "evaluate"),
    "workspaces": ("workspaces", "workspaces"),
    "keys": ("keys", "keys"),
    "audit": ("audit", "audit"),
}


class LazyGroup(Codex7Group):
    """The `codex7` group: commands from COMMANDS, imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name]
            command = getattr(importlib.import_module(f"codex7.cli.{module}"), attribute)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="codex7")
def cli() -> None:
    """Codex7: self-hosted, Context7-compatible documentation for AI coding assistants.

    With no DATABASE_URL, Codex7 runs its own PostgreSQL under the data directory.
    """


def main() -> None:
    try:
        cli(prog_name="codex7")
    except SystemExit as exc:
        state = sys.modules.get("codex7.services.state")  # imported only if something used it
        if state is not None and state.warm_up_abandoned():
            _exit_now(exc.code)
        raise


def _exit_now(code: Any) -> None:
    """End the process without waiting for a model warm-up that is still loading (an import of
    torch cannot be interrupted, and a thread importing during the interpreter's shutdown fails
    noisily). Everything the command opened is closed by now: only the output is flushed."""
    import logging

    logging.shutdown()
    if isinstance(code, str):
        click.echo(code, err=True)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)
