"""`codex7 index|refresh`: put documentation in, as jobs a worker runs or in this process.

With a worker alive (`codex7 worker`, `codex7 serve`), `index` queues the job and follows its
progress (Ctrl-C detaches; the job goes on); with none, or with --inline, it runs the job here
(Ctrl-C cancels it).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import click

from codex7.cli.context import load_settings, open_app
from codex7.cli.jobs import jobs, schedule, worker
from codex7.errors import Codex7Error


class ProgressLine:
    """One line on stderr, redrawn in place on a terminal, printed every few seconds otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self._last = -10.0
        self._stage = ""

    def __call__(self, p: Any) -> None:
        line = (
            f"{p.stage:<10} files {p.files_done}/{p.files_total}  chunks {p.chunks}  "
            f"embedded {p.embedded}/{p.to_embed}  reused {p.reused}  {p.elapsed:5.1f}s"
        )
        if self.tty:
            click.echo("\r" + line.ljust(90), nl=False, err=True)
            if p.stage == "done":
                click.echo("", err=True)
        elif p.stage != self._stage or p.elapsed - self._last >= 5 or p.stage == "done":
            click.echo(line, err=True)
            self._last = p.elapsed
        self._stage = p.stage

    def end(self) -> None:
        """Leave the redrawn line (a follow that ended before `done`)."""
        if self.tty and self._stage and self._stage != "done":
            click.echo("", err=True)


class JobProgress:
    """A job row seen as the counters ProgressLine draws."""

    def __init__(self, job: Any) -> None:
        self.job = job

    def __getattr__(self, name: str) -> Any:
        return getattr(self.job, name)

    @property
    def stage(self) -> str:
        job = self.job
        if job.status == "succeeded":
            return "done"
        return str(job.stage if job.status == "running" and job.stage else job.status)

    @property
    def elapsed(self) -> float:
        since = self.job.started_at or self.job.created_at
        return max(0.0, (datetime.now(UTC) - since).total_seconds())


SHOWN_PROBLEMS = 10  # lines per list of skipped files / unresolved includes


def _listed(items: list[str]) -> list[str]:
    more = len(items) - SHOWN_PROBLEMS
    return ["  " + i for i in items[:SHOWN_PROBLEMS]] + ([f"  and {more} more"] if more > 0 else [])


def summary(r: Any) -> str:
    what = "unchanged" if r.unchanged else "indexed"
    latest = ", latest" if r.is_latest else ""
    lines = [
        f"{r.library}/{r.version} {what}: {r.files} files, {r.chunks} chunks "
        f"({r.embedded} embedded, {r.reused} reused) in {r.seconds:.1f}s{latest}"
    ]
    crawl = getattr(r, "crawl", None)
    if crawl:
        lines.append(crawl_line(crawl))
    skipped = getattr(r, "skipped", None) or []
    if skipped:
        what = "page(s)" if crawl else "file(s)"
        lines.append(f"Skipped {len(skipped)} {what} that could not be read:")
        lines += _listed([f"{s['path']}: {s['reason']}" for s in skipped])
    unresolved = getattr(r, "unresolved_includes", None) or []
    if unresolved:
        lines.append(f"{len(unresolved)} include directive(s) left unresolved:")
        lines += _listed([f"{u['page']}: {u['directive']} ({u['reason']})" for u in unresolved])
    return "\n".join(lines)


def crawl_line(crawl: dict[str, Any]) -> str:
    """`23 pages (llms.txt), 24 requests, 23 conditional, 23 not modified, 0 changed`."""
    line = (
        f"Crawled {crawl.get('url')}: {crawl.get('pages', 0)} pages "
        f"({crawl.get('discovery')}), {crawl.get('requests', 0)} requests, "
        f"{crawl.get('conditional', 0)} conditional, {crawl.get('not_modified', 0)} not modified, "
        f"{crawl.get('changed', 0)} new or changed, {len(crawl.get('vanished') or [])} vanished"
    )
    if crawl.get("truncated"):
        line += "; stopped at --max-pages with pages left"
    return line


