"""One way to print rows: an aligned table for people, JSON for scripts. Data goes to stdout."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import click


def when(moment: datetime | None) -> str:
    """A date and time as printed in tables: ISO 8601 to the second, empty when unknown."""
    return moment.isoformat(timespec="seconds") if moment else ""


def table_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*headers).rstrip(), fmt.format(*("-" * w for w in widths)).rstrip()]
    lines += [fmt.format(*row).rstrip() for row in cells]
    return lines


def echo_rows(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, as_json: bool, empty: str
) -> None:
    if as_json:
        click.echo(json.dumps([dict(zip(headers, r, strict=True)) for r in rows], default=str))
    elif not rows:
        click.echo(empty)
    else:
        for line in table_lines(headers, rows):
            click.echo(line)
