#!/usr/bin/env bash
# Index every library/version of ../shared/corpus/MANIFEST.json under its ID and version, so
# `codex7 eval ../shared/eval/dev_queries.jsonl` runs on a fresh machine. Names are not given:
# Codex7 derives them, as it does for any folder indexed without --name. Optional arguments
# restrict it to some library IDs:  scripts/index_shared_corpus.sh /encode/httpx /vuejs/docs
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${CODEX7_CORPUS:-../shared/corpus}"
codex7="${CODEX7_BIN:-.venv/bin/codex7}"
[ -f "$corpus/MANIFEST.json" ] || { echo "no $corpus/MANIFEST.json (set CODEX7_CORPUS)" >&2; exit 1; }
# Older versions first, so each library's manifest-latest version is indexed last and kept latest.
python3 - "$corpus" "$@" <<'PY' | while IFS=$'\t' read -r path id version latest; do
import json, sys
corpus, only = sys.argv[1], set(sys.argv[2:])
libs = json.load(open(f"{corpus}/MANIFEST.json"))["libraries"]
for m in sorted(libs, key=lambda m: m["latest"]):
    if not only or m["library_id"] in only:
        print("\t".join([f"{corpus}/{m['corpus_path']}", m["library_id"], m["version"],
                         "--latest" if m["latest"] else "--not-latest"]))
PY
    "$codex7" index "$path" --library "$id" --version "$version" "$latest"
done
