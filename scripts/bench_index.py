"""Benchmark indexing against the embedder alone: is `codex7 index` as fast as its model?

For one library (default /encode/httpx from ../shared/corpus; the repository's own docs/ when
that is absent), each round measures

  (a) the embedder alone: the exact texts the pipeline embedded, in the same calls (the same
      length-sorted batches), the model already loaded;
  (b) the whole cold indexing run (read → chunk → look up known vectors → embed → checkpoint →
      publish), the model already loaded, nothing known: a fresh embedding cache file and the
      library deleted before the round;

and reports seconds, embeddings/s and the speed ratio (b)/(a) = (a) seconds / (b) seconds, with
and without the publish transaction (BM25 statistics, HNSW build: database work, not embedding).
Rounds alternate (b, a), (a, b), … so drift on a shared machine hits both sides alike. The model
load is timed once, apart; a warm (unchanged) re-index comes last. Uses a throwaway embedded
PostgreSQL unless DATABASE_URL is set (then that database).

    .venv/bin/python scripts/bench_index.py --library /encode/httpx --rounds 3
    .venv/bin/python scripts/bench_index.py --library /fastapi/fastapi --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from codex7.config import Settings
from codex7.embeddings import get_embedder
from codex7.embeddings.base import Embedder, WrappedEmbedder
from codex7.embeddings.cache import EmbeddingCache
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.ingest.progress import Progress
from codex7.store import libraries
from codex7.store.database import Database, open_database

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
OWN_DOCS = "/codex7/docs"  # the fallback library: this repository's docs/


class RecordingEmbedder(WrappedEmbedder):
    """Records every call that reaches the real embedder, and the time spent inside it."""

    def __init__(self, inner: Embedder):
        super().__init__(inner)
        self.calls: list[list[str]] = []
        self.seconds = 0.0

    def reset(self) -> None:
        self.calls, self.seconds = [], 0.0

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        start = time.perf_counter()
        out = self.inner.embed_batch(texts)
        self.seconds += time.perf_counter() - start
        self.calls.append(list(texts))
        return out


@dataclass
class Stages:
    """When each stage of a run began (seconds from the start), from the progress callback."""

    start: float = field(default_factory=time.perf_counter)
    began: dict[str, float] = field(default_factory=dict)

    def __call__(self, p: Progress) -> None:
        self.began.setdefault(p.stage, time.perf_counter() - self.start)

    def span(self, first: str, then: str, total: float) -> float:
        a = self.began.get(first, 0.0)
        return self.began.get(then, total) - a


def pick(library: str, version: str | None) -> tuple[Path, str]:
    """The library's folder in the shared corpus, and the version name it is indexed as."""
    if library == OWN_DOCS or not (CORPUS / "MANIFEST.json").exists():
        return REPO / "docs", "repo"
    manifest = json.loads((CORPUS / "MANIFEST.json").read_text())["libraries"]
    for m in manifest:
        if m["library_id"] == library and (
            version == m["version"] or (version is None and m["latest"])
        ):
            return CORPUS / m["corpus_path"], m["version"]
    raise SystemExit(f"{library} {version or '(latest)'} is not in {CORPUS}/MANIFEST.json")


def first_files(src: Path, n: int, into: Path) -> Path:
    """A copy of the first N documentation files of SRC (smoke runs)."""
    files = sorted(p for p in src.rglob("*") if p.suffix in (".md", ".mdx", ".rst"))[:n]
    for f in files:
        (into / f.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, into / f.relative_to(src))
    return into


def replay(embedder: Embedder, calls: list[list[str]]) -> tuple[float, float]:
    """(a): the embedder alone on the same calls; (seconds, CPU seconds of this process)."""
    start, cpu = time.perf_counter(), time.process_time()
    for texts in calls:
        embedder.embed_batch(texts)
    return time.perf_counter() - start, time.process_time() - cpu


def one_call(embedder: Embedder, calls: list[list[str]]) -> float:
    """Every text in one length-sorted call (the model's own batching); seconds."""
    texts = sorted((t for c in calls for t in c), key=len)
    start = time.perf_counter()
    embedder.embed_batch(texts)
    return time.perf_counter() - start