def crawl_opts(opts: dict[str, Any]) -> dict[str, Any] | None:
    """The website options given on the command line (None: the server's defaults)."""
    crawl = {
        "scope": opts.pop("scope"),
        "include": list(opts.pop("include_url")) or None,
        "exclude": list(opts.pop("exclude_url")) or None,
        "discovery": opts.pop("discovery"),
        "max_pages": opts.pop("max_pages"),
        "max_depth": opts.pop("max_depth"),
        "keep_query": opts.pop("keep_query") or None,
    }
    given = {k: v for k, v in crawl.items() if v is not None}
    return given or None


def detach_hint(job_id: int) -> str:
    return (
        f"Detached; job {job_id} goes on in the worker. "
        f"Follow it: codex7 jobs show {job_id}; cancel it: codex7 jobs cancel {job_id}"
    )


def follow_job(state: Any, job_id: int) -> Any:
    """Draw the job's progress until it ends: its IndexResult, or its failure as an error.
    Ctrl-C detaches (exit 130) with how to look at it again or cancel it."""
    from codex7.services.jobs import follow, result_of

    line = ProgressLine()
    job = None
    try:
        for job in follow(state, job_id):
            line(JobProgress(job))
    except KeyboardInterrupt:
        line.end()
        click.echo(detach_hint(job_id), err=True)
        raise click.exceptions.Exit(130) from None
    line.end()
    assert job is not None
    result = result_of(job)
    if result is not None:
        return result
    if job.status == "cancelled":
        raise Codex7Error(f"Job {job.id} was cancelled; nothing was published.")
    raise Codex7Error(job.error or f"Job {job.id} {job.status}.")


@click.command()
@click.argument("source")
@click.option("--library", "-l", required=True, help="Library ID to index into, /org/project.")
@click.option(
    "--version",
    "version",
    help="Version name (git sources default to the tag, else the branch; folders and websites "
    "need one).",
)
@click.option("--ref", help="Git branch, tag or commit to index (git sources).")
@click.option("--name", help="Display name of the library.")
@click.option("--description", help="One-line description of the library.")
@click.option(
    "--latest/--not-latest",
    default=None,
    help="Mark this version latest (default: if the library has none).",
)
@click.option("--folder", "folders", multiple=True, help="Only index these folders (repeatable).")
@click.option(
    "--exclude-folder", "exclude_folders", multiple=True, help="Skip folders matching (repeatable)."
)
@click.option(
    "--exclude-file", "exclude_files", multiple=True, help="Skip files with this name (repeatable)."
)
@click.option(
    "--scope",
    type=click.Choice(["prefix", "host"]),
    help="Websites: pages under the start URL's folder (prefix, the default) or the whole host.",
)
@click.option(
    "--include-url",
    multiple=True,
    metavar="GLOB",
    help="Websites: only pages whose URL path matches, e.g. '/docs/v2/*' (repeatable).",
)
@click.option(
    "--exclude-url",
    multiple=True,
    metavar="GLOB",
    help="Websites: skip pages whose URL path matches, e.g. '*/changelog/*' (repeatable).",
)
@click.option(
    "--discovery",
    type=click.Choice(["auto", "llms", "sitemap", "crawl"]),
    help="Websites: how pages are found (auto: llms.txt, then sitemap.xml, then links).",
)
@click.option(
    "--max-pages",
    type=click.IntRange(1, 100_000),
    help="Websites: pages to read at most (default CODEX7_FETCH_MAX_PAGES, 500).",
)
@click.option(
    "--max-depth",
    type=click.IntRange(0, 100),
    help="Websites: link hops from the start page (default CODEX7_FETCH_MAX_DEPTH, 5).",
)
@click.option(
    "--keep-query",
    is_flag=True,
    default=None,
    help="Websites: URLs that differ in their ?query are different pages.",
)
@click.option(
    "--workspace",
    metavar="NAME",
    help="Index into this workspace's library (default CODEX7_WORKSPACE, else the default "
    "workspace); see docs/team.md.",
)
@click.option(
    "--private/--public",
    "private",
    default=None,
    help="Only the workspace's keys see the library (--private), or every caller does "
    "(--public). Default: as it is; a new library is public.",
)
@click.option(
    "--inline",
    is_flag=True,
    help="Run the job in this process even if a worker is running (Ctrl-C cancels it).",
)
def index(source: str, library: str, inline: bool, **opts: Any) -> None:
    """Index documentation from SOURCE into a library version: a folder, a git URL
    (https://…/repo.git, github:org/repo, a forge's https://github.com/org/repo) or a
    documentation website (any other https://… URL, or web:https://…).

    With a worker running (`codex7 worker`, `codex7 serve`) the job is queued and its progress
    followed (Ctrl-C detaches, the job goes on); otherwise, or with --inline, it runs here.
    """
    from codex7.ids import parse_library_id
    from codex7.services.jobs import IndexRequest, enqueue, run_inline
    from codex7.services.worker import workers_alive

    settings = in_workspace(load_settings(), opts.pop("workspace"))
    crawl = crawl_opts(opts)
    req = IndexRequest(
        private=opts["private"],
        source=source,
        library=library,
        version=opts["version"],
        ref=opts["ref"],
        name=opts["name"],
        description=opts["description"],
        latest=opts["latest"],
        folders=list(opts["folders"]),
        exclude_folders=list(opts["exclude_folders"]),
        exclude_files=list(opts["exclude_files"]),
        crawl=crawl,
    )
    parse_library_id(library, allow_version=False)  # fail before starting the database
    state = open_app(settings)
    if inline or not workers_alive(state):
        result = run_inline(state, req, on_progress=ProgressLine())
    else:
        job = enqueue(state, req)
        click.echo(f"Queued job {job.id}; a worker runs it (Ctrl-C detaches).", err=True)
        result = follow_job(state, job.id)
    click.echo(summary(result))


