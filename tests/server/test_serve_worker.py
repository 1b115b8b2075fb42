"""`codex7 serve --transport http` indexes what the management API queues, with its own worker."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.corpus import IndexedCorpus, _free_port, server_env

ADMIN = "c7-admin-key-for-serve"


def test_serve_runs_the_jobs_the_management_api_queues(db_url: str, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "intro.md").write_text(
        "# Gizmos\n\n## Calibrate\n\nCall `gizmo.calibrate(offset=3)` before the first reading.\n"
    )
    port = _free_port()
    env = server_env(
        IndexedCorpus(db_url, tmp_path / "data"),
        CODEX7_ADMIN_KEYS=ADMIN,
        CODEX7_WARM_UP="false",
    )
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "codex7", "serve", "--transport", "http", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            # A key exists, so every request sends one (docs/team.md); /healthz needs none.
            admin = {"Authorization": f"Bearer {ADMIN}"}
            with httpx.Client(base_url=base, timeout=30, headers=admin) as client:
                deadline = time.monotonic() + 60
                while True:  # readiness: /healthz answers once the app is up
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    assert proc.poll() is None and time.monotonic() < deadline, "no /healthz"
                    time.sleep(0.2)
                queued = client.post(
                    "/api/manage/libraries",
                    json={"source": str(docs), "library": "/acme/gizmos", "version": "1.0"},
                )
                assert queued.status_code == 202, queued.text
                job = queued.json()["job"]["id"]
                last = None
                with client.stream("GET", f"/api/manage/jobs/{job}/events", timeout=300) as r:
                    for line in r.iter_lines():
                        if line.startswith("data: "):
                            last = json.loads(line[len("data: ") :])
                assert last is not None and last["status"] == "succeeded", last
                answer = client.get(
                    "/api/v2/context", params={"libraryId": "/acme/gizmos", "query": "calibrate"}
                )
                assert answer.status_code == 200 and "gizmo.calibrate(offset=3)" in answer.text
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        log.seek(0)
        err = log.read().decode(errors="replace")
    assert "worker: indexing queued jobs in this process" in err
    assert "Traceback" not in err and ADMIN not in err
    assert "POST /api/manage/libraries 202" in err  # the access log, at INFO
