"""How chunks are stored (sql/012_storage.sql): halfvec vectors kept in the row, on a database
migrated with data as on a fresh one, and after the model is bound or changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

from codex7.store import vector_index
from codex7.store.candidates import nearest, pinned_plan
from codex7.store.embedding_space import bind_space, rebind_space, row_target
from codex7.store.migrate import migrate, migrations_dir

DIMS = 16


def layout(conn: psycopg.Connection) -> tuple[str, str, list[str]]:
    """(type, storage, table options) of documents.embedding."""
    row = conn.execute(
        "SELECT format_type(a.atttypid, a.atttypmod), a.attstorage, coalesce(c.reloptions, '{}')"
        " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " WHERE a.attrelid = 'documents'::regclass AND a.attname = 'embedding'"
    ).fetchone()
    assert row is not None
    return row[0], row[1], list(row[2])


def columns(conn: psycopg.Connection) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'documents'::regclass"
            " AND attnum > 0 AND NOT attisdropped"
        )
    }


def index_definitions(conn: psycopg.Connection) -> dict[str, str]:
    return {
        r[0]: r[1]
        for r in conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'documents'"
        )
    }


def spaced(query: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n unit vectors whose cosines to `query` are 0.99, 0.98, ...: a ranking that half
    precision cannot reorder."""
    out = []
    for i in range(n):
        other = rng.standard_normal(len(query))
        other -= other.dot(query) * query
        other /= np.linalg.norm(other)
        cos = 0.99 - 0.01 * i
        out.append(cos * query + np.sqrt(1 - cos**2) * other)
    return np.asarray(out, dtype=np.float32)


def test_migration_converts_a_database_with_data_and_searches_find_the_same_chunks(
    empty_db_url: str, tmp_path: Path
) -> None:
    before_012 = tmp_path / "sql"
    before_012.mkdir()
    for path in migrations_dir().glob("*.sql"):
        if int(path.name[:3]) < 12:
            shutil.copy(path, before_012)
    migrate(empty_db_url, before_012)
    rng = np.random.default_rng(5)
    queries = np.linalg.qr(rng.standard_normal((DIMS, DIMS)))[0][:3].astype(np.float32)
    with psycopg.connect(empty_db_url, autocommit=True) as conn:
        register_vector(conn)
        # As the code before 012 left it: vector(N), a vector_cosine_ops index per big version.
        conn.execute(f"ALTER TABLE documents ALTER COLUMN embedding TYPE vector({DIMS})")
        conn.execute(
            "INSERT INTO embedding_space (provider, model, dimensions) VALUES ('fake', 'f', %s)",
            (DIMS,),
        )
        lib = conn.execute(
            "INSERT INTO libraries (identifier, org, project, name)"
            " VALUES ('/acme/w', 'acme', 'w', 'W') RETURNING id"
        ).fetchone()[0]
        sizes = {"big": 90, "small": 30}  # chunks per query direction
        version_ids, stored = {}, {}
        for name, per_query in sizes.items():
            vid = conn.execute(
                "INSERT INTO versions (library_id, version, version_normalized, document_count)"
                " VALUES (%s, %s, %s, %s) RETURNING id",
                (lib, name, name, per_query * len(queries)),
            ).fetchone()[0]
            version_ids[name] = vid
            vectors = np.concatenate([spaced(q, per_query, rng) for q in queries])
            for i, vec in enumerate(vectors):
                conn.execute(
                    "INSERT INTO documents (version_id, chunk_index, title, content, content_hash,"
                    " embedding, source_type, source_path, metadata)"
                    " VALUES (%s, %s, 'T', %s, %s, %s, 'local', 'a.md', '{\"file_chunk\": 1}')",
                    (vid, i, f"chunk {i}", f"{vid:032x}{i:032x}", vec),
                )
                stored[(vid, i)] = vec
        conn.execute(
            f"CREATE INDEX documents_embedding_v{version_ids['big']} ON documents"
            f" USING hnsw (embedding vector_cosine_ops) WHERE version_id = {version_ids['big']}"
        )
        exact = {
            (vid, n): [
                r[0]
                for r in conn.execute(
                    "SELECT chunk_index FROM documents WHERE version_id = %s"
                    " ORDER BY (embedding <=> %s) + 0 LIMIT 10",
                    (vid, q),
                )
            ]
            for vid in version_ids.values()
            for n, q in enumerate(queries)
        }

    migrate(empty_db_url)

    with psycopg.connect(empty_db_url, autocommit=True) as conn:
        register_vector(conn)
        assert layout(conn) == (
            f"halfvec({DIMS})",
            "m",
            [f"toast_tuple_target={row_target(DIMS)}"],
        )
        assert not {"metadata", "indexed_at"} & columns(conn)
        indexes = index_definitions(conn)
        assert "USING hash (content_hash)" in indexes["documents_content_hash_idx"]
        big = vector_index.index_name(version_ids["big"])
        assert "halfvec_cosine_ops" in indexes[big]
        assert vector_index.index_name(version_ids["small"]) not in indexes
        # Every vector survived, to half precision.
        for vid, i, emb in conn.execute(
            "SELECT version_id, chunk_index, embedding FROM documents"
        ).fetchall():
            np.testing.assert_allclose(emb.to_numpy(), stored[(vid, i)], atol=1e-3)
        # The server's search (HNSW for the big version, exact for the small one) finds what
        # exact search over the old vectors found, in the same order.
        for (vid, n), want in exact.items():
            assert nearest(conn, vid, queries[n], 10) == want
        with pinned_plan(conn):
            plan = "\n".join(
                r[0]
                for r in conn.execute(
                    f"EXPLAIN SELECT id FROM documents WHERE version_id = {version_ids['big']}"
                    " ORDER BY embedding <=> %s::halfvec LIMIT 10",
                    (queries[0],),
                )
            )
        assert big in plan  # the rebuilt index serves the big version


