"""Turn pydantic's validation errors into located, plain-language diagnostics.

Pydantic knows the field path; the YAML reader knows where each path sits in the
file. This module joins them and rewrites pydantic's messages into the sentences a
user can act on, with a "did you mean" hint for misspelt keys.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..errors import Diagnostic
from .yamlsource import Path, YamlDocument


def dotted(path: Path) -> str:
    """``("services", "web", "uses", 2)`` → ``services.web.uses[2]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def from_validation_error(
    error: ValidationError, document: YamlDocument, root: type[BaseModel]
) -> list[Diagnostic]:
    return [_one(detail, document, root) for detail in error.errors(include_url=False)]


def _one(detail: ErrorDetails, document: YamlDocument, root: type[BaseModel]) -> Diagnostic:
    loc = tuple(part for part in detail["loc"] if not _is_union_tag(part))
    kind = detail["type"]
    if loc and loc[-1] == "[key]":
        path = loc[:-1]
        line, col = document.position(path, key=True)
        return Diagnostic(document.file, line, col, dotted(path), _message(detail), "", kind)
    if kind == "extra_forbidden":
        line, col = document.position(loc, key=True)
        allowed = _fields_at(root, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        hint = f"did you mean `{close[0]}`?" if close else "allowed here: " + ", ".join(allowed)
        return Diagnostic(
            document.file, line, col, dotted(loc), f"unknown field `{loc[-1]}`", hint, "unknown-field"
        )
    line, col = document.position(loc, key=kind == "missing")
    hint = ""
    if kind == "missing":
        hint = f"add `{loc[-1]}`" if loc else ""
    return Diagnostic(document.file, line, col, dotted(loc), _message(detail), hint, kind)


def _is_union_tag(part: Any) -> bool:
    """Pydantic adds the member's type to the path of union errors: not a user field."""
    return isinstance(part, str) and ("[" in part and part != "[key]" or part.startswith("function-"))


def _message(detail: ErrorDetails) -> str:
    kind, ctx, value = detail["type"], detail.get("ctx") or {}, detail.get("input")
    shown = _show(value)
    if kind == "missing":
        return "is required"
    if kind == "value_error":
        return str(ctx.get("error", detail["msg"])).removeprefix("Value error, ")
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}, got {shown}"
    if kind == "string_pattern_mismatch":
        return f"{shown} is not in the expected format ({ctx.get('pattern')})"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number, got {shown}"
    if kind in ("float_parsing", "float_type"):
        return f"must be a number, got {shown}"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false, got {shown}"
    if kind == "string_type":
        return f"must be text, got {shown}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of keys to values, got {shown}"
    if kind == "list_type":
        return f"must be a list, got {shown}"
    if kind == "too_short":
        return "must not be empty"
    if kind == "string_too_short":
        return "must not be empty"
    return detail["msg"]


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_at(root: type[BaseModel], path: Path) -> list[str]:
    """The field names allowed at ``path``, following dicts, lists and optionals."""
    annotation: Any = root
    for part in path:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = _field_named(annotation, str(part))
            if field is None:
                return []
            annotation = field
        elif typing.get_origin(annotation) in (dict, list):
            annotation = typing.get_args(annotation)[-1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sorted(info.alias or name for name, info in annotation.model_fields.items())
    return []


def _field_named(model: type[BaseModel], name: str) -> Any:
    for field_name, info in model.model_fields.items():
        if name in (field_name, info.alias):
            return info.annotation
    return None


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = members[0]
        else:
            return annotation
