"""Run eval queries (shared/eval format) exactly as query-docs and resolve-library-id do; score them."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codex7.errors import Codex7Error, LibraryNotFound, VersionNotFound
from codex7.evaluation import metrics

# The application layer is imported where a query runs: the lexical floor (evaluation.floor)
# scores with this module's judge and needs no database.
if TYPE_CHECKING:
    from codex7.services.state import AppState

KS = (1, 3, 5, 10)


@dataclass
class QueryResult:
    id: str
    kind: str
    library: str
    query: str
    status: str  # "scored" | "skipped"
    reason: str | None = None
    file_rank: int | None = None
    section_rank: int | None = None
    file_ndcg: float = 0.0
    section_ndcg: float = 0.0
    must_contain_found: bool | None = None
    tokens: int = 0
    embed_ms: float = 0.0
    search_ms: float = 0.0
    returned: list[dict[str, Any]] = field(default_factory=list)


def load_queries(path: Path) -> list[dict[str, Any]]:
    queries = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                queries.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise Codex7Error(f"{path}:{n} is not valid JSON: {exc}") from None
    return queries


def _norm(heading: str) -> str:
    return " ".join(heading.split()).strip().lower()


def judge(
    path: str, headings: Iterable[str], gold: list[dict[str, Any]]
) -> tuple[set[int], set[int]]:
    """Gold entries one returned item (its path and every heading of its hierarchies) satisfies,
    at file level and at section level."""
    files: set[int] = set()
    sections: set[int] = set()
    normed = {_norm(h) for h in headings}
    for g, entry in enumerate(gold):
        if path != entry["path"]:
            continue
        files.add(g)
        heading = entry.get("heading")
        # A null heading means the text before the first heading: the file match is all we know.
        if heading is None or _norm(heading) in normed:
            sections.add(g)
    return files, sections


def score(
    base: QueryResult,
    q: dict[str, Any],
    ranked: Sequence[tuple[str, Iterable[str]]],
    text: str,
) -> None:
    """Fill ranks, nDCG and must_contain from the ranked (path, headings) items and their text."""
    gold = q.get("gold") or []
    grades = [float(g.get("grade") or 1.0) for g in gold]
    file_matches, section_matches = [], []
    for path, headings in ranked:
        f, sec = judge(path, headings, gold)
        file_matches.append(f)
        section_matches.append(sec)
    base.file_rank = metrics.first_hit([bool(m) for m in file_matches])
    base.section_rank = metrics.first_hit([bool(m) for m in section_matches])
    base.file_ndcg = metrics.ndcg(file_matches, grades)
    base.section_ndcg = metrics.ndcg(section_matches, grades)
    if q.get("must_contain"):
        base.must_contain_found = q["must_contain"] in text


def run_docs_query(state: AppState, q: dict[str, Any]) -> QueryResult:
    """One docs query as query-docs answers it."""
    from codex7.services.docs import query_docs

    library_id = q["library"] + (f"/{q['version']}" if q.get("version") else "")
    base = QueryResult(q["id"], "docs", q["library"], q["query"], "scored")
    try:
        result = query_docs(state, library_id, q["query"], None)
    except (LibraryNotFound, VersionNotFound) as exc:
        base.status, base.reason = "skipped", str(exc)
        return base
    ranked = [(s.path, [h for d in s.docs for h in d.hierarchy]) for s in result.snippets]
    score(base, q, ranked, result.text)
    base.returned = [{"path": s.path, "title": s.title} for s in result.snippets]
    base.tokens = result.tokens
    base.embed_ms = result.embed_seconds * 1000
    base.search_ms = result.search_seconds * 1000
    return base


def run_resolve_query(state: AppState, q: dict[str, Any], indexed: set[str]) -> QueryResult:
    """One library query as resolve-library-id answers it; `indexed`: the libraries there are."""
    from codex7.services.docs import search_libraries

    base = QueryResult(q["id"], "resolve", q["library"], q["query"], "scored")
    if q["library"] not in indexed:
        base.status, base.reason = "skipped", f"{q['library']} is not indexed"
        return base
    ids = [r.library_id for r in search_libraries(state, q["query"])]
    base.returned = [{"id": i} for i in ids[:10]]
    base.file_rank = ids.index(q["library"]) + 1 if q["library"] in ids else None
    return base


def run_queries(state: AppState, items: list[dict[str, Any]]) -> list[QueryResult]:
    """Every query through query-docs / resolve-library-id on the state's database."""
    from codex7.services.libraries import list_libraries

    embedder = state.embedder()
    if embedder is None:  # query-docs would fall back to keyword search: not what is measured
        raise Codex7Error(
            "The embedding model could not be loaded (see the warning above); check "
            "CODEX7_EMBEDDING_PROVIDER and CODEX7_EMBEDDING_MODEL, or score only the floor."
        )
    embedder.embed_query("warm up")  # model load is not query latency
    indexed = {lib.id for lib in list_libraries(state)}
    return [
        run_resolve_query(state, q, indexed)
        if q.get("kind") == "resolve"
        else run_docs_query(state, q)
        for q in items
    ]


