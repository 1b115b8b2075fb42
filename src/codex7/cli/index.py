"""`codex7 index|libraries|versions|remove|jobs|refresh`: the indexer's verbs."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
