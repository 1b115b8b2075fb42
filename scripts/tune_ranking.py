"""Choose the section scorer's weights by cross-validation over the dev queries.

    python scripts/tune_ranking.py ../shared/eval/dev_queries.jsonl ../shared/eval/dev_queries_more.jsonl

Runs every docs query once through the real candidate stage (`codex7.search.retrieve.gather`:
BM25, vectors, identifiers, whole sections) against the configured database, keeps each
candidate section's features and whether it is the gold file / gold section (or, as its snippet
will, holds the gold subsection), then fits the
linear weights by coordinate ascent on (file MRR@10 + section MRR@10) / 2. Folds are by query,
stratified by library; the held-out figures are what a new query can expect. The weights
printed last are fitted on all queries; an ablation retrains with each feature group removed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from codex7.config import Settings
from codex7.embeddings import get_embedder
from codex7.errors import LibraryNotFound, VersionNotFound
from codex7.evaluation.runner import judge, load_queries
from codex7.search import hybrid
from codex7.search.docs import query_vector, section_shares, subsections
from codex7.search.ranking import DEFAULT_WEIGHTS, FEATURES, Section
from codex7.search.resolve_version import resolve_target
from codex7.search.retrieve import RRF_WEIGHTS, Weights, gather
from codex7.store.database import open_database

GRID = (-0.5, -0.25, -0.1, 0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
GROUPS = {
    "vector": ("vec_max", "vec_gap", "vec_rr"),
    "bm25": ("bm25_max", "bm25_rr", "bm25_sum"),
    "heading/breadcrumb": ("heading", "breadcrumb"),
    "identifiers": ("ident_rr", "ident_heading"),
    "page/depth/size": ("page_support", "depth", "size"),
    "changelog": ("changelog",),
}


@dataclass
class Item:
    id: str
    library: str
    x: np.ndarray  # sections × features
    file_rel: np.ndarray  # bool per section
    section_rel: np.ndarray


def collect(settings: Settings, queries: list[dict], bm25: dict[str, float]) -> list[Item]:
    db = open_database(settings)
    embedder = get_embedder(settings)
    weights = Weights.from_settings(settings)
    weights.bm25 = replace(weights.bm25, **bm25)
    items = []
    with db.pool.connection() as conn:
        for n, q in enumerate(queries, 1):
            if q.get("kind") != "docs":
                continue
            library_id = q["library"] + (f"/{q['version']}" if q.get("version") else "")
            try:
                target = resolve_target(conn, library_id)
            except (LibraryNotFound, VersionNotFound):
                print(f"skip {q['id']}: {library_id} not indexed", file=sys.stderr)
                continue
            lib = target.library
            words = hybrid.name_words(lib.name, lib.project, lib.org)
            sections, _, _ = gather(
                conn,
                target.version.id,
                q["query"],
                query_vector(embedder, q["query"], words),
                weights,
                library_words=words,
            )
            gold = q.get("gold") or []
            x = np.array([[s.features[f] for f in FEATURES] for s in sections], dtype=float)
            rel = [judge(s.path, snippet_headings(s, sections), gold) for s in sections]
            items.append(
                Item(
                    q["id"],
                    q["library"],
                    x.reshape(len(sections), len(FEATURES)),
                    np.array([bool(f) for f, _ in rel]),
                    np.array([bool(s) for _, s in rel]),
                )
            )
            if n % 25 == 0:
                print(f"  {n}/{len(queries)} queries", file=sys.stderr)
    db.close()
    return items


def snippet_headings(section: Section, sections: list[Section], budget: int = 5000) -> list[str]:
    """The headings SECTION's snippet holds at BUDGET: its own, and those of the candidate
    subsections docs.section_snippets would add, taken in SECTIONS' order (the product takes
    them in ranked order, after earlier snippets; close enough for labels)."""
    room = section_shares(budget)[1] - sum(d.token_count for d in section.docs)
    same_file = [s for s in sections if s.path == section.path]
    added = subsections(section, same_file, set(), room)
    return section.hierarchy + [h for d in added for h in d.hierarchy]


def reciprocal_rank(order: np.ndarray, relevant: np.ndarray) -> float:
    hits = np.nonzero(relevant[order[:10]])[0]
    return 1.0 / (hits[0] + 1) if len(hits) else 0.0


def figures(items: list[Item], w: np.ndarray) -> tuple[float, float]:
    """(file MRR@10, section MRR@10) when sections are ranked by x·w."""
    f, s = [], []
    for it in items:
        if len(it.x) == 0:
            f.append(0.0)
            s.append(0.0)
            continue
        order = np.argsort(-(it.x @ w), kind="stable")
        f.append(reciprocal_rank(order, it.file_rel))
        s.append(reciprocal_rank(order, it.section_rel))
    return statistics.mean(f), statistics.mean(s)


def objective(items: list[Item], w: np.ndarray) -> float:
    f, s = figures(items, w)
    return (f + s) / 2


def fit(items: list[Item], start: np.ndarray, frozen: set[int], passes: int = 4) -> np.ndarray:
    w = start.copy()
    for i in frozen:
        w[i] = 0.0
    best = objective(items, w)
    for _ in range(passes):
        improved = False
        for i in range(len(FEATURES)):
            if i in frozen:
                continue
            for v in GRID:
                trial = w.copy()
                trial[i] = v
                score = objective(items, trial)
                if score > best + 1e-9:
                    best, w, improved = score, trial, True
        if not improved:
            break
    return w


def fit_pairwise(
    items: list[Item], start: np.ndarray, frozen: set[int], l2: float = 0.01, steps: int = 400
) -> np.ndarray:
    """Linear RankNet: logistic loss over (better, worse) section pairs of each query (gold
    section > gold file > other), every query weighing the same; then features back to scale."""
    xs = np.vstack([it.x for it in items if len(it.x)])
    mu, sd = xs.mean(axis=0), xs.std(axis=0) + 1e-9
    diffs, weights = [], []
    for it in items:
        grade = it.section_rel.astype(int) + it.file_rel.astype(int)
        z = (it.x - mu) / sd
        d = [z[i] - z[j] for i in np.nonzero(grade)[0] for j in np.nonzero(grade < grade[i])[0]]
        if d:
            diffs.append(np.array(d))
            weights.append(np.full(len(d), 1.0 / len(d)))
    dmat, wvec = np.vstack(diffs), np.concatenate(weights) / len(diffs)
    keep = np.array([i not in frozen for i in range(len(FEATURES))], dtype=float)
    w = np.zeros(len(FEATURES))
    for _ in range(steps):
        margin = dmat @ w
        grad = -(dmat * (wvec / (1 + np.exp(margin)))[:, None]).sum(axis=0) + 2 * l2 * w
        w -= 1.0 * grad * keep
    return w / sd


def folds(items: list[Item], k: int, seed: int = 7) -> list[list[int]]:
    by_lib: dict[str, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        by_lib[it.library].append(i)
    out: list[list[int]] = [[] for _ in range(k)]
    rng = random.Random(seed)
    n = 0
    for lib in sorted(by_lib):
        idx = by_lib[lib][:]
        rng.shuffle(idx)
        for i in idx:
            out[n % k].append(i)
            n += 1
    return out


def cross_validate(
    items: list[Item], k: int, start: np.ndarray, frozen: set[int], method: str = "ascent"
) -> tuple[float, float, list[np.ndarray]]:
    held_f, held_s, fitted = [], [], []
    for fold in folds(items, k):
        test = set(fold)
        train = [it for i, it in enumerate(items) if i not in test]
        w = FITTERS[method](train, start, frozen)
        f, s = figures([items[i] for i in fold], w)
        held_f += [f] * len(fold)
        held_s += [s] * len(fold)
        fitted.append(w)
    return statistics.mean(held_f), statistics.mean(held_s), fitted


def fit_both(items: list[Item], start: np.ndarray, frozen: set[int]) -> np.ndarray:
    """Pairwise logistic weights, refined by coordinate ascent on the MRR objective."""
    w = fit_pairwise(items, start, frozen)
    scale = np.abs(w).max() or 1.0
    return fit(items, w / scale * 4, frozen)


FITTERS = {"ascent": fit, "pairwise": fit_pairwise, "both": fit_both}


def vector_of(weights: dict[str, float]) -> np.ndarray:
    return np.array([weights.get(f, 0.0) for f in FEATURES])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", nargs="+", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--method", choices=["ascent", "pairwise", "both"], default="ascent")
    parser.add_argument(
        "--quick", action="store_true", help="only the chosen fitter's held-out figure, no ablation"
    )
    parser.add_argument("--json", type=Path, help="write the figures and weights here")
    parser.add_argument(
        "--bm25",
        default="",
        help="BM25 parameters to try, e.g. k1=1.2,b=0.75,heading=3,breadcrumb=1.5,identifier=2,body=1",
    )
    args = parser.parse_args()
    queries = [q for path in args.queries for q in load_queries(path)]
    settings = Settings()
    bm25 = {k: float(v) for k, v in (p.split("=") for p in args.bm25.split(",") if p)}
    items = collect(settings, queries, bm25)
    print(f"{len(items)} docs queries, {sum(len(i.x) for i in items)} candidate sections")
    recall = statistics.mean(bool(it.section_rel.any()) for it in items)
    file_recall = statistics.mean(bool(it.file_rel.any()) for it in items)
    print(f"candidate recall: gold file {file_recall:.3f}, gold section {recall:.3f}")

    report: dict = {"queries": len(items), "file_recall": file_recall, "section_recall": recall}
    rows = []
    for name, w in (
        ("current defaults", vector_of(DEFAULT_WEIGHTS)),
        ("rrf", vector_of(RRF_WEIGHTS)),
    ):
        f, s = figures(items, w)
        rows.append((name, f, s))
    start = vector_of(RRF_WEIGHTS)
    for method in () if args.quick else FITTERS:
        f, s, fitted = cross_validate(items, args.folds, start, set(), method)
        rows.append((f"{method}, {args.folds}-fold held-out", f, s))
    method = args.method
    f, s, fitted = cross_validate(items, args.folds, start, set(), method)
    rows.append((f"{method}, {args.folds}-fold held-out (chosen)", f, s))
    for group, names in () if args.quick else GROUPS.items():
        frozen = {FEATURES.index(n) for n in names}
        gf, gs, _ = cross_validate(items, args.folds, start, frozen, method)
        rows.append((f"{method} without {group}, held-out", gf, gs))
    final = FITTERS[method](items, start, set())
    f_all, s_all = figures(items, final)
    rows.append(("learned on all (in-sample)", f_all, s_all))
    print("\n| scorer | file MRR@10 | section MRR@10 |\n|---|---|---|")
    for name, f, s in rows:
        print(f"| {name} | {f:.3f} | {s:.3f} |")
    print("\nper-fold weights:")
    for w in fitted:
        print("  " + ", ".join(f"{n}={v:g}" for n, v in zip(FEATURES, w, strict=True) if v))
    weights = {n: float(v) for n, v in zip(FEATURES, final, strict=True)}
    print("\nweights fitted on all queries:\n" + json.dumps(weights, indent=4))
    report.update(rows=rows, weights=weights)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
