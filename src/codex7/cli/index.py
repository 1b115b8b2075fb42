"""`codex7 index|jobs|refresh`: the indexer's verbs."""

from __future__ import annotations

import sys
from typing import Any

import click

from codex7.cli.context import load_settings, open_db
from codex7.cli.libraries import library_or_fail
from codex7.cli.output import echo_rows
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


def _embedder(settings: Any) -> Any:
    from codex7.embeddings import get_embedder

    return get_embedder(settings)


def _cache(settings: Any) -> Any:
    if not settings.embedding_cache:
        return None
    from codex7.embeddings.cache import EmbeddingCache

    cache = EmbeddingCache(settings.cache_file)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(cache.close)
    return cache


def _summary(r: Any) -> str:
    what = "unchanged" if r.unchanged else "indexed"
    latest = ", latest" if r.is_latest else ""
    return (
        f"{r.library}/{r.version} {what}: {r.files} files, {r.chunks} chunks "
        f"({r.embedded} embedded, {r.reused} reused) in {r.seconds:.1f}s{latest}"
    )


@click.command()
@click.argument("source")
@click.option("--library", "-l", required=True, help="Library ID to index into, /org/project.")
@click.option(
    "--version",
    "version",
    help="Version name (git sources default to the tag, else the branch; folders need one).",
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
def index(source: str, library: str, **opts: Any) -> None:
    """Index documentation from SOURCE (a folder, a git URL, github:org/repo) into a library version."""
    from codex7.ingest.pipeline import IndexRequest, index_version

    settings = load_settings()
    req = IndexRequest(
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
    )
    from codex7.ids import parse_library_id

    parse_library_id(library, allow_version=False)  # fail before starting the database
    db = open_db(settings)
    result = index_version(
        db,
        _embedder(settings),
        req,
        cache_dir=settings.data_dir / "git",
        on_progress=ProgressLine(),
        embedding_cache=_cache(settings),
    )
    click.echo(_summary(result))


@click.command()
@click.option("--limit", default=20, show_default=True, help="How many recent jobs.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def jobs(limit: int, as_json: bool) -> None:
    """List recent indexing jobs."""
    from codex7.store.jobs import list_jobs

    with open_db().pool.connection() as conn:
        rows = [
            [
                j.id,
                f"{j.library}/{j.version}",
                j.status,
                f"{j.files_done}/{j.files_total}",
                j.chunks,
                j.embedded,
                j.reused,
                j.created_at.isoformat(timespec="seconds"),
                j.error or "",
            ]
            for j in list_jobs(conn, limit)
        ]
    echo_rows(
        ["id", "version", "status", "files", "chunks", "embedded", "reused", "created_at", "error"],
        rows,
        as_json=as_json,
        empty="No indexing jobs yet.",
    )


@click.command()
@click.argument("library", required=False)
def refresh(library: str | None) -> None:
    """Re-index every version (of LIBRARY, or all) from the source and ref it was indexed from.

    Branches move to their newest commit; only changed chunks are embedded. Prints one line
    per version; exits 1 if any version failed.
    """
    from codex7.ids import parse_library_id
    from codex7.ingest.pipeline import IndexRequest, index_version

    settings = load_settings()
    db = open_db(settings)
    with db.pool.connection() as conn:
        if library:
            lib = library_or_fail(conn, parse_library_id(library, allow_version=False).library_id)
            where, params = "WHERE l.id = %s", (lib.id,)
        else:
            where, params = "", ()
        targets = conn.execute(
            f"SELECT l.identifier, v.version, v.source, v.is_latest FROM versions v"
            f" JOIN libraries l ON l.id = v.library_id {where} ORDER BY l.identifier, v.version_normalized",
            params,
        ).fetchall()
    if not targets:
        click.echo("Nothing to refresh.")
        return
    embedder = _embedder(settings)
    cache = _cache(settings)
    failures = 0
    for identifier, version, source, _ in targets:
        label = f"{identifier}/{version}"
        if not source.get("spec"):
            click.echo(f"{label}: failed: no recorded source to refresh from")
            failures += 1
            continue
        req = IndexRequest(
            source=source["spec"],
            library=identifier,
            version=version,
            ref=source.get("ref"),
            folders=source.get("folders") or [],
            exclude_folders=source.get("exclude_folders") or [],
            exclude_files=source.get("exclude_files") or [],
        )
        try:
            r = index_version(
                db, embedder, req, cache_dir=settings.data_dir / "git", embedding_cache=cache
            )
        except Codex7Error as exc:
            click.echo(f"{label}: failed: {exc}")
            failures += 1
            continue
        if r.unchanged:
            click.echo(f"{label}: unchanged ({r.chunks} chunks)")
        else:
            click.echo(
                f"{label}: updated ({r.chunks} chunks: {r.embedded} embedded, {r.reused} reused)"
            )
    if failures:
        raise click.exceptions.Exit(1)


COMMANDS: list[click.Command] = [index, jobs, refresh]
