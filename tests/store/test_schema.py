"""Schema rules the database itself enforces."""

from __future__ import annotations

import psycopg
import pytest

from codex7.errors import ModelMismatch
from codex7.store.embedding_space import bind_space, check_space, get_space


def _library(conn: psycopg.Connection) -> int:
    row = conn.execute(
        "INSERT INTO libraries (identifier, org, project, name)"
        " VALUES ('/acme/widgets', 'acme', 'widgets', 'Widgets') RETURNING id"
    ).fetchone()
    assert row
    return int(row[0])


def test_only_one_latest_version_per_library(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        lib = _library(conn)
        conn.execute(
            "INSERT INTO versions (library_id, version, version_normalized, is_latest)"
            " VALUES (%s, 'v1', '1', true), (%s, 'v2', '2', false)",
            (lib, lib),
        )
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("UPDATE versions SET is_latest = true WHERE version = 'v2'")
        # Flipping in one statement keeps the rule.
        conn.execute(
            "UPDATE versions SET is_latest = (version = 'v2') WHERE library_id = %s", (lib,)
        )
        latest = conn.execute("SELECT version FROM versions WHERE is_latest").fetchall()
        assert latest == [("v2",)]


def test_library_identifier_must_match_org_and_project(db_url: str) -> None:
    with (
        psycopg.connect(db_url, autocommit=True) as conn,
        pytest.raises(psycopg.errors.CheckViolation),
    ):
        conn.execute(
            "INSERT INTO libraries (identifier, org, project, name)"
            " VALUES ('/acme/other', 'acme', 'widgets', 'W')"
        )


def test_embedding_space_binds_once_and_refuses_another_model(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert get_space(conn) is None
        check_space(conn, "local", "anything", None)  # unbound: nothing to compare
        bind_space(conn, "local", "all-MiniLM-L6-v2", 384)
        bind_space(conn, "local", "all-MiniLM-L6-v2", 384)  # same model: fine
        typ = conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = 'documents'::regclass AND attname = 'embedding'"
        ).fetchone()
        assert typ == ("halfvec(384)",)
        with pytest.raises(ModelMismatch, match="CODEX7_EMBEDDING_MODEL=all-MiniLM-L6-v2"):
            check_space(conn, "openai", "text-embedding-3-small", 1536)
        with pytest.raises(ModelMismatch):
            bind_space(conn, "openai", "text-embedding-3-small", 1536)