def test_the_column_is_typed_halfvec_and_kept_in_the_row_when_bound_and_rebound(
    db_url: str,
) -> None:
    assert row_target(384) == 2032  # PostgreSQL's default: four rows a page
    assert row_target(1536) == 4076  # two rows of a 3 KB vector and their text
    assert row_target(4000) == 8156  # one row a page
    with psycopg.connect(db_url) as conn:
        register_vector(conn)
        conn.autocommit = True
        bind_space(conn, "openai", "text-embedding-3-small", 1536)
        assert layout(conn) == ("halfvec(1536)", "m", ["toast_tuple_target=4076"])
        lib = conn.execute(
            "INSERT INTO libraries (identifier, org, project, name)"
            " VALUES ('/acme/w', 'acme', 'w', 'W') RETURNING id"
        ).fetchone()[0]
        vid = conn.execute(
            "INSERT INTO versions (library_id, version, version_normalized)"
            " VALUES (%s, '1', '1') RETURNING id",
            (lib,),
        ).fetchone()[0]
        vector = np.ones(1536, dtype=np.float32) / np.sqrt(1536)
        conn.execute(
            "INSERT INTO documents (version_id, chunk_index, title, content, content_hash,"
            " embedding, source_type) VALUES (%s, 0, 'T', %s, %s, %s, 'local')",
            (vid, "text " * 200, "a" * 64, vector),
        )
        size, toast = conn.execute(
            "SELECT pg_column_size(embedding),"
            " (SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE oid = 'documents'::regclass)"
            " FROM documents"
        ).fetchone()
        assert (size, toast) == (2 * 1536 + 8, 0)  # 3 KB in the row, nothing in TOAST
        vector_index.create_version_index(conn, vid)  # HNSW over halfvec: fine past 2,000 dims

        # What `codex7 reembed` does: another model, other dimensions, the same layout.
        for dims, target in ((384, 2032), (3072, 8156)):
            with conn.transaction():
                vector_index.drop_version_index(conn, vid)
                rebind_space(conn, "local", f"model-{dims}", dims)
            assert layout(conn) == (f"halfvec({dims})", "m", [f"toast_tuple_target={target}"])
        assert 3072 <= vector_index.MAX_DIMENSIONS
