"""Keys, workspaces and the audit log from the command line and the services: shown once,
stored as digests, refused when revoked or expired; anonymous access as a setting; the 010
migration on a database with data; embeddings reused only where nothing leaks."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from codex7.cli import cli
from codex7.cli.serve import exposure_warning
from codex7.config import Settings
from codex7.embeddings.cache import EmbeddingCache
from codex7.errors import AuthError, WorkspaceError
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.services.auth import ANONYMOUS, Access, access, digest, principal_for_key
from codex7.services.state import AppState, open_state
from codex7.services.workspaces import create_key, create_workspace, parse_expiry
from codex7.store import keys as key_store
from codex7.store.migrate import migrate, migrations_dir
from tests.auth.conftest import OPERATOR, write_docs
from tests.fakes import FakeEmbedder


def run(settings: Settings, *args: str, **env: str) -> tuple[int, str, str]:
    base = {"DATABASE_URL": str(settings.database_url), "CODEX7_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(cli, list(args), env={**base, **env})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def state(settings: Settings) -> AppState:
    app = open_state(settings.model_copy(update={"warm_up": False}))
    yield app  # type: ignore[misc]
    app.close()


def test_keys_from_the_command_line(settings: Settings, tmp_path: Path) -> None:
    assert run(settings, "workspaces", "create", "alpha")[:2] == (0, "Created workspace alpha.\n")
    code, out, err = run(settings, "workspaces", "create", "Alpha!")
    assert code != 0 and "lowercase" in out + err
    code, out, err = run(
        settings,
        "keys",
        "create",
        "--workspace",
        "alpha",
        "--scope",
        "admin",
        "--name",
        "ci",
        "--expires",
        "30d",
    )
    assert code == 0, out + err
    key = out.strip()
    assert key.startswith("ctx7sk-") and len(out.splitlines()) == 1  # stdout: the key alone
    prefix = key[: len("ctx7sk-") + 8]
    assert prefix in err and "not shown again" in err
    code, out, _ = run(settings, "keys", "list", "--json")
    (row,) = json.loads(out)
    assert row["prefix"] == prefix and row["workspace"] == "alpha"
    assert row["scopes"] == "read,admin" and row["status"] == "active" and row["expires_at"]
    assert key not in out
    code, out, err = run(settings, "keys", "create", "--workspace", "nosuch")
    assert code != 0 and "no workspace 'nosuch'" in out + err and "alpha" in out + err
    assert run(settings, "keys", "revoke", prefix)[:2] == (0, f"Revoked {prefix} (alpha).\n")
    code, out, _ = run(settings, "keys", "list")
    assert "revoked" in out and key not in out
    code, out, _ = run(settings, "workspaces", "list", "--json")
    assert [(w["name"], w["keys"]) for w in json.loads(out)] == [("alpha", 0)]
    code, out, _ = run(settings, "audit", "--json")
    events = json.loads(out)
    assert [e["action"] for e in events] == ["key.revoked", "key.created", "workspace.created"]
    assert {e["actor"] for e in events} == {"local"} and key not in out
    code, out, _ = run(settings, "audit", "--action", "key", "--workspace", "alpha", "--json")
    assert [e["action"] for e in json.loads(out)] == ["key.revoked", "key.created"]
    with psycopg.connect(str(settings.database_url)) as conn:
        ((stored,),) = conn.execute("SELECT digest FROM api_keys").fetchall()
    assert stored == digest(key)


def test_private_index_from_the_command_line(settings: Settings, tmp_path: Path) -> None:
    run(settings, "workspaces", "create", "alpha")
    docs = write_docs(tmp_path / "docs", {"index.md": "# Secret\n\nInternal runbook.\n"})
    env = {"CODEX7_EMBEDDING_PROVIDER": "fake", "CODEX7_EMBEDDING_MODEL": "fake-8"}
    code, out, err = run(
        settings,
        "index",
        str(docs),
        "--library",
        "/acme/runbook",
        "--version",
        "1",
        "--workspace",
        "alpha",
        "--private",
        "--inline",
        **env,
    )
    assert code == 0, out + err
    assert run(settings, "libraries", "--json", **env)[1] == "[]\n"  # default workspace: hidden
    code, out, _ = run(settings, "libraries", "--json", CODEX7_WORKSPACE="alpha", **env)
    assert [x["id"] for x in json.loads(out)] == ["/acme/runbook"]
    code, out, err = run(
        settings,
        "index",
        str(docs),
        "--library",
        "/acme/other",
        "--version",
        "1",
        "--private",
        "--inline",
        **env,
    )
    assert code != 0 and "cannot be private in the default workspace" in out + err
    code, out, _ = run(settings, "audit", "--action", "library", "--json")
    assert [(e["action"], e["target"]) for e in json.loads(out)] == [
        ("library.added", "/acme/runbook/1")
    ]
    # Every action services record can be asked for by name, e.g. a changed latest version.
    code, out, err = run(settings, "audit", "--action", "library.latest", "--json")
    assert (code, json.loads(out)) == (0, []), err


def test_who_a_key_is(state: AppState) -> None:
    # No key anywhere: anonymous, and a presented key has nothing to be checked against.
    assert principal_for_key(state, None) == ANONYMOUS
    assert principal_for_key(state, "whatever") == ANONYMOUS
    closed = AppState(state.settings.model_copy(update={"anonymous": False}), state.db)
    with pytest.raises(AuthError) as refused:
        principal_for_key(closed, None)
    assert refused.value.status == 401
    ws = create_workspace(state, "alpha", principal=OPERATOR)
    made = create_key(state, "alpha", "read", principal=OPERATOR)
    me = principal_for_key(state, made.key)
    assert (me.workspace_id, me.key_prefix, me.can_read, me.can_admin) == (
        ws.id,
        made.row.prefix,
        True,
        False,
    )
    # Once a key exists, anonymous callers and unknown keys are refused.
    for key in (None, "ctx7sk-aaaaaaaa-" + "b" * 40, "nope"):
        with pytest.raises(AuthError) as refused:
            principal_for_key(state, key)
        assert refused.value.status == 401 and (key or "@@") not in str(refused.value)
    # Expired and revoked keys say so, by prefix.
    with state.db.pool.connection() as conn:
        old = "ctx7sk-expired0-" + "c" * 40
        key_store.insert(
            conn,
            workspace_id=ws.id,
            prefix="ctx7sk-expired0",
            digest=digest(old),
            scopes=["read"],
            name="",
            expires_at=datetime.now(UTC) - timedelta(seconds=1),
        )
    with pytest.raises(AuthError, match="ctx7sk-expired0 expired"):
        principal_for_key(state, old)
    # Revoking every key does not open the server to anonymous callers.
    from codex7.services.workspaces import revoke_key

    revoke_key(state, made.row.prefix, principal=OPERATOR)
    with pytest.raises(AuthError, match="revoked"):
        principal_for_key(state, made.key)
    with pytest.raises(AuthError):
        principal_for_key(state, None)
    opened = AppState(state.settings.model_copy(update={"anonymous": True}), state.db)
    assert principal_for_key(opened, None) == ANONYMOUS
    # The environment's keys: read, and read + admin, in the default workspace.
    env = AppState(
        state.settings.model_copy(
            update={"api_keys": SecretStr("r1, r2"), "admin_keys": SecretStr("a1")}
        ),
        state.db,
    )
    assert principal_for_key(env, "r2").scopes == {"read"}
    assert principal_for_key(env, "a1").can_admin
    assert principal_for_key(env, "a1").workspace_id is None


def test_expiry_and_names_are_checked() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_expiry("90d", now) == now + timedelta(days=90)
    assert parse_expiry("2027-01-31", now) == datetime(2027, 1, 31, tzinfo=UTC)
    assert parse_expiry("never", now) is None
    for bad in ("yesterday", "0d", "2020-01-01"):
        with pytest.raises(WorkspaceError, match="duration"):
            parse_expiry(bad, now)


def test_serve_warns_when_anyone_may_call_it_beyond_this_machine() -> None:
    open_to_all = Access(anonymous=True, keys=0, admins=False)
    assert exposure_warning("127.0.0.1", open_to_all) is None
    warning = exposure_warning("0.0.0.0", open_to_all)
    assert warning and warning.startswith("WARNING: listening on 0.0.0.0 with no API key")
    assert exposure_warning("0.0.0.0", Access(anonymous=False, keys=2, admins=True)) is None
    anon = exposure_warning("10.0.0.5", Access(anonymous=True, keys=2, admins=True))
    assert anon and "with anonymous access on" in anon


def test_a_proxys_public_name_passes_the_host_and_origin_checks() -> None:
    from codex7.api.security import transport_security

    policy = transport_security("127.0.0.1", 8000, ["docs.example.com", "Intra.Example:8443"])
    assert {"127.0.0.1:8000", "docs.example.com", "intra.example:8443"} <= set(policy.allowed_hosts)
    assert "https://docs.example.com" in policy.allowed_origins
    assert Settings(allowed_hosts=" a.example , b.example ").public_hosts == [
        "a.example",
        "b.example",
    ]


def test_serve_says_who_may_call_it(state: AppState) -> None:
    assert access(state) == Access(anonymous=True, keys=0, admins=False)
    create_workspace(state, "alpha", principal=OPERATOR)
    create_key(state, "alpha", "admin", principal=OPERATOR)
    assert access(state) == Access(anonymous=False, keys=1, admins=True)


def test_migration_keeps_existing_libraries_public(empty_db_url: str, tmp_path: Path) -> None:
    before = tmp_path / "sql"
    before.mkdir()
    for path in migrations_dir().glob("*.sql"):
        if path.name < "010":
            shutil.copy(path, before / path.name)
    migrate(empty_db_url, before)
    with psycopg.connect(empty_db_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO libraries (identifier, org, project, name) VALUES ('/a/b', 'a', 'b', 'B')"
        )
    assert "010_workspaces" in migrate(empty_db_url)
    with psycopg.connect(empty_db_url) as conn:
        rows = conn.execute("SELECT identifier, workspace_id, visibility FROM libraries").fetchall()
    assert rows == [("/a/b", None, "public")]


def test_embeddings_are_reused_only_from_public_and_own_libraries(
    settings: Settings, tmp_path: Path
) -> None:
    state = open_state(settings.model_copy(update={"warm_up": False}))
    cache = EmbeddingCache(tmp_path / "vectors.sqlite3")
    try:
        alpha = create_workspace(state, "alpha", principal=OPERATOR).id
        beta = create_workspace(state, "beta", principal=OPERATOR).id
        pages = {"a.md": "# Plan\n\nThe merger closes on Friday.\n", "b.md": "# Other\n\nText.\n"}

        def index(library: str, workspace: int | None, private: bool | None, tag: str) -> object:
            folder = write_docs(tmp_path / tag, pages)
            req = IndexRequest(
                str(folder), library, version="1", workspace_id=workspace, private=private
            )
            # One vector cache file for all: its entries are kept per workspace too.
            return index_version(
                state.db,
                FakeEmbedder(),
                req,
                cache_dir=tmp_path / "git",
                embedding_cache=cache,
            )

        first = index("/acme/plan", alpha, True, "a1")
        assert (first.embedded, first.reused) == (2, 0)  # type: ignore[attr-defined]
        # Beta indexes the same text: nothing of alpha's private library is reused, and its
        # counts are those of a first run.
        other = index("/beta/plan", beta, True, "b1")
        assert (other.embedded, other.reused) == (2, 0)  # type: ignore[attr-defined]
        # Alpha's own second library reuses alpha's vectors.
        mine = index("/acme/plan-copy", alpha, True, "a2")
        assert (mine.embedded, mine.reused) == (0, 2)  # type: ignore[attr-defined]
        # A public library's vectors are everyone's to reuse.
        index("/pub/plan", None, None, "p1")
        reuse = index("/gamma/plan", beta, True, "b2")
        assert (reuse.embedded, reuse.reused) == (0, 2)  # type: ignore[attr-defined]
    finally:
        cache.close()
        state.close()
