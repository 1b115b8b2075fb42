"""The naive lexical floor on its own: SQLite FTS5 BM25 (porter) over whole heading sections.

    .venv/bin/python scripts/baseline_floor.py ../shared/corpus ../shared/eval/dev_queries.jsonl

Same code and figures as `codex7 eval QUERIES --floor CORPUS_DIR --floor-only`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from codex7.evaluation.floor import run_floor
from codex7.evaluation.runner import load_queries, payload, summarize, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus_dir", type=Path, help="folder with MANIFEST.json")
    parser.add_argument("queries", type=Path, help="eval queries, JSON Lines")
    parser.add_argument("--json", type=Path, help="write every figure and per-query result here")
    args = parser.parse_args()
    results = run_floor(args.corpus_dir, load_queries(args.queries))
    summary = summarize(results)
    print("\n".join(table(summary)))
    if args.json:
        args.json.write_text(json.dumps({"floor": payload(summary, results)}, indent=2))


if __name__ == "__main__":
    main()