def summarize(results: list[QueryResult]) -> dict[str, Any]:
    """Every figure, per library and overall."""
    scored = [r for r in results if r.status == "scored"]
    docs = [r for r in scored if r.kind == "docs"]
    resolve = [r for r in scored if r.kind == "resolve"]

    def block(rows: list[QueryResult]) -> dict[str, Any]:
        out: dict[str, Any] = {"queries": len(rows)}
        if not rows:
            return out
        for level, rank_of, ndcg_of in (
            ("file", lambda r: r.file_rank, lambda r: r.file_ndcg),
            ("section", lambda r: r.section_rank, lambda r: r.section_ndcg),
        ):
            for k in KS:
                out[f"{level}_hit@{k}"] = statistics.mean(
                    metrics.hit_at(rank_of(r), k) for r in rows
                )
            out[f"{level}_mrr@10"] = statistics.mean(
                metrics.reciprocal_rank(rank_of(r)) for r in rows
            )
            out[f"{level}_ndcg@10"] = statistics.mean(ndcg_of(r) for r in rows)
        checked = [r.must_contain_found for r in rows if r.must_contain_found is not None]
        out["must_contain"] = (
            statistics.mean(1.0 if c else 0.0 for c in checked) if checked else None
        )
        tokens = [float(r.tokens) for r in rows]
        out["tokens_mean"] = statistics.mean(tokens)
        out["tokens_p95"] = metrics.percentile(tokens, 95)
        for part in ("embed_ms", "search_ms"):
            values = [getattr(r, part) for r in rows]
            out[f"{part}_p50"] = metrics.percentile(values, 50)
            out[f"{part}_p95"] = metrics.percentile(values, 95)
        return out

    by_library: dict[str, list[QueryResult]] = defaultdict(list)
    for r in docs:
        by_library[r.library].append(r)
    summary: dict[str, Any] = {
        "overall": block(docs),
        "libraries": {lib: block(rows) for lib, rows in sorted(by_library.items())},
        "skipped": [{"id": r.id, "reason": r.reason} for r in results if r.status == "skipped"],
    }
    if resolve:
        summary["resolve"] = {
            "queries": len(resolve),
            "hit@1": statistics.mean(metrics.hit_at(r.file_rank, 1) for r in resolve),
            "mrr": statistics.mean(metrics.reciprocal_rank(r.file_rank) for r in resolve),
        }
    return summary


def payload(summary: dict[str, Any], results: list[QueryResult]) -> dict[str, Any]:
    return {"summary": summary, "queries": [asdict(r) for r in results]}


def to_json(summary: dict[str, Any], results: list[QueryResult]) -> str:
    return json.dumps(payload(summary, results), indent=2, default=str)


def table(summary: dict[str, Any]) -> list[str]:
    cols = [
        "queries",
        "file_hit@1",
        "file_hit@5",
        "file_mrr@10",
        "section_hit@1",
        "section_hit@5",
        "section_mrr@10",
        "section_ndcg@10",
        "must_contain",
        "tokens_mean",
        "search_ms_p95",
    ]
    rows = [("overall", summary["overall"])] + list(summary["libraries"].items())
    lines = ["| library | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, figures in rows:
        cells = []
        for c in cols:
            v = figures.get(c)
            cells.append("" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v)))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if "resolve" in summary:
        r = summary["resolve"]
        lines.append("")
        lines.append(
            f"resolve-library-id: {r['queries']} queries, Hit@1 {r['hit@1']:.3f}, MRR {r['mrr']:.3f}"
        )
    if summary["skipped"]:
        lines.append(f"skipped (library or version not indexed): {len(summary['skipped'])}")
    return lines
