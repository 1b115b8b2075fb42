"""`codex7 index` through a worker, `codex7 jobs`, `codex7 worker`, `codex7 schedule`."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from codex7.cli import cli
from codex7.cli.jobs import format_every, parse_every
from codex7.services import jobs as job_service
from codex7.services.jobs import IndexRequest
from codex7.services.state import AppState
from tests.jobs.conftest import LEASE, Embedders, sql, write_docs
from tests.test_lifecycle import wait_for

Start = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def env(db_url: str, tmp_path: Path, embedders: Embedders) -> dict[str, str]:
    return {
        "DATABASE_URL": db_url,
        "CODEX7_DATA_DIR": str(tmp_path / "data"),
        "CODEX7_EMBEDDING_PROVIDER": "fake",
        "CODEX7_EMBEDDING_CACHE": "false",
        "CODEX7_JOB_LEASE": str(LEASE),
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def workers(db_url: str) -> int:
    return int(sql(db_url, "SELECT count(*) FROM job_workers")[0][0])


def test_index_is_run_by_the_worker_and_followed(
    env: dict[str, str], db_url: str, fake_cli: Start, tmp_path: Path
) -> None:
    docs = write_docs(tmp_path / "docs")
    proc = fake_cli("worker", CODEX7_EMBEDDING_PROVIDER="fake")
    wait_for(lambda: workers(db_url) == 1, "the worker to announce itself", 60)

    code, out = run(env, "index", str(docs), "-l", "/acme/widgets", "--version", "1.0")
    assert code == 0, out
    assert "Queued job 1; a worker runs it (Ctrl-C detaches)." in out
    assert "/acme/widgets/1.0 indexed: 2 files, 4 chunks (4 embedded, 0 reused)" in out

    code, out = run(env, "jobs", "show", "1", "--json")
    job = json.loads(out)
    assert (job["status"], job["attempts"], job["chunks"], job["result"]["chunks"]) == (
        "succeeded",
        1,
        4,
        4,
    )
    assert job["lease_owner"].startswith("worker:") and job["finished_at"]

    code, out = run(env, "refresh")
    assert code == 0 and out.splitlines() == [
        "/acme/widgets/1.0: queued as job 2",
        "Follow them with: codex7 jobs",
    ]
    wait_for(lambda: "succeeded" in run(env, "jobs", "show", "2")[1], "the refresh", 60)
    assert "chunks:     4 (0/0 embedded, 4 reused)" in run(env, "jobs", "show", "2")[1]

    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "job 1 /acme/widgets/1.0: indexed, 4 chunks (4 embedded, 0 reused)" in err
    assert workers(db_url) == 0


def test_sigterm_mid_job_puts_it_back_in_the_queue(
    state: AppState, db_url: str, fake_cli: Start, tmp_path: Path
) -> None:
    docs = write_docs(tmp_path / "docs", pages=20, sections=15)  # 300 chunks: 2 slices
    job = job_service.enqueue(state, IndexRequest(str(docs), "/acme/a", "1"))
    proc = fake_cli("worker", CODEX7_EMBEDDING_PROVIDER="slow", CODEX7_TEST_EMBED_DELAY="0.3")
    wait_for(lambda: job_service.get_job(state, job.id).embedded > 0, "the first slice", 60)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert f"job {job.id} /acme/a/1: Job {job.id} went back to the queue" in err
    back = job_service.get_job(state, job.id)
    assert (back.status, back.attempts, back.lease_owner) == ("queued", 0, None)
    assert workers(db_url) == 0


def test_ctrl_c_while_following_detaches_and_the_job_goes_on(
    state: AppState, db_url: str, fake_cli: Start, tmp_path: Path
) -> None:
    docs = write_docs(tmp_path / "docs", pages=20, sections=15)
    fake_cli("worker", CODEX7_EMBEDDING_PROVIDER="slow", CODEX7_TEST_EMBED_DELAY="0.2")
    wait_for(lambda: workers(db_url) == 1, "the worker to announce itself", 60)
    follower = fake_cli(
        "index", str(docs), "-l", "/acme/a", "--version", "1", CODEX7_EMBEDDING_PROVIDER="fake"
    )
    wait_for(
        lambda: [j.status for j in job_service.list_jobs(state)] == ["running"],
        "the worker to start the job",
        60,
    )
    follower.send_signal(signal.SIGINT)
    _, err = follower.communicate(timeout=30)
    assert follower.returncode == 130, err
    assert err.splitlines()[-1] == (
        "Detached; job 1 goes on in the worker. "
        "Follow it: codex7 jobs show 1; cancel it: codex7 jobs cancel 1"
    )
    wait_for(lambda: job_service.get_job(state, 1).terminal, "the job to end", 60)
    assert job_service.get_job(state, 1).status == "succeeded"


def test_jobs_show_cancel_and_errors(env: dict[str, str], state: AppState, tmp_path: Path) -> None:
    code, out = run(env, "jobs")
    assert code == 0 and out.strip() == "No indexing jobs yet."
    code, out = run(env, "jobs", "show", "7")
    assert code == 1 and out.strip() == (
        "Error: There is no indexing job 7; no job has been queued yet."
    )
    job = job_service.enqueue(
        state, IndexRequest(str(write_docs(tmp_path / "docs")), "/acme/a", "1")
    )
    code, out = run(env, "jobs", "--status", "queued", "--json")
    assert [j["id"] for j in json.loads(out)] == [job.id]
    code, out = run(env, "jobs", "show", str(job.id))
    assert code == 0 and "status:     queued" in out and "attempts:   0 of 3" in out
    code, out = run(env, "jobs", "cancel", str(job.id))
    assert code == 0 and out.strip() == f"Cancelled job {job.id}."
    code, out = run(env, "jobs", "cancel", str(job.id))
    assert code == 1 and "already cancelled; only queued or running jobs" in out
    code, out = run(env, "jobs", "--status", "lost")
    assert code == 2 and "'lost' is not one of" in out


def test_schedule_verbs(env: dict[str, str], tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs")
    assert run(env, "index", str(docs), "-l", "/acme/a", "--version", "1")[0] == 0
    code, out = run(env, "schedule", "/acme/a", "--every", "12h")
    assert code == 0 and out.startswith("/acme/a is refreshed every 12h")
    code, out = run(env, "schedule")
    assert out.splitlines()[2].split() == ["/acme/a", "12h"]
    code, out = run(env, "schedule", "/acme/a", "--every", "5x")
    assert code == 2 and "'5x' is not an interval" in out and "e.g. 30m, 12h, 1d or 1w" in out
    code, out = run(env, "schedule", "/acme/a")
    assert code == 2 and "Give either --every INTERVAL (e.g. --every 1d) or --off." in out
    code, out = run(env, "schedule", "/acme/nothing", "--every", "1d")
    assert code == 1 and "Library /acme/nothing is not indexed" in out
    code, out = run(env, "schedule", "/acme/a", "--off")
    assert code == 0 and "no longer refreshed" in out
    assert run(env, "schedule")[1].strip() == "No refresh schedules."


def test_parse_every() -> None:
    assert parse_every("30m") == timedelta(minutes=30)
    assert parse_every("12h") == timedelta(hours=12)
    assert parse_every("1d") == timedelta(days=1)
    assert parse_every(" 2W ") == timedelta(weeks=2)
    for bad in ("", "1", "0d", "1.5h", "d", "1y", "-1d"):
        with pytest.raises(ValueError, match="is not an interval"):
            parse_every(bad)
    assert [format_every(parse_every(t)) for t in ("90m", "24h", "14d")] == ["90m", "1d", "2w"]
