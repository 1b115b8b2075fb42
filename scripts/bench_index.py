"""Benchmark indexing: one library of the shared corpus, cold (fresh database) then warm (unchanged).

Reports files, chunks, chunks/s, embeddings/s, the share of time spent inside the embedder, and the
re-index rate. Uses a throwaway embedded PostgreSQL unless DATABASE_URL is set (then that database).

    .venv/bin/python scripts/bench_index.py --library /encode/httpx --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from codex7.config import Settings
from codex7.embeddings import get_embedder
from codex7.embeddings.base import Embedder, WrappedEmbedder
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.store.database import open_database

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


class TimedEmbedder(WrappedEmbedder):
    """Measures the time spent inside the real embedder."""

    def __init__(self, inner: Embedder):
        super().__init__(inner)
        self.seconds = 0.0
        self.texts = 0

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        start = time.perf_counter()
        out = self.inner.embed_batch(texts)
        self.seconds += time.perf_counter() - start
        self.texts += len(texts)
        return out


def pick(library: str, version: str | None) -> Path:
    manifest = json.loads((CORPUS / "MANIFEST.json").read_text())["libraries"]
    for m in manifest:
        if m["library_id"] == library and (
            version == m["version"] or (version is None and m["latest"])
        ):
            return CORPUS / m["corpus_path"]
    raise SystemExit(f"{library} {version or '(latest)'} is not in {CORPUS}/MANIFEST.json")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--library", default="/encode/httpx")
    ap.add_argument("--version")
    ap.add_argument("--files", type=int, help="Only the first N files (smoke runs).")
    ap.add_argument("--write", type=Path, help="Append the results to this Markdown file.")
    args = ap.parse_args()

    src = pick(args.library, args.version)
    work = Path(tempfile.mkdtemp(prefix="codex7-bench-"))
    docs = src
    if args.files:
        docs = work / "docs"
        files = sorted(p for p in src.rglob("*") if p.suffix in (".md", ".mdx", ".rst"))[
            : args.files
        ]
        for f in files:
            (docs / f.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, docs / f.relative_to(src))

    settings = Settings(data_dir=work / "data", database_url=os.environ.get("DATABASE_URL"))
    embedder = TimedEmbedder(get_embedder(settings))
    start = time.perf_counter()
    embedder.embed_batch(["warm up the model"])  # model load is not indexing work
    load_seconds = time.perf_counter() - start
    embedder.seconds, embedder.texts = 0.0, 0
    rows = []
    try:
        with open_database(settings) as db:
            for run in ("cold", "warm"):
                before = embedder.seconds
                r = index_version(
                    db,
                    embedder,
                    IndexRequest(str(docs), args.library, "bench"),
                    cache_dir=work / "git",
                )
                emb = embedder.seconds - before
                rows.append(
                    {
                        "run": run,
                        "files": r.files,
                        "chunks": r.chunks,
                        "embedded": r.embedded,
                        "seconds": r.seconds,
                        "chunks_per_s": r.chunks / r.seconds,
                        "embeddings_per_s": (r.embedded / emb) if emb else 0.0,
                        "embed_seconds": emb,
                        "overhead_pct": 100 * (r.seconds - emb) / emb if emb else float("nan"),
                    }
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    header = "| run | files | chunks | embedded | seconds | chunks/s | embeddings/s | time in embedder | pipeline overhead vs embedder |"
    lines = [header, "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        share = f"{100 * r['embed_seconds'] / r['seconds']:.0f} %"
        overhead = f"{r['overhead_pct']:.1f} %" if r["embedded"] else "n/a (nothing embedded)"
        lines.append(
            f"| {r['run']} | {r['files']} | {r['chunks']} | {r['embedded']} | {r['seconds']:.1f} | "
            f"{r['chunks_per_s']:.0f} | {r['embeddings_per_s']:.1f} | {share} | {overhead} |"
        )
    report = "\n".join(
        [
            f"### Indexing {args.library} ({src.name}{f', first {args.files} files' if args.files else ''})",
            "",
            f"{date.today().isoformat()} · {platform.machine()}, {os.cpu_count()} cores · "
            f"{embedder.provider} {embedder.model} (model load {load_seconds:.1f} s, excluded) · "
            f"`python scripts/bench_index.py --library {args.library}`",
            "",
            *lines,
            "",
        ]
    )
    print(report)
    if args.write:
        with args.write.open("a") as fh:
            fh.write("\n" + report)


if __name__ == "__main__":
    sys.exit(main())
