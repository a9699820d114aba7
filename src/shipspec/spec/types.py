"""Scalar types of the handoff spec: names, memory sizes, schedules, ranges.

Each type validates and normalises one kind of value and raises ``ValueError`` with a
plain sentence; :mod:`shipspec.spec.diagnostics` adds the file, line and field.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

from .schedule import check_schedule

NAME_PATTERN = r"^[a-z][a-z0-9-]{1,30}$"
_NAME = re.compile(NAME_PATTERN)
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mib|mb|gib|gb|m|g)?\s*$", re.IGNORECASE)
_UNIT_MIB = {None: 1, "m": 1, "mb": 1, "mib": 1, "g": 1024, "gb": 1024, "gib": 1024}


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(
            f"must be 2-31 characters of lowercase letters, digits and '-', starting with a "
            f"letter, got {value!r}"
        )
    return value


def parse_memory_mib(value: Any) -> int:
    """``512MiB``, ``1GiB``, ``2GB``, ``1.5G`` or a bare number of MiB → MiB.

    GB and GiB are both read as binary units: Fargate's table is in GiB and users
    write either, so treating ``2GB`` as 1907 MiB would only surprise them.
    """
    if isinstance(value, bool):
        raise ValueError(f"must be a size such as 512MiB or 2GiB, got {value!r}")
    if isinstance(value, int | float):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise ValueError(f"must be a size such as 512MiB or 2GiB, got {value!r}")
    match = _MEMORY.match(text)
    if not match:
        raise ValueError(f"must be a size such as 512MiB, 1GiB, 2GB or 2048 (MiB), got {value!r}")
    number, unit = float(match.group(1)), match.group(2)
    mib = number * _UNIT_MIB[unit.lower() if unit else None]
    if mib != int(mib) or mib <= 0:
        raise ValueError(f"must be a positive whole number of MiB, got {value!r}")
    return int(mib)


def in_range(low: float, high: float):  # type: ignore[no-untyped-def]
    """A validator that says the whole range in one message (``must be 1-65535, got 70000``)."""

    def check(value: float) -> float:
        if not low <= value <= high:
            shown = int(value) if float(value).is_integer() else value
            raise ValueError(f"must be {low:g}-{high:g}, got {shown}")
        return value

    return AfterValidator(check)


def _scalar_to_text(value: Any) -> Any:
    """Env values and versions are text, but YAML reads ``8080`` and ``true`` as numbers."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return value


def _version_text(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError(f"write the version as a quoted string, e.g. \"{value}\"; YAML reads it as a number")
    return _scalar_to_text(value)


Name = Annotated[str, AfterValidator(_name)]
MemoryMiB = Annotated[int, BeforeValidator(parse_memory_mib)]
Schedule = Annotated[str, AfterValidator(check_schedule)]
Port = Annotated[int, in_range(1, 65535)]
EnvValue = Annotated[str, BeforeValidator(_scalar_to_text)]
Version = Annotated[str, BeforeValidator(_version_text)]
