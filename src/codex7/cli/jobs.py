"""`codex7 jobs [show|cancel]`, `codex7 worker`, `codex7 schedule`: the job queue's verbs."""

from __future__ import annotations

import logging
import re
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import click

from codex7.cli.context import load_settings, open_app
from codex7.cli.output import echo_rows, when
from codex7.errors import Codex7Error

STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")


@click.group(invoke_without_command=True)
@click.option("--limit", default=20, show_default=True, help="How many recent jobs.")
@click.option("--status", type=click.Choice(STATUSES), help="Only jobs with this status.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def jobs(ctx: click.Context, limit: int, status: str | None, as_json: bool) -> None:
    """List recent indexing jobs; `jobs show ID` for one, `jobs cancel ID` to stop one."""
    if ctx.invoked_subcommand is not None:
        return
    from codex7.services.jobs import list_jobs

    rows: list[Sequence[Any]] = [
        [
            j.id,
            f"{j.library}/{j.version or '?'}",
            j.status,
            f"{j.files_done}/{j.files_total}",
            j.chunks,
            j.embedded,
            j.reused,
            when(j.created_at),
            j.error or "",
        ]
        for j in list_jobs(open_app(), limit, status)
    ]
    echo_rows(
        ["id", "version", "status", "files", "chunks", "embedded", "reused", "created_at", "error"],
        rows,
        as_json=as_json,
        empty="No indexing jobs yet.",
    )


def job_lines(job: Any) -> list[str]:
    """A job as `field: value` lines for people."""
    stage = f" ({job.stage})" if job.status == "running" and job.stage else ""
    cancel = ", cancel requested" if job.cancel_requested and job.status == "running" else ""
    lines = [
        f"job:        {job.id}",
        f"version:    {job.library}/{job.version or '?'}",
        f"status:     {job.status}{stage}{cancel}",
        f"source:     {job.source}" + (f" @ {job.ref}" if job.ref else ""),
        f"attempts:   {job.attempts} of {job.max_attempts}",
        f"files:      {job.files_done}/{job.files_total}",
        f"chunks:     {job.chunks} ({job.embedded}/{job.to_embed} embedded, {job.reused} reused)",
        f"created:    {when(job.created_at)}",
    ]
    if job.started_at:
        lines.append(f"started:    {when(job.started_at)}")
    if job.lease_owner and job.status == "running":
        lines.append(f"worker:     {job.lease_owner} (heartbeat {when(job.heartbeat_at)})")
    if job.finished_at:
        lines.append(f"finished:   {when(job.finished_at)}")
    if job.error:
        lines.append(f"error:      {job.error}")
    return lines


@jobs.command(name="show")
@click.argument("job_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show(job_id: int, as_json: bool) -> None:
    """Show one job: its request, status, attempts and counters."""
    import json

    from codex7.services.jobs import get_job

    job = get_job(open_app(), job_id)
    if as_json:
        click.echo(json.dumps(job.as_dict()))
    else:
        for line in job_lines(job):
            click.echo(line)


@jobs.command(name="cancel")
@click.argument("job_id", type=int)
def cancel_cmd(job_id: int) -> None:
    """Cancel a job: a queued one at once, a running one at its next checkpoint (it publishes
    nothing). Exits 1 if the job had already ended."""
    from codex7.services.jobs import cancel, get_job

    state = open_app()
    before = get_job(state, job_id)
    if before.terminal:
        raise Codex7Error(
            f"Job {job_id} already {before.status}; only queued or running jobs can be cancelled."
        )
    job = cancel(state, job_id)
    if job.status == "running":
        click.echo(
            f"Job {job.id} stops at its next checkpoint and publishes nothing"
            f" (see codex7 jobs show {job.id})."
        )
    else:
        click.echo(
            f"Cancelled job {job.id}."
            if job.status == "cancelled"
            else f"Job {job.id} {job.status}."
        )


@click.command()
@click.option(
    "--poll",
    type=click.FloatRange(min=0.05),
    help="Seconds between looks at an empty queue [default: CODEX7_WORKER_POLL].",
)
def worker(poll: float | None) -> None:
    """Run queued indexing jobs and scheduled refreshes until Ctrl-C or SIGTERM.

    Run as many as you like, wherever DATABASE_URL reaches the same database. On the first
    signal the running job goes back to the queue at its next checkpoint and the worker exits 0;
    a second signal stops it at once.
    """
    from codex7.services.worker import run_worker

    _log_to_stderr()
    settings = load_settings()
    state = open_app(settings)
    stop = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        run_worker(state, stop=stop, poll=poll or settings.worker_poll)
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _log_to_stderr() -> None:
    """The worker's log lines (one per job event) on stderr."""
    logger = logging.getLogger("codex7")
    if not any(getattr(h, "codex7_worker", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        handler.codex7_worker = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


_EVERY = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_every(text: str) -> timedelta:
    """`30m`, `12h`, `1d`, `2w` → timedelta; ValueError saying what is accepted."""
    m = _EVERY.match(text.lower())
    if not m or int(m[1]) == 0:
        raise ValueError(
            f"{text!r} is not an interval: give a whole number and a unit, m (minutes), "
            "h (hours), d (days) or w (weeks), e.g. 30m, 12h, 1d or 1w"
        )
    return timedelta(**{_UNITS[m[2]]: int(m[1])})


def format_every(every: timedelta) -> str:
    seconds = int(every.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return str(every)


def _every(ctx: click.Context, param: click.Parameter, value: str | None) -> timedelta | None:
    if value is None:
        return None
    try:
        return parse_every(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.argument("library", required=False)
@click.option("--every", callback=_every, help="Refresh interval: 30m, 12h, 1d, 1w, …")
@click.option("--off", is_flag=True, help="Stop refreshing LIBRARY on a schedule.")
def schedule(library: str | None, every: timedelta | None, off: bool) -> None:
    """Refresh LIBRARY (/org/project) on a schedule: `--every 1d`, or `--off`.

    A worker (`codex7 worker`, `codex7 serve`) queues the refresh when the interval has passed
    since the last one; a version whose source is unchanged is left as it is. Without
    arguments, lists the schedules.
    """
    from codex7.services.jobs import set_schedule
    from codex7.services.libraries import list_libraries

    if library is None:
        if every is not None or off:
            raise click.UsageError("Name the library to schedule, e.g. /org/project --every 1d.")
        rows: list[Sequence[Any]] = [
            [s.id, format_every(s.refresh_every)]
            for s in list_libraries(open_app())
            if s.refresh_every is not None
        ]
        echo_rows(["library", "every"], rows, as_json=False, empty="No refresh schedules.")
        return
    if (every is None) == (not off):
        raise click.UsageError("Give either --every INTERVAL (e.g. --every 1d) or --off.")
    state = open_app()
    set_schedule(state, library, None if off else every)
    if off:
        click.echo(f"{library} is no longer refreshed on a schedule.")
    else:
        assert every is not None
        click.echo(
            f"{library} is refreshed every {format_every(every)} by a running worker"
            " (codex7 worker, codex7 serve)."
        )
