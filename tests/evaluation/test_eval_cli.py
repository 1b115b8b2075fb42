"""`codex7 eval` on the dev queries, over the indexed corpus slices (a smoke run of the full eval)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from click.testing import CliRunner

from codex7.cli import cli
from tests.corpus import SLICES, IndexedCorpus
from tests.paths import REPO, SHARED


def test_eval_scores_indexed_and_skips_the_rest(
    indexed_corpus: IndexedCorpus, tmp_path: Path
) -> None:
    out_file = tmp_path / "eval.json"
    result = CliRunner().invoke(
        cli,
        ["eval", str(SHARED / "eval/dev_queries.jsonl"), "--json", str(out_file)],
        env={**indexed_corpus.env(), "HF_HUB_OFFLINE": "1"},
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("| library | queries | file_hit@1 |")
    data = json.loads(out_file.read_text())
    summary, queries = data["summary"], data["queries"]
    indexed = {lib for lib, _ in SLICES}
    skipped = {s["id"] for s in summary["skipped"]}
    for q in queries:
        assert (q["id"] in skipped) == (q["library"] not in indexed), q["id"]
    overall = summary["overall"]
    assert overall["queries"] == sum(
        1 for q in queries if q["status"] == "scored" and q["kind"] == "docs"
    )
    for key in ("file_hit@1", "file_hit@5", "file_mrr@10", "section_ndcg@10", "must_contain"):
        assert 0.0 <= overall[key] <= 1.0
    assert overall["file_hit@10"] >= overall["file_hit@5"] >= overall["file_hit@1"]
    assert overall["section_hit@5"] <= overall["file_hit@5"]
    assert 0 < overall["tokens_mean"] <= 5000
    resolvable = [q for q in queries if q["kind"] == "resolve" and q["library"] in indexed]
    assert summary["resolve"]["queries"] == len(resolvable) >= 1
    assert (
        summary["resolve"]["hit@1"] == 1.0
    )  # "next.js app router documentation" → /vercel/next.js
    scored = [q for q in queries if q["status"] == "scored" and q["kind"] == "docs"]
    assert all(q["returned"] and {"path", "title"} <= set(q["returned"][0]) for q in scored)


def test_index_shared_corpus_script_names_each_manifest_entry(tmp_path: Path) -> None:
    """The script turns MANIFEST.json into one `codex7 index` per version, older versions first."""
    fake = tmp_path / "codex7"
    fake.write_text('#!/usr/bin/env bash\necho "$@" >> "$CALLS"\n')
    fake.chmod(0o755)
    calls = tmp_path / "calls.txt"
    env = {
        **os.environ,
        "CODEX7_BIN": str(fake),
        "CALLS": str(calls),
        "CODEX7_CORPUS": str(SHARED / "corpus"),
    }
    subprocess.run(
        ["bash", str(REPO / "scripts/index_shared_corpus.sh"), "/pydantic/pydantic"],
        env=env,
        check=True,
    )
    lines = calls.read_text().splitlines()
    assert all(ln.split()[:3] == ["index", ln.split()[1], "--library"] for ln in lines)
    assert [ln.split()[3:] for ln in lines] == [
        ["/pydantic/pydantic", "--version", "1.10.26", "--not-latest"],
        ["/pydantic/pydantic", "--version", "2.13.4", "--latest"],
    ]
