"""FastAPI's docs as a real git repository: the trimmed bundle in the shared corpus, cloned."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.gitrepo import git
from tests.paths import SHARED

BUNDLE = SHARED / "repos" / "fastapi-docs.bundle"
DIRECTIVE = re.compile(r"\{![^}\n]*!\}|\{\*\s[^}\n]*\*\}|-8<-")
# The one include the trimmed bundle cannot satisfy: FastAPI's own source
# (fastapi/openapi/docs.py) is not in it (h4's report).
NOT_IN_BUNDLE = "docs/en/docs/how-to/configure-swagger-ui.md"


def clone_fastapi_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone of the bundle, with every tag."""
    target = tmp_path_factory.mktemp("fastapi") / "fastapi"
    git(target.parent, "clone", "-q", str(BUNDLE), str(target))
    return target