def cold_run(
    db: Database, embedder: RecordingEmbedder, req: IndexRequest, work: Path, n: int
) -> dict[str, Any]:
    """(b): the library deleted, a fresh embedding cache, one indexing run."""
    with db.pool.connection() as conn:
        libraries.delete_library(conn, req.library)
    cache = EmbeddingCache(work / f"cache-{n}.sqlite3")
    embedder.reset()
    stages = Stages()
    try:
        start, cpu = time.perf_counter(), time.process_time()
        r = index_version(
            db, embedder, req, cache_dir=work / "git", on_progress=stages, embedding_cache=cache
        )
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        cache.close()
    return {
        "result": r,
        "seconds": seconds,
        "cpu": cpu,
        "calls": list(embedder.calls),
        "inside": embedder.seconds,
        "read_chunk": stages.span("reading", "embedding", seconds),
        "embed_stage": stages.span("embedding", "publishing", seconds),
        "publish": stages.span("publishing", "done", seconds),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--library", default="/encode/httpx")
    ap.add_argument("--version")
    ap.add_argument("--files", type=int, help="Only the first N files (smoke runs).")
    ap.add_argument("--rounds", type=int, default=3, help="Cold rounds, each (a) and (b).")
    ap.add_argument(
        "--one-call",
        action="store_true",
        help="Also time every text in one length-sorted call (the model's own batching).",
    )
    ap.add_argument("--write", type=Path, help="Append the results to this Markdown file.")
    args = ap.parse_args()

    src, version = pick(args.library, args.version)
    library = OWN_DOCS if src == REPO / "docs" else args.library
    work = Path(tempfile.mkdtemp(prefix="codex7-bench-"))
    docs = first_files(src, args.files, work / "docs") if args.files else src

    settings = Settings(data_dir=work / "data", database_url=os.environ.get("DATABASE_URL"))
    start = time.perf_counter()
    inner = get_embedder(settings)
    inner.embed_batch(["warm up the model"])  # model load is not indexing work
    load_seconds = time.perf_counter() - start
    embedder = RecordingEmbedder(inner)
    req = IndexRequest(str(docs), library, version)
    rows: list[dict[str, Any]] = []
    single: list[float] = []
    try:
        with open_database(settings) as db:
            for n in range(args.rounds):
                if n % 2 == 1 and rows:  # (a) first on odd rounds, with the texts already known
                    alone, alone_cpu = replay(inner, rows[-1]["calls"])
                    run = cold_run(db, embedder, req, work, n)
                else:
                    run = cold_run(db, embedder, req, work, n)
                    alone, alone_cpu = replay(inner, run["calls"])
                if args.one_call and n == 0:
                    single.append(one_call(inner, run["calls"]))
                texts = sum(len(c) for c in run["calls"])
                rows.append({**run, "alone": alone, "alone_cpu": alone_cpu, "texts": texts})
            start = time.perf_counter()
            warm = index_version(db, embedder, req, cache_dir=work / "git")
            warm_seconds = time.perf_counter() - start
            # Out before the database closes (an embedded server's stop can wait on others).
            text = report(
                args, library, src, version, inner, load_seconds, rows, warm, warm_seconds, single
            )
            print(text, flush=True)
            if args.write:
                with args.write.open("a") as fh:
                    fh.write("\n" + text)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(
    args: argparse.Namespace,
    library: str,
    src: Path,
    version: str,
    inner: Embedder,
    load_seconds: float,
    rows: list[dict[str, Any]],
    warm: Any,
    warm_seconds: float,
    single: list[float],
) -> str:
    header = (
        "| run | files | chunks | embedded | (a) embedder alone s | (a) embeddings/s "
        "| (b) indexing run s | (b) embeddings/s | **speed (b)/(a)** | read + chunk s "
        "| embed stage s (outside the model) | publish s | (b)/(a) without publish |"
    )
    lines = [header, "|" + "---|" * 13]

    def line(name: str, r: Any, texts: int, alone: float, run: dict[str, Any]) -> str:
        secs = run["seconds"]
        no_pub = secs - run["publish"]
        return (
            f"| {name} | {r.files} | {r.chunks} | {texts} | {alone:.2f} | "
            f"{texts / alone if alone else 0:.1f} | {secs:.2f} | {texts / secs:.1f} | "
            f"**{alone / secs:.3f}** | {run['read_chunk']:.2f} | "
            f"{run['embed_stage']:.2f} ({run['embed_stage'] - run['inside']:.2f}) | "
            f"{run['publish']:.2f} | {alone / no_pub:.3f} |"
        )

    for i, row in enumerate(rows, 1):
        lines.append(line(f"cold {i}", row["result"], row["texts"], row["alone"], row))
    if len(rows) > 1:
        ratios = [row["alone"] / row["seconds"] for row in rows]
        mid = sorted(range(len(rows)), key=lambda i: ratios[i])[(len(rows) - 1) // 2]
        med = rows[mid]
        lines.append(line("median", med["result"], med["texts"], med["alone"], med))
    lines.append(
        f"| warm | {warm.files} | {warm.chunks} | {warm.embedded} | | | {warm_seconds:.2f} | | "
        "| | | | |"
    )
    threads = torch_threads()
    extra = ""
    if single:
        texts = rows[0]["texts"]
        extra = (
            f"\nEvery text in one length-sorted call (the model's own batching): {single[0]:.2f} s, "
            f"{texts / single[0]:.1f} embeddings/s; the pipeline's calls took "
            f"{rows[0]['alone']:.2f} s.\n"
        )
    ratios = [row["alone"] / row["seconds"] for row in rows]
    cpu_ratios = [row["alone_cpu"] / row["cpu"] for row in rows]
    shares = [row["inside"] / row["seconds"] for row in rows]
    cmd = f"python scripts/bench_index.py --library {library} --rounds {args.rounds}"
    if args.files:
        cmd += f" --files {args.files}"
    return "\n".join(
        [
            f"### Indexing {library} ({version}"
            f"{f', first {args.files} files' if args.files else ''}): the pipeline against "
            "the embedder alone",
            "",
            f"{date.today().isoformat()} · {platform.machine()}, {os.cpu_count()} cores · "
            f"{inner.provider} {inner.model}, batch {inner.batch_size}"
            f"{f', torch {threads} threads' if threads else ''} · model load {load_seconds:.1f} s "
            f"(outside every timing) · `{cmd}`",
            "",
            *lines,
            "",
            f"Speed ratio per round: {', '.join(f'{r:.3f}' for r in ratios)} "
            f"(median {statistics.median(ratios):.3f}). The same in this process's CPU "
            f"seconds (the database server's excluded): "
            f"{', '.join(f'{c:.3f}' for c in cpu_ratios)}. Share of (b) spent inside the model "
            f"(what the ratio is when the model runs alike in both; immune to other load): "
            f"{', '.join(f'{r:.3f}' for r in shares)}.{extra}",
            "",
        ]
    )


def torch_threads() -> int | None:
    torch = sys.modules.get("torch")
    return int(torch.get_num_threads()) if torch is not None else None


if __name__ == "__main__":
    sys.exit(main())
