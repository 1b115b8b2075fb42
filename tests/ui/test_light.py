"""The web UI starts light: importing it loads neither the indexer nor a model."""

from __future__ import annotations

import subprocess
import sys


def test_the_ui_never_loads_the_indexer_or_the_model() -> None:
    code = (
        "import sys, codex7.ui; "
        "heavy = ('torch', 'sentence_transformers', 'llama_index', 'codex7.ingest', "
        "'codex7.chunking'); "
        "print([m for m in heavy if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
