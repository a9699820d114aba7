"""Typed views of loosely shaped compose values: a mapping or a list, else an empty one.

Compose files are YAML the user wrote, so any key may hold the wrong shape (a string
where a mapping belongs, ``null`` for an empty section). Importers read such keys
through these helpers rather than repeating ``x if isinstance(x, dict) else {}``: one
place decides what a wrong shape means (nothing there), and mypy sees a precise type.
The value itself is returned when it has the right shape, never a copy.
"""

from __future__ import annotations

from typing import Any


def mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a dict, else a new empty dict."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    """``value`` when it is a list, else a new empty list."""
    return value if isinstance(value, list) else []