def in_workspace(settings: Any, workspace: str | None) -> Any:
    """SETTINGS acting in WORKSPACE when one is given (--workspace overrides CODEX7_WORKSPACE)."""
    return settings.model_copy(update={"workspace": workspace}) if workspace else settings


@click.command()
@click.argument("library", required=False)
@click.option(
    "--workspace", metavar="NAME", help="Refresh this workspace's libraries (docs/team.md)."
)
@click.option(
    "--inline", is_flag=True, help="Run the refreshes in this process even if a worker is running."
)
def refresh(library: str | None, inline: bool, workspace: str | None) -> None:
    """Re-index every version (of LIBRARY, or all) from the source and ref it was indexed from.

    Branches move to their newest commit; only changed chunks are embedded, and a version whose
    files did not change is left as it is. With a worker running, the refreshes are queued (see
    `codex7 jobs`); otherwise, or with --inline, they run here, one line per version, and the
    command exits 1 if any failed.
    """
    from codex7.services.jobs import enqueue_refresh, refresh_requests, run_inline
    from codex7.services.worker import workers_alive

    state = open_app(in_workspace(load_settings(), workspace))
    if not inline and workers_alive(state):
        queued = enqueue_refresh(state, library)
        for job in queued:
            click.echo(f"{job.library}/{job.version}: queued as job {job.id}")
        click.echo("Nothing to refresh." if not queued else "Follow them with: codex7 jobs")
        return
    requests = refresh_requests(state, library)
    if not requests:
        click.echo("Nothing to refresh.")
        return
    failures = 0
    for req in requests:
        label = f"{req.library}/{req.version}"
        try:
            r = run_inline(state, req)
        except Codex7Error as exc:
            click.echo(f"{label}: failed: {exc}")
            failures += 1
            continue
        if r.unchanged:
            line = f"{label}: unchanged ({r.chunks} chunks)"
        else:
            line = f"{label}: updated ({r.chunks} chunks: {r.embedded} embedded, {r.reused} reused)"
        if r.crawl:
            line += (
                f"; {r.crawl.get('pages', 0)} pages, {r.crawl.get('conditional', 0)} conditional"
                f" requests, {r.crawl.get('not_modified', 0)} not modified"
            )
        click.echo(line)
    if failures:
        raise click.exceptions.Exit(1)


COMMANDS: list[click.Command] = [index, jobs, refresh, worker, schedule]
