"""What callers may send, checked alike by the MCP tools and the REST API; pure.

Text is at most 500 characters (Context7's API limit), without NUL characters or lone surrogates
(PostgreSQL cannot store the one and UTF-8 cannot encode the other). A token budget is a whole
number; the search clamps it to 1000–100000 afterwards.
"""

from __future__ import annotations

import math
import re

MAX_TEXT = 500
MAX_TOKENS = 1_000_000_000
TOKENS_RULE = (
    "tokens must be a whole number from 1 to 1000000000, e.g. 5000 "
    "(values are clamped to 1000–100000)"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_WHOLE = re.compile(r"\+?(\d+)(?:\.0*)?")


class InputProblem(ValueError):
    """A caller's value that cannot be used; the message names it and says what would do."""


def shown(value: object, limit: int = 40) -> str:
    """A caller's value for an error message: repr (NUL and surrogates escaped), shortened."""
    try:
        text = repr(value)
    except ValueError:  # an int beyond Python's 4300-digit conversion limit
        return "a number too large to show"
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def one_line(message: str) -> str:
    """MESSAGE with control characters (a caller's newline, say) written as escapes."""
    return _CONTROL.sub(lambda m: repr(m[0])[1:-1], message)


def check_text(name: str, value: str, *, limit: int = MAX_TEXT) -> str:
    """VALUE if it is usable text for argument NAME, else InputProblem saying why."""
    if "\x00" in value:
        raise InputProblem(f"{name} must not contain NUL characters (\\u0000); send plain text")
    if _SURROGATE.search(value):
        raise InputProblem(
            f"{name} must be valid Unicode text, but it contains a lone surrogate "
            "(\\ud800–\\udfff); send the text as UTF-8"
        )
    if len(value) > limit:
        raise InputProblem(
            f"{name} must be at most {limit} characters, Context7's limit (got {len(value)}); "
            "ask about one concept in a sentence or two"
        )
    return value


def parse_tokens(value: object) -> int:
    """A token budget from a JSON number or a string of digits ("5000", "5000.0")."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and (m := _WHOLE.fullmatch(value.strip())):
        digits = m[1].lstrip("0") or "0"
        number = int(digits) if len(digits) <= len(str(MAX_TOKENS)) else None
    if number is None or not 1 <= number <= MAX_TOKENS:
        raise InputProblem(f"{TOKENS_RULE}; got {shown(value)}")
    return number
