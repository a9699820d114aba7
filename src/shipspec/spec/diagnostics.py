"""Turn pydantic's validation errors into located, plain-language diagnostics.

Pydantic knows the field path; the YAML reader knows where each path sits in the
file. This module joins them and rewrites pydantic's messages into the sentences a
user can act on, each with a hint: "did you mean" for misspelt keys and values, an
example of the expected format, or what to write instead.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..errors import Diagnostic
from .yamlsource import Path, YamlDocument, dotted

__all__ = ["dotted", "from_validation_error"]

# What a field with a pattern expects, and an example: (the format, the hint).
_FORMATS = {
    "region": ("an AWS region", "e.g. `region: eu-west-1`"),
    "state": ("a state backend URL", "s3://bucket, https://... or file://..."),
    "domain": ("a DNS name", "lowercase, no scheme or path, e.g. shop.example.com"),
    "hosted_zone": ("a DNS name", "lowercase, no scheme or path, e.g. example.com"),
    "alert_email": ("an email address", "e.g. oncall@example.com"),
    "image": ("an image reference without spaces", "e.g. ghcr.io/example/web:1.4.2"),
    "path": ("a URL path", "start it with /, e.g. /healthz"),
    "version": ("a version number", 'quote it, e.g. version: "16"'),
    "secrets": (
        "a variable name",
        "secret names are the variables the app reads: letters, digits and _, not starting "
        "with a digit, e.g. STRIPE_KEY",
    ),
    "repository_url": (
        "a repository web address over https",
        "no trailing slash or .git, e.g. https://github.com/acme/shop",
    ),
    "env": ("a variable name", "letters, digits and _, not starting with a digit, e.g. LOG_LEVEL"),
}
# What each choice of a field means, for a value close to none of them.
_CHOICES = {
    "on_failure": "`page`: a failed, hung, dropped or missed run wakes the on-call in "
    "production; `ticket` (the default): it opens a ticket",
}
_TYPE_HINTS = {
    "int": "write a whole number, without quotes or units",
    "float": "write a number such as 0.5, without quotes or units",
    "bool": "write true or false",
    "list": "write a list: `[a, b]`, or one `- item` per line",
}
_SCHEMA_HINT = "`shipspec schema` describes every field"


def from_validation_error(
    error: ValidationError, document: YamlDocument, root: type[BaseModel]
) -> list[Diagnostic]:
    return [_one(detail, document, root) for detail in error.errors(include_url=False)]


def _one(detail: ErrorDetails, document: YamlDocument, root: type[BaseModel]) -> Diagnostic:
    loc, about_key = _user_path(detail["loc"], document.data)
    kind = detail["type"]
    value = detail.get("input")
    if kind == "extra_forbidden" and loc:
        line, col = document.position(loc, key=True)
        allowed = _fields_at(root, loc[:-1])
        hint = _did_you_mean(str(loc[-1]), allowed) or "allowed here: " + ", ".join(allowed)
        message = f"unknown field `{loc[-1]}`"
        return Diagnostic(document.file, line, col, dotted(loc), message, hint, "unknown-field")
    # A problem with a whole mapping (a service, an environment) or with an empty value
    # points at its name: YAML puts an empty value's position on the next line.
    at_key = about_key or kind == "missing" or value is None or isinstance(value, dict)
    line, col = document.position(loc, key=at_key)
    message, hint = _message(detail, _field(loc, about_key))
    return Diagnostic(document.file, line, col, dotted(loc), message, hint or _SCHEMA_HINT, kind)


def _user_path(loc: tuple[int | str, ...], data: Any) -> tuple[Path, bool]:
    """The error's path in the user's document, without pydantic's union-member tags.

    A part is kept when it is a key or index of the document at that point, so a
    service named ``function-api`` or an env variable ``A[0]`` keeps its place;
    otherwise only parts that look like pydantic's tags are dropped.
    """
    path: list[str | int] = []
    node = data
    about_key = False
    for part in loc:
        if part == "[key]":
            about_key = True
        elif (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]  # type: ignore[index]
        elif not _is_union_tag(part):
            path.append(part)
            node = None
    return tuple(path), about_key


def _is_union_tag(part: Any) -> bool:
    """Pydantic adds the member's type (or its `Tag("tag:...")`) to union errors' paths."""
    return isinstance(part, str) and ("[" in part or part.startswith(("function-", "tag:")))


def _field(path: Path, about_key: bool) -> str:
    """The spec field an error is about: ``env`` for a bad env name, ``secrets`` for an item."""
    names = [part for part in path if isinstance(part, str)]
    if about_key and len(names) >= 2:
        return names[-2]
    return names[-1] if names else ""


def _message(detail: ErrorDetails, field: str) -> tuple[str, str]:
    kind, ctx, value = detail["type"], detail.get("ctx") or {}, detail.get("input")
    shown = _show(value)
    if kind == "missing":
        return "is required", f"add `{field}`" if field else ""
    if kind == "value_error":
        error = ctx.get("error", detail["msg"])
        return str(error).removeprefix("Value error, "), getattr(error, "hint", "")
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = _did_you_mean(str(value), expected) if isinstance(value, str) else ""
        return f"must be one of {ctx.get('expected', '')}, got {shown}", hint or _CHOICES.get(
            field, ""
        )
    if kind == "string_pattern_mismatch":
        what, hint = _FORMATS.get(field, ("in the expected format", ""))
        return f"must be {what}, got {shown}", hint or f"it must match {ctx.get('pattern')}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number, got {shown}", _TYPE_HINTS["int"]
    if kind in ("float_parsing", "float_type", "finite_number"):
        return f"must be a number, got {shown}", _TYPE_HINTS["float"]
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false, got {shown}", _TYPE_HINTS["bool"]
    if kind == "string_type":
        return f"must be text, got {shown}", _text_hint(value)
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of keys to values, got {shown}", _mapping_hint(value, field)
    if kind == "list_type":
        return f"must be a list, got {shown}", _TYPE_HINTS["list"]
    if kind == "too_short":
        return "must not be empty", f"declare at least one under `{field}`" if field else ""
    if kind == "string_too_short":
        return "must not be empty", "give a value, or remove the key"
    if kind == "string_too_long":
        return f"is longer than {ctx.get('max_length')} characters", "shorten it"
    return detail["msg"], str(ctx.get("hint", ""))


def _text_hint(value: Any) -> str:
    if value is None:
        return "give a value, or remove the key"
    if isinstance(value, dict | list):
        return "write plain text here, not a mapping or a list"
    return f'quote it to make it text: "{value}"'


def _mapping_hint(value: Any, field: str) -> str:
    if value is None:
        return "indent its fields below it, write `{}` for none, or remove the key"
    if isinstance(value, list):
        return "write `name: value` pairs, not a `- item` list"
    return f"write the fields of `{field}` indented below it, as `name: value` pairs"


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else ""


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
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
