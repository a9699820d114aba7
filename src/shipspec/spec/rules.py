"""Rules between the fields of one spec section, reported alongside its field errors.

A pydantic ``after`` model validator runs only when every field is valid, so a
service with a bad ``cpu`` and both ``image`` and ``build`` would show one problem,
then the other on the next run. :func:`validate_with_rules` runs a section's rules
even when some fields failed, on the fields that did not, and reports both kinds in
one :class:`~pydantic.ValidationError`.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

_BUILTIN_ERRORS = frozenset(typing.get_args(core_schema.ErrorType))


class Problem(NamedTuple):
    """A broken rule: where (a field of the section, or ``()`` for the section itself),
    what and what to do, and the fields it read (skipped when one of those is invalid)."""

    where: tuple[str | int, ...]
    message: str
    hint: str
    reads: tuple[str, ...]
    code: str = "spec-rule"


def validate_with_rules(
    model: type[BaseModel],
    data: Any,
    handler: Callable[[Any], BaseModel],
    rules: Callable[[Any], Iterable[Problem]],
) -> BaseModel:
    """Validate ``data`` with ``handler`` and then ``rules``, raising all problems at once."""
    try:
        value = handler(data)
    except ValidationError as error:
        if not isinstance(data, dict):
            raise
        failed = {str(d["loc"][0]) for d in error.errors() if d["loc"]}
        try:
            partial = handler({k: v for k, v in data.items() if k not in failed})
        except ValidationError:
            raise error from None
        problems = [p for p in rules(partial) if not failed.intersection(p.reads)]
        if not problems:
            raise
        raise _combine(model, _replay(error), problems, data) from None
    problems = list(rules(value))
    if problems:
        raise _combine(model, [], problems, data)
    return value


def _replay(error: ValidationError) -> Iterator[InitErrorDetails]:
    """The errors of ``error`` as details that :meth:`ValidationError.from_exception_data` takes."""
    for detail in error.errors():
        ctx = detail.get("ctx")
        if detail["type"] in _BUILTIN_ERRORS:
            if ctx:
                yield InitErrorDetails(
                    type=detail["type"], loc=detail["loc"], input=detail["input"], ctx=ctx
                )
            else:
                yield InitErrorDetails(
                    type=detail["type"], loc=detail["loc"], input=detail["input"]
                )
        else:
            context = {**(ctx or {}), "message": detail["msg"]}
            custom = PydanticCustomError(detail["type"], "{message}", context)
            yield InitErrorDetails(type=custom, loc=detail["loc"], input=detail["input"])


def _combine(
    model: type[BaseModel], errors: Iterable[InitErrorDetails], problems: list[Problem], data: Any
) -> ValidationError:
    details = list(errors)
    for problem in problems:
        value = data.get(problem.where[0]) if problem.where and isinstance(data, dict) else data
        custom = PydanticCustomError(
            problem.code, "{message}", {"message": problem.message, "hint": problem.hint}
        )
        details.append(InitErrorDetails(type=custom, loc=problem.where, input=value))
    return ValidationError.from_exception_data(model.__name__, details)
