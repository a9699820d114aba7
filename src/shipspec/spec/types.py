"""Scalar types of the handoff spec: names, memory sizes, schedules, ranges.

Each type validates and normalises one kind of value and raises :class:`SpecValueError`
(a ``ValueError`` carrying a hint) with a plain sentence;
:mod:`shipspec.spec.diagnostics` adds the file, line and field.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from .schedule import check_schedule

# Single hyphens between letters or digits: names become AWS names, and ElastiCache, RDS
# and DocumentDB identifiers refuse "--" and a trailing hyphen.
NAME_PATTERN = r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,30}$"
_NAME = re.compile(NAME_PATTERN)
_MEMORY = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(mib|mb|gib|gb|m|g)?\s*$", re.IGNORECASE)
# The same, without Python's IGNORECASE flag, which JSON Schema regexes cannot carry.
_MEMORY_SCHEMA_PATTERN = r"^\s*[0-9]+(\.[0-9]+)?\s*([mMgG]([iI]?[bB])?)?\s*$"
_UNIT_MIB = {None: 1, "m": 1, "mb": 1, "mib": 1, "g": 1024, "gb": 1024, "gib": 1024}


class SpecValueError(ValueError):
    """A value the spec refuses; ``hint`` says what to write instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise SpecValueError(
            f"must be 2-31 characters of lowercase letters, digits and single inner '-', "
            f"starting with a letter, got {value!r}",
            "names become AWS resource names: e.g. `web`, `order-api`, `prod`",
        )
    return value


def parse_memory_mib(value: Any) -> int:
    """``512MiB``, ``1GiB``, ``2GB``, ``1.5G`` or a bare number of MiB → MiB.

    GB and GiB are both read as binary units: Fargate's table is in GiB and users
    write either, so treating ``2GB`` as 1907 MiB would only surprise them.
    """
    hint = "write a size such as 512MiB, 1GiB or 2GB; a bare number is MiB"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SpecValueError(f"must be a size such as 512MiB or 2GiB, got {value!r}", hint)
    if isinstance(value, float) and not math.isfinite(value):
        raise SpecValueError(f"must be a size such as 512MiB or 2GiB, got {value!r}", hint)
    match = _MEMORY.match(str(value))
    if not match:
        raise SpecValueError(
            f"must be a size such as 512MiB, 1GiB, 2GB or 2048 (MiB), got {value!r}", hint
        )
    number, unit = float(match.group(1)), match.group(2)
    mib = number * _UNIT_MIB[unit.lower() if unit else None]
    if not math.isfinite(mib) or mib != int(mib) or mib <= 0:
        raise SpecValueError(f"must be a positive whole number of MiB, got {value!r}", hint)
    return int(mib)


class in_range:  # lowercase: it reads as a function in `Annotated[int, in_range(1, 9)]`
    """Refuses values outside ``low..high`` in one sentence (``must be 1-65535, got 70000``).

    Also refuses ``true``/``false`` where a number is expected (pydantic would read
    them as 1 and 0), and puts the bounds into the JSON Schema for editors.
    """

    def __init__(self, low: float, high: float, hint: str = "") -> None:
        self.low, self.high, self.hint = low, high, hint

    def _check(self, value: Any) -> Any:
        if not self.low <= value <= self.high:
            shown = int(value) if math.isfinite(value) and float(value).is_integer() else value
            raise SpecValueError(f"must be {self.low:g}-{self.high:g}, got {shown}", self.hint)
        return value

    def _not_bool(self, value: Any) -> Any:
        if isinstance(value, bool):
            raise SpecValueError(
                f"must be a number from {self.low:g} to {self.high:g}, got {str(value).lower()}",
                self.hint or "write a number, not true or false",
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        checked = core_schema.no_info_after_validator_function(self._check, handler(source))
        return core_schema.no_info_before_validator_function(self._not_bool, checked)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        result = handler(schema)
        result.update(minimum=self.low, maximum=self.high)
        return result


def _scalar_to_text(value: Any) -> Any:
    """Env values and versions are text, but YAML reads ``8080``, ``0.5`` and ``true`` as
    numbers and booleans: take them back as the text the user wrote."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _version_text(value: Any) -> Any:
    if isinstance(value, float):
        raise SpecValueError(
            f"{value} is read as a number by YAML, so trailing zeros would be lost",
            f'quote the version: "{value}"',
        )
    return _scalar_to_text(value)


# The JSON Schema describes what a user writes, which a before-validator widens: the
# schema of `memory` is "1GiB" or 2048, not the int it becomes.
Name = Annotated[
    str, AfterValidator(_name), WithJsonSchema({"type": "string", "pattern": NAME_PATTERN})
]


def _tag_value(value: str) -> str:
    """An AWS tag value: ECS, ELBv2, CloudWatch Logs and IAM take at most 256 characters of
    letters, digits, spaces and ``_ . : / = + - @`` (botocore's ``TagValue`` shapes)."""
    bad = sorted({c for c in value if not _is_tag_char(c)})
    if len(value) > 256 or bad or not value.strip():
        shown = ", ".join(repr(c) for c in bad[:5])
        detail = f"; it has {shown}" if bad else ""
        raise SpecValueError(
            f"must be an AWS tag value: 1-256 letters, digits, spaces and _ . : / = + - @{detail}",
            "it is tagged on every resource, and ECS, load balancers, CloudWatch Logs and "
            "IAM refuse other characters: e.g. `team-payments` or `payments@example.com`",
        )
    return value


def _is_tag_char(char: str) -> bool:
    return char in "_.:/=+-@" or unicodedata.category(char)[0] in "LNZ"


# No "pattern" in the schema: \p{L} classes are not portable across JSON Schema validators.
TagValue = Annotated[
    str,
    AfterValidator(_tag_value),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 256}),
]
MemoryMiB = Annotated[
    int,
    BeforeValidator(parse_memory_mib),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1},
                {"type": "string", "pattern": _MEMORY_SCHEMA_PATTERN},
            ],
            "description": "512MiB, 1GiB, 2GB or a number of MiB",
        }
    ),
]
Schedule = Annotated[
    str,
    AfterValidator(check_schedule),
    WithJsonSchema({"type": "string", "pattern": r"^\s*(rate|cron)\(.*\)\s*$"}),
]
Port = Annotated[int, in_range(1, 65535, "the port the container listens on, e.g. 8080")]
EnvValue = Annotated[
    str,
    BeforeValidator(_scalar_to_text),
    WithJsonSchema({"type": ["string", "number", "boolean"]}),
]
Version = Annotated[
    str, BeforeValidator(_version_text), WithJsonSchema({"type": ["string", "integer"]})
]


def _evidence_path(value: str) -> str:
    """A relative path to a file: where it may point is checked at ``session start``."""
    if "\x00" in value or not value.strip():
        raise SpecValueError(
            f"must be a file path, got {value!r}", "e.g. `evidence: reports/junit.xml`"
        )
    if value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value) or "://" in value:
        raise SpecValueError(
            f"must be a path relative to the spec file, got {value!r}",
            "evidence stays inside the repository: e.g. `evidence: reports/junit.xml`",
        )
    return value


EvidencePath = Annotated[str, AfterValidator(_evidence_path)]
