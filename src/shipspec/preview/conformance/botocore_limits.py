"""Limits read from botocore's service models, so they are never copied by hand.

botocore ships the AWS API models (min/max lengths and values, patterns, enums of each
input shape). Importing botocore and loading its models cost more than the rest of a
small preview's checks, so the shapes' limits are also kept in the user's cache folder
(:mod:`shipspec.usercache`), one file per botocore version: a later run reads them back
without importing botocore. A shape not in that file is read from botocore and added.

Patterns in the models use Java regex syntax; the one construct that differs from
Python's ``re`` in the shapes used here, ``\\p{Print}``, is translated.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...usercache import cache_folder
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
    key = f"{service} {operation} {member}"
    known = _known_shapes()
    if key not in known:
        shape = _service_model(service).operation_model(operation).input_shape
        for part in member.split("."):
            name, _, facet = part.partition("{")  # a map's ``Options{key}`` or ``{value}``
            each = name.endswith("[]")
            shape = shape.members[name.removesuffix("[]")]
            if each:
                shape = shape.member
            if facet:
                shape = shape.key if facet == "key}" else shape.value
        known[key] = [dict(shape.metadata), list(getattr(shape, "enum", None) or [])]
        _save_shapes(known)
    meta, enum = known[key]
    return dict(meta), list(enum)


def shape_documentation(service: str, shape: str, member: str) -> str:
    """The documentation of ``shape.member`` in ``service``'s model, tags removed: some
    ranges are stated only in that prose (ECS's health check and stop timeout). Kept in the
    same cache as the limits: importing botocore for it was half of a small preview's checks."""
    key = f"doc {service} {shape}.{member}"
    known = _known_shapes()
    if key not in known:
        text = _service_model(service).shape_for(shape).members[member].documentation
        known[key] = [re.sub(r"<[^>]+>", "", text)]
        _save_shapes(known)
    return str(known[key][0])


@cache
def _shapes_file() -> Path | None:
    folder = cache_folder("botocore")
    if folder is None:
        return None
    try:
        version = metadata.version("botocore")
    except metadata.PackageNotFoundError:
        return None
    return folder / f"shapes-{version}.json"


@cache
def _known_shapes() -> dict[str, list[Any]]:
    """The shapes' limits this botocore version gave before (empty without a cache)."""
    path = _shapes_file()
    try:
        data = json.loads(path.read_text("utf-8")) if path is not None else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_shapes(known: dict[str, list[Any]]) -> None:
    """Write the file whole under a name of this process's, then rename it into place."""
    path = _shapes_file()
    if path is None:
        return
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_text(json.dumps(known, sort_keys=True), encoding="utf-8")
        partial.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


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
