"""The lexical floor (FTS5 BM25 over heading sections) on a tiny generated corpus, and its judge."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from codex7.cli import cli
from codex7.evaluation.floor import Floor, fts_query, run_floor, split_sections
from codex7.evaluation.runner import QueryResult, judge, score
from tests.paths import REPO

INSTALL = """---
title: Installation
---

Widgets ships as one wheel for every platform.

## Requirements

Widgets needs Python 3.11 or newer and a C compiler for installing from source.

```bash
# pip install widgets
pip install widgets
```
"""

CONFIG = """# Configuration

Settings come from files and from the process.

## Environment variables

Every setting can also be given as an environment variable.

### `WIDGETS_HOME` { #home }

Set the `WIDGETS_HOME` environment variable to move the data folder.

## Logging

Logs go to standard error.
"""

API = """import { Badge } from '@site/badge';

# API reference

## `Widget.spin()` <Badge />

Spin the widget. Pass `speed=` to spin faster; `Widget.spin(speed=3)` spins three times as fast.
"""

QUERIES = [
    {
        "id": "t-1",
        "kind": "docs",
        "library": "/acme/widgets",
        "version": None,
        "query": "how do I set the WIDGETS_HOME environment variable?",
        "gold": [{"path": "guide/config.md", "heading": "`WIDGETS_HOME`"}],
        "must_contain": "move the data folder",
    },
    {
        "id": "t-2",
        "kind": "docs",
        "library": "/acme/widgets",
        "version": "1.0",
        "query": "make Widget.spin() faster",
        "gold": [{"path": "api.mdx", "heading": "`Widget.spin()`"}],
        "must_contain": "speed=3",
    },
    {
        "id": "t-3",
        "kind": "docs",
        "library": "/acme/widgets",
        "version": None,
        "query": "which Python version for installing widgets",
        "gold": [{"path": "guide/install.md", "heading": "Requirements"}],
        "must_contain": "Python 3.11",
    },
]
RESOLVE = {"id": "t-4", "kind": "resolve", "library": "/acme/widgets", "query": "widgets"}
UNKNOWN = {**QUERIES[0], "id": "t-5", "library": "/acme/gadgets"}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    version = root / "acme/widgets/1.0"
    (version / "guide").mkdir(parents=True)
    (version / "guide/install.md").write_text(INSTALL)
    (version / "guide/config.md").write_text(CONFIG)
    (version / "api.mdx").write_text(API)
    entry = {"library_id": "/acme/widgets", "version": "1.0", "latest": True}
    manifest = {"libraries": [{**entry, "corpus_path": "acme/widgets/1.0"}]}
    (root / "MANIFEST.json").write_text(json.dumps(manifest))
    return root


@pytest.fixture
def queries_file(tmp_path: Path) -> Path:
    path = tmp_path / "queries.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in [*QUERIES, RESOLVE, UNKNOWN]))
    return path


def test_sections_cut_at_every_heading_but_not_in_code() -> None:
    sections = split_sections("guide/install.md", INSTALL)
    assert [s.hierarchy for s in sections] == [("Installation",), ("Installation", "Requirements")]
    assert sections[0].text.startswith("# Installation\n\nWidgets ships")
    assert "# pip install widgets" in sections[1].text  # a comment in code, not a heading

    config = split_sections("guide/config.md", CONFIG)
    assert [s.hierarchy for s in config] == [
        ("Configuration",),
        ("Configuration", "Environment variables"),
        ("Configuration", "Environment variables", "`WIDGETS_HOME`"),
        ("Configuration", "Logging"),
    ]
    assert "data folder" not in config[1].text  # a subsection is a section of its own
    assert config[2].text.startswith("### `WIDGETS_HOME`")

    api = split_sections("api.mdx", API)
    assert api[-1].hierarchy == ("API reference", "`Widget.spin()`")


def test_rst_titles_become_sections() -> None:
    rst = "Logging\n=======\n\nIntro.\n\nHandlers\n--------\n\nA handler sends records.\n"
    sections = split_sections("library/logging.rst", rst)
    assert [s.hierarchy for s in sections] == [("Logging",), ("Logging", "Handlers")]


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('a "b" OR c-d a') == '"a" OR """b""" OR "OR" OR "c-d"'
    assert fts_query("  ") == ""


def test_floor_ranks_the_gold_section_first(corpus: Path) -> None:
    results = run_floor(corpus, [*QUERIES, RESOLVE, UNKNOWN])
    by_id = {r.id: r for r in results}
    assert "t-4" not in by_id  # resolve queries have no floor
    assert by_id["t-5"].status == "skipped"
    for q in QUERIES:
        r = by_id[q["id"]]
        assert (r.status, r.file_rank, r.section_rank) == ("scored", 1, 1), r.returned
        assert r.returned[0]["path"] == q["gold"][0]["path"]
        assert r.must_contain_found is True
        assert r.section_ndcg == pytest.approx(1.0)
        assert 0 < r.tokens < 400


def test_punctuation_and_operators_in_a_question_are_plain_words(corpus: Path) -> None:
    index = Floor.open(corpus).index_for("/acme/widgets", None)
    assert index is not None
    found = index.search('NOT (speed=) * "spin" NEAR -')
    assert found and found[0].path == "api.mdx"


def test_judge_matches_path_then_any_heading_of_the_hierarchy() -> None:
    gold = [
        {"path": "a.md", "heading": "Deprecating  parameters"},
        {"path": "b.md", "heading": None},
    ]
    assert judge("a.md", ["Query", "deprecating parameters"], gold) == ({0}, {0})
    assert judge("a.md", ["Query"], gold) == ({0}, set())
    assert judge("b.md", [], gold) == ({1}, {1})  # null heading: the file is all that is known
    assert judge("c.md", ["Deprecating parameters"], gold) == (set(), set())


def test_score_ranks_files_and_sections_separately() -> None:
    q = {"gold": [{"path": "a.md", "heading": "Sub"}], "must_contain": "needle"}
    base = QueryResult("x", "docs", "/l/l", "q", "scored")
    ranked = [("b.md", ["Sub"]), ("a.md", ["Top"]), ("a.md", ["Top", "Sub", "Deeper"])]
    score(base, q, ranked, "hay needle hay")
    assert (base.file_rank, base.section_rank) == (2, 3)
    assert base.file_ndcg == pytest.approx(1 / 1.5849625)  # one gold entry, found at rank 2
    assert base.must_contain_found is True


def test_eval_floor_only_runs_end_to_end(corpus: Path, queries_file: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "floor.json"
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            str(queries_file),
            "--floor",
            str(corpus),
            "--floor-only",
            "--json",
            str(out_file),
        ],
        # Proves no database is touched: this address would fail at once.
        env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Floor: SQLite FTS5 BM25")
    overall_row = next(ln for ln in result.output.splitlines() if ln.startswith("| overall |"))
    assert overall_row.split("|")[2].strip() == "3"
    data = json.loads(out_file.read_text())
    assert set(data) == {"floor"}
    summary = data["floor"]["summary"]
    assert summary["overall"]["file_mrr@10"] == 1.0
    assert summary["overall"]["section_mrr@10"] == 1.0
    assert [s["id"] for s in summary["skipped"]] == ["t-5"]


def test_floor_only_needs_a_corpus(queries_file: Path) -> None:
    result = CliRunner().invoke(cli, ["eval", str(queries_file), "--floor-only"])
    assert result.exit_code == 2
    assert "--floor-only needs --floor" in result.output


def test_baseline_script_prints_the_same_table(
    corpus: Path, queries_file: Path, tmp_path: Path
) -> None:
    out_file = tmp_path / "baseline.json"
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts/baseline_floor.py"), str(corpus), str(queries_file)]
        + ["--json", str(out_file)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("| library | queries |")
    summary = json.loads(out_file.read_text())["floor"]["summary"]
    assert summary["overall"]["queries"] == 3 and summary["overall"]["section_mrr@10"] == 1.0


def test_eval_with_floor_prints_both_and_a_side_by_side_line(
    corpus: Path, queries_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codex7.cli import evaluate

    def fake_codex7(items: list[dict]) -> list[QueryResult]:
        # Stands in for the database run: every docs query finds its file second, no section.
        return [
            QueryResult(q["id"], "docs", q["library"], q["query"], "scored", file_rank=2)
            for q in items
            if q["kind"] == "docs"
        ]

    monkeypatch.setattr(evaluate, "_run_codex7", fake_codex7)
    out_file = tmp_path / "both.json"
    result = CliRunner().invoke(
        cli, ["eval", str(queries_file), "--floor", str(corpus), "--json", str(out_file)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("| library | queries |")
    assert "Floor: SQLite FTS5 BM25 (porter) over whole heading sections, no embeddings" in lines
    side = [" ".join(ln.split()) for ln in lines if ln.startswith(("overall ", "/acme/"))]
    assert side == [
        "overall file 0.500 / 1.000 section 0.000 / 1.000 (4 / 3)",
        "/acme/gadgets file 0.500 / - section 0.000 / - (1 / 0)",
        "/acme/widgets file 0.500 / 1.000 section 0.000 / 1.000 (3 / 3)",
    ]
    data = json.loads(out_file.read_text())
    assert data["summary"]["overall"]["file_mrr@10"] == 0.5
    assert data["floor"]["summary"]["overall"]["file_mrr@10"] == 1.0
