"""What the tools answer: library search results, and documentation for a query under a budget."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from codex7.embeddings.base import Embedder
from codex7.errors import Codex7Error
from codex7.search import hybrid
from codex7.search.assemble import Snippet, clamp_tokens, fill, group
from codex7.search.ranking import Section
from codex7.search.render import (
    SNIPPET_SEPARATOR,
    LibraryResult,
    render_rules,
    render_snippet,
)
from codex7.search.resolve_library import rank_libraries
from codex7.search.resolve_version import Target, resolve_target
from codex7.search.retrieve import Weights, retrieve
from codex7.store import candidates
from codex7.store.candidates import Doc
from codex7.store.database import Connection
from codex7.store.libraries import library_stats
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
    sections: list[Section] = field(default_factory=list)  # ranked, before the budget
    timings: dict[str, float] = field(default_factory=dict)  # ms per retrieval stage
    lists: dict[str, list[int]] = field(default_factory=dict)  # retriever → chunk ids, best first


def search_libraries(
    conn: Connection,
    name: str,
    query: str | None = None,
    limit: int | None = None,
    *,
    viewer: int | None = None,
) -> list[LibraryResult]:
    """Libraries VIEWER sees (public ones and its workspace's) matching `name`, best first,
    ranked with `query`'s words (resolve-library-id)."""
    stats = library_stats(conn, viewer=viewer)
    snippets = {lib.identifier: lib.snippets for lib in stats}
    ranked = rank_libraries(stats, name, query, snippets)
    return [
        LibraryResult(
            title=lib.name,
            library_id=lib.identifier,
            description=lib.description,
            snippets=lib.snippets,
            trust_score=lib.trust_score,
            versions=[f"{lib.identifier}/{v}" for v in lib.versions],
            version_tags=list(lib.versions),
            latest_version=lib.latest,
            total_tokens=lib.tokens,
            last_update=lib.indexed_at,
        )
        for lib in ranked[:limit]
    ]


def query_vector(embedder: Embedder, query: str, library_words: set[str]) -> np.ndarray:
    """The question's vector. When it names the library ("… from fastapi"), the mean of the
    question as asked and the question without the name: every page of the library is about
    it, so at full weight the name pulls the question towards pages that repeat it (overviews,
    introductions). Dropping the name outright loses what it says about the question's
    wording; half weight ranks best on the dev queries (docs/benchmarks.md)."""
    texts = [query]
    rest = hybrid.without_words(query, library_words)
    if rest != query:
        texts.append(rest)
    vectors = embedder.embed_queries(texts)
    if len(vectors) == 1:
        return vectors[0]
    mean = vectors.mean(axis=0)
    return (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)


def _embed(
    embedder: Embedder | None, query: str, library_words: set[str]
) -> tuple[np.ndarray | None, str | None]:
    if embedder is None:
        return None, "no embedding model is configured"
    try:
        return query_vector(embedder, query, library_words), None
    except Codex7Error as exc:
        log.warning("query embedding failed, using keyword search only: %s", exc)
        return None, str(exc)
    except Exception as exc:  # a broken model must not take the docs down with it
        log.warning("query embedding failed, using keyword search only: %r", exc)
        return None, type(exc).__name__


SECTION_SHARE = 4  # one section may take up to a quarter of the budget (at least MIN_SECTION)
MIN_SECTION = 1200
MAX_CANDIDATES = 1000


def section_shares(budget: int) -> tuple[int, int]:
    """(the tokens one section may take, the tokens it may grow to with its subsections).

    A quarter of the budget, at least MIN_SECTION, but never more than four fifths of it
    (headers and separators need the rest): at the smallest budgets a bigger snippet would not
    fit at all, and the best section would be left out. Subsections add up to half the budget."""
    cap = min(max(MIN_SECTION, budget // SECTION_SHARE), budget * 4 // 5)
    return cap, min(cap, budget // 2)


def section_snippets(sections: list[Section], budget: int) -> list[Snippet]:
    """One snippet per section, best section first: the section whole when it fits its share
    of the budget, else its best-scoring chunks up to that share, in document order. A section
    with room left takes its best-scoring candidate subsections too (a page's introduction
    with the subsection that answers, a heading with the options under it), all in document
    order. Text already taken (the same chunk reached twice) is not repeated."""
    cap, grown = section_shares(budget)
    seen: set[str] = set()
    snippets: list[Snippet] = []
    by_file: dict[str, list[Section]] = {}
    for section in sections:
        by_file.setdefault(section.path, []).append(section)
    for section in sections:
        docs = [d for d in section.docs if d.content_hash not in seen]
        if not docs:
            continue
        used = sum(d.token_count for d in docs)
        if used > cap:
            keep: list[Doc] = []
            used = 0
            for d in sorted(docs, key=lambda d: -section.chunk_scores.get(d.id, 0.0)):
                if used + d.token_count <= cap or not keep:
                    keep.append(d)
                    used += d.token_count
            docs = keep
        else:
            docs += subsections(section, by_file[section.path], seen, grown - used)
        docs.sort(key=lambda d: d.chunk_index)
        seen.update(d.content_hash for d in docs)
        snippets.append(Snippet(docs))
    return snippets


def subsections(parent: Section, same_file: list[Section], seen: set[str], room: int) -> list[Doc]:
    """Chunks of PARENT's subsections (best first, as ranked) that fit in ROOM tokens whole."""
    head = parent.hierarchy
    taken: list[Doc] = []
    for s in same_file:
        if room <= 0:
            break
        if len(s.hierarchy) <= len(head) or s.hierarchy[: len(head)] != head:
            continue
        docs = [d for d in s.docs if d.content_hash not in seen]
        size = sum(d.token_count for d in docs)
        if docs and size <= room:
            taken += docs
            room -= size
    return taken


def candidate_limit(overfetch: int, budget: int) -> int:
    """Enough candidates to fill the budget: ~100 tokens a chunk."""
    return min(MAX_CANDIDATES, max(overfetch, budget // 100))


def library_docs(
    conn: Connection,
    get_embedder: Callable[[], Embedder | None],
    library_id: str,
    query: str | None,
    tokens: int | None,
    weights: Weights,
    default_tokens: int = 5000,
    *,
    version: str | None = None,
    viewer: int | None = None,
) -> DocsResult:
    """Documentation for `query` (or the overview when None) from one library version VIEWER
    sees (see resolve_target); `version` (a name or a range) overrides the one in `library_id`."""
    budget = clamp_tokens(tokens, default_tokens)
    target = resolve_target(conn, library_id, version, viewer=viewer)
    version_id = target.version.id
    keyword_only = False
    notes: list[str] = [target.note] if target.note else []
    t0 = time.perf_counter()
    embed_seconds = 0.0
    sections: list[Section] = []
    timings: dict[str, float] = {}
    lists: dict[str, list[int]] = {}
    if query and query.strip():
        lib = target.library
        words = hybrid.name_words(lib.name, lib.project, lib.org)
        vector, problem = _embed(get_embedder(), query, words)
        embed_seconds = time.perf_counter() - t0
        if vector is None:
            keyword_only = True
            notes.append(
                f"Note: semantic search is unavailable ({problem}); these results come from keyword search only."
            )
        retrieval = retrieve(
            conn,
            version_id,
            query,
            vector,
            weights,
            library_words=words,
            limit=candidate_limit(weights.overfetch, budget),
        )
        sections, timings, lists = retrieval.sections, retrieval.timings, retrieval.lists
        snippets = section_snippets(sections, budget)
    else:
        ranked = candidates.overview(conn, version_id, limit=max(80, budget // 60))
        snippets = group(ranked, candidates.neighbours(conn, version_id, ranked))
    search_seconds = time.perf_counter() - t0 - embed_seconds

    count = tiktoken_counter()
    head = list(notes)
    if target.library.rules:
        head.append(render_rules(target.library.identifier, target.library.rules))
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
        sections=sections,
        timings=timings,
        lists=lists,
    )
