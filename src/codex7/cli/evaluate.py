"""`codex7 eval QUERIES.jsonl…`: retrieval quality of what is indexed, as query-docs serves it,
optionally beside the naive lexical floor (SQLite FTS5 BM25 over heading sections)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from codex7.cli.context import open_app

FLOOR_TITLE = "Floor: SQLite FTS5 BM25 (porter) over whole heading sections, no embeddings"


@click.command(name="eval")
@click.argument(
    "queries", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every figure and per-query result here.",
)
@click.option(
    "--floor",
    "corpus_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Also score the lexical floor over this corpus folder (with MANIFEST.json).",
)
@click.option(
    "--floor-only",
    is_flag=True,
    help="Score only the floor: no database, no model (needs --floor).",
)
def evaluate(
    queries: tuple[Path, ...], json_path: Path | None, corpus_dir: Path | None, floor_only: bool
) -> None:
    """Score QUERIES (one or more JSON Lines files: id, kind, library, version, query, gold,
    must_contain), e.g. both dev files at once.

    Queries on libraries or versions that are not indexed are reported as skipped.
    """
    from codex7.evaluation.runner import load_queries, payload, summarize, table

    if floor_only and corpus_dir is None:
        raise click.UsageError("--floor-only needs --floor CORPUS_DIR.")
    items = [q for path in queries for q in load_queries(path)]
    report: dict[str, Any] = {}
    codex7_summary = None
    if not floor_only:
        results = _run_codex7(items)
        codex7_summary = summarize(results)
        report = payload(codex7_summary, results)
        for line in table(codex7_summary):
            click.echo(line)
    if corpus_dir is not None:
        from codex7.evaluation.floor import run_floor, side_by_side

        floor_results = run_floor(corpus_dir, items)
        floor_summary = summarize(floor_results)
        report["floor"] = payload(floor_summary, floor_results)
        if codex7_summary is not None:
            click.echo("")
        click.echo(FLOOR_TITLE)
        for line in table(floor_summary):
            click.echo(line)
        if codex7_summary is not None:
            click.echo("")
            for line in side_by_side(codex7_summary, floor_summary):
                click.echo(line)
    if json_path:
        json_path.write_text(json.dumps(report, indent=2, default=str))
        click.echo(f"Wrote {json_path}", err=True)


def _run_codex7(items: list[dict[str, Any]]) -> list[Any]:
    """Every query through query-docs / resolve-library-id on the configured database."""
    from codex7.evaluation.runner import run_queries

    return run_queries(open_app(), items)
