"""`codex7 eval QUERIES.jsonl`: retrieval quality of what is indexed, as query-docs serves it."""

from __future__ import annotations

from pathlib import Path

import click

from codex7.cli.context import load_settings, open_db


@click.command(name="eval")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every figure and per-query result here.",
)
def evaluate(queries: Path, json_path: Path | None) -> None:
    """Score QUERIES (JSON Lines: id, kind, library, version, query, gold, must_contain).

    Queries on libraries or versions that are not indexed are reported as skipped.
    """
    from codex7.embeddings import get_embedder
    from codex7.evaluation.runner import (
        load_queries,
        run_docs_query,
        run_resolve_query,
        summarize,
        table,
        to_json,
    )
    from codex7.search.hybrid import Weights

    settings = load_settings()
    items = load_queries(queries)
    embedder = get_embedder(settings)
    weights = Weights.from_settings(settings)
    results = []
    with open_db(settings).pool.connection() as conn:
        embedder.embed_query("warm up")  # model load is not query latency
        for q in items:
            if q.get("kind") == "resolve":
                results.append(run_resolve_query(conn, q))
            else:
                results.append(run_docs_query(conn, lambda: embedder, q, weights))
    summary = summarize(results)
    for line in table(summary):
        click.echo(line)
    if json_path:
        json_path.write_text(to_json(summary, results))
        click.echo(f"Wrote {json_path}", err=True)
