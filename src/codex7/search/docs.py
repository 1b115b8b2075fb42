"""What the tools answer: library search results, and documentation for a query under a budget."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import psycopg

from codex7.embeddings.base import Embedder
from codex7.errors import Codex7Error
from codex7.search import hybrid
from codex7.search.assemble import Snippet, clamp_tokens, fill, group
from codex7.search.render import (
    SNIPPET_SEPARATOR,
    LibraryResult,
    render_rules,
    render_snippet,
)
from codex7.search.resolve_library import rank_libraries
from codex7.search.resolve_version import Target, resolve_target
from codex7.store.libraries import list_libraries
from codex7.tokens import tiktoken_counter

log = logging.getLogger("codex7.search")


@dataclass
class DocsResult:
    text: str
    target: Target
    snippets: list[Snippet]
    tokens: int
    keyword_only: bool = False
    embed_seconds: float = 0.0
    search_seconds: float = 0.0
    candidates: list[hybrid.Doc] = field(default_factory=list)


def search_libraries(
    conn: psycopg.Connection, name: str, query: str | None = None
) -> list[LibraryResult]:
    rows = conn.execute(
        """
        SELECT l.identifier,
               coalesce(max(v.document_count) FILTER (WHERE v.is_latest), 0),
               coalesce(array_agg(v.version ORDER BY v.version_normalized DESC)
                        FILTER (WHERE v.id IS NOT NULL), '{}'),
               max(v.version) FILTER (WHERE v.is_latest),
               max(v.indexed_at),
               coalesce((SELECT sum(d.token_count) FROM documents d
                         JOIN versions lv ON lv.id = d.version_id
                         WHERE lv.library_id = l.id AND lv.is_latest), 0)
        FROM libraries l LEFT JOIN versions v ON v.library_id = l.id
        GROUP BY l.id
        """
    ).fetchall()
    info = {r[0]: r for r in rows}
    snippets = {r[0]: int(r[1]) for r in rows}
    results = []
    for lib in rank_libraries(list_libraries(conn), name, query, snippets):
        _, count, tags, latest, updated, tokens = info[lib.identifier]
        results.append(
            LibraryResult(
                title=lib.name,
                library_id=lib.identifier,
                description=lib.description,
                snippets=int(count),
                trust_score=lib.trust_score,
                versions=[f"{lib.identifier}/{v}" for v in tags],
                version_tags=list(tags),
                latest_version=latest,
                total_tokens=int(tokens),
                last_update=updated,
            )
        )
    return results


def _embed(embedder: Embedder | None, query: str) -> tuple[np.ndarray | None, str | None]:
    if embedder is None:
        return None, "no embedding model is configured"
    try:
        return embedder.embed_query(query), None
    except Codex7Error as exc:
        log.warning("query embedding failed, using keyword search only: %s", exc)
        return None, str(exc)
    except Exception as exc:  # a broken model must not take the docs down with it
        log.warning("query embedding failed, using keyword search only: %r", exc)
        return None, type(exc).__name__


def library_docs(
    conn: psycopg.Connection,
    get_embedder: Callable[[], Embedder | None],
    library_id: str,
    query: str | None,
    tokens: int | None,
    weights: hybrid.Weights,
    default_tokens: int = 5000,
) -> DocsResult:
    """Documentation for `query` (or the overview when None) from one library version."""
    budget = clamp_tokens(tokens, default_tokens)
    target = resolve_target(conn, library_id)
    version_id = target.version.id
    keyword_only = False
    note = None
    t0 = time.perf_counter()
    embed_seconds = 0.0
    if query and query.strip():
        vector, problem = _embed(get_embedder(), query)
        embed_seconds = time.perf_counter() - t0
        if vector is None:
            keyword_only = True
            note = f"Note: semantic search is unavailable ({problem}); these results come from keyword search only."
        lib = target.library
        retrieval = hybrid.retrieve(
            conn,
            version_id,
            query,
            vector,
            weights,
            library_words=hybrid.name_words(lib.name, lib.project, lib.org),
        )
        ranked = retrieval.ranked
    else:
        ranked = hybrid.overview(conn, version_id)
    around = hybrid.neighbours(conn, version_id, ranked[:40])
    snippets = group(ranked[:40], around)
    search_seconds = time.perf_counter() - t0 - embed_seconds

    count = tiktoken_counter()
    head = [
        b
        for b in (
            note,
            render_rules(target.library.identifier, target.library.rules)
            if target.library.rules
            else None,
        )
        if b
    ]
    head_cost = sum(count(b) + count(SNIPPET_SEPARATOR) for b in head)
    blocks = [render_snippet(s) for s in snippets]
    chosen = fill(blocks, budget - head_cost, count, SNIPPET_SEPARATOR)
    text = SNIPPET_SEPARATOR.join(head + [blocks[i] for i in chosen])
    if not chosen:
        text = SNIPPET_SEPARATOR.join(
            head
            + [
                f"No documentation found in {target.label} for this query. Try other words or another version."
            ]
        )
    return DocsResult(
        text=text,
        target=target,
        snippets=[snippets[i] for i in chosen],
        tokens=count(text),
        keyword_only=keyword_only,
        embed_seconds=embed_seconds,
        search_seconds=search_seconds,
        candidates=ranked,
    )
