"""`kill -9` of a worker process mid-embedding: after its lease expires another worker takes
the job over, finishes it and reuses the embeddings the dead one had checkpointed."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

from codex7.services import jobs, worker
from codex7.services.jobs import IndexRequest
from codex7.services.state import AppState
from tests.jobs.conftest import Embedders, sql, write_docs
from tests.test_lifecycle import wait_for


def test_killed_worker_job_is_taken_over_and_reuses_its_checkpoints(
    state: AppState, embedders: Embedders, fake_cli: Callable[..., object], tmp_path: Path
) -> None:
    docs = write_docs(tmp_path / "big", pages=40, sections=15)  # 600 chunks: 3 slices
    job = jobs.enqueue(state, IndexRequest(str(docs), "/acme/big", "1"))
    doomed = fake_cli("worker", CODEX7_EMBEDDING_PROVIDER="slow", CODEX7_TEST_EMBED_DELAY="0.5")

    def checkpointed() -> int:
        return int(
            sql(
                state.db.url, "SELECT count(*) FROM embedding_checkpoints WHERE job_id = %s", job.id
            )[0][0]
        )

    wait_for(lambda: checkpointed() > 0, "the first embedding slice", 120)
    doomed.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
    doomed.wait(30)  # type: ignore[attr-defined]
    before = jobs.get_job(state, job.id)
    saved = checkpointed()
    assert before.status == "running" and before.attempts == 1 and 0 < saved < 600
    assert sql(state.db.url, "SELECT count(*) FROM versions")[0][0] == 0

    rescuer = worker.start_background_worker(state)
    try:
        wait_for(lambda: jobs.get_job(state, job.id).terminal, "the job to be taken over", 120)
    finally:
        assert rescuer.stop(30)
    done = jobs.get_job(state, job.id)
    assert (done.status, done.attempts, done.error) == ("succeeded", 2, None)
    assert done.lease_owner and before.lease_owner and done.lease_owner != before.lease_owner
    assert done.reused >= saved > 0 and done.embedded + done.reused == done.chunks == 600
    assert len(embedders.texts) == done.embedded == 600 - done.reused  # only the rest embedded
    assert sql(state.db.url, "SELECT count(*) FROM documents")[0][0] == 600
    assert sql(state.db.url, "SELECT count(*) FROM embedding_checkpoints")[0][0] == 0
