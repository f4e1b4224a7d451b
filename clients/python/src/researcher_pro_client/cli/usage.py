"""Reading the command line: its small value syntaxes, and the errors that are the user's to fix."""

from __future__ import annotations

import json
from typing import Any


class UsageError(Exception):
    """The command line asks for something impossible (exit status 2)."""


def csv_list(value: str) -> list[str]:
    """`web,documents` → ["web", "documents"]."""
    return [part.strip() for part in value.split(",") if part.strip()]


def variables(pairs: list[str]) -> dict[str, Any]:
    """`--var k=v` pairs. A value that reads as a JSON number or list is one (`n=3`, `topics=["a","b"]`);
    anything else is a string, as written."""
    found: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--var takes NAME=VALUE, not {pair!r}")
        found[name.strip()] = _value(raw)
    return found


def _value(raw: str) -> Any:
    try:
        parsed = json.loads(raw)
    except ValueError:
        return raw
    return parsed if isinstance(parsed, int | float | list) and not isinstance(parsed, bool) else raw
