"""Limits read from botocore's service models, so they are never copied by hand.

botocore ships the AWS API models (min/max lengths and values, patterns, enums of each
input shape). Loading a model costs tens of milliseconds, so this module is imported
only when a check runs, and every service model is loaded once per process.

Patterns in the models use Java regex syntax; the one construct that differs from
Python's ``re`` in the shapes used here, ``\\p{Print}``, is translated.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from .model import Between, Length, Matches, OneOf

if TYPE_CHECKING:
    from .model import Botocore, Constraint

_JAVA_CLASSES = {r"\p{Print}": r"[\x20-\x7e]"}


class ShapeLimitMissing(LookupError):
    """The referenced botocore shape states no such limit (the model changed)."""


@cache
def _service_model(service: str) -> Any:
    return _session().get_service_model(service)


@cache
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


def shape_metadata(service: str, operation: str, member: str) -> tuple[dict[str, Any], list[str]]:
    """The metadata and enum of ``operation``'s input member at the dotted ``member`` path."""
    shape = _service_model(service).operation_model(operation).input_shape
    for part in member.split("."):
        each = part.endswith("[]")
        shape = shape.members[part.removesuffix("[]")]
        if each:
            shape = shape.member
    return dict(shape.metadata), list(getattr(shape, "enum", None) or [])


@cache
def constraint_for(ref: Botocore) -> Constraint:
    meta, enum = shape_metadata(ref.service, ref.operation, ref.member)
    if ref.facet == "length" and "max" in meta:
        return Length(max=int(meta["max"]), min=int(meta.get("min", 1)))
    if ref.facet == "range" and ("min" in meta or "max" in meta):
        return Between(float(meta.get("min", float("-inf"))), float(meta.get("max", float("inf"))))
    if ref.facet == "pattern" and "pattern" in meta:
        return Matches(python_pattern(meta["pattern"]), f"matching `{meta['pattern']}`")
    if ref.facet == "enum" and enum:
        return OneOf(tuple(enum))
    raise ShapeLimitMissing(f"{ref.reference}: botocore states no {ref.facet} there")


def python_pattern(java: str) -> str:
    """A botocore (Java) pattern as a Python full-match pattern."""
    pattern = java.removeprefix("^").removesuffix("$")
    for java_class, python_class in _JAVA_CLASSES.items():
        pattern = pattern.replace(java_class, python_class)
    return pattern
