"""The shape of a conformance rule: one constraint on one input of one resource type.

A rule is data: the resource type, the input it constrains (Pulumi wire name, dotted for
nested values, ``[]`` for every item of a list), a :class:`Constraint` and the source that
states it (an AWS API reference page, a botocore shape, or the Pulumi AWS provider's code).
Constraints are small value objects; the few cross-field rules carry a named function.
Limits that botocore's service models state are not copied here but read from botocore
when a check runs (:class:`Botocore`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

UNKNOWN_VALUES = frozenset({"[unknown]", "[secret]"})
"""What the preview records for values only known after deployment; never checked."""


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_VALUES


class Resource(Protocol):
    """What a check reads of a recorded resource (``RecordedResource``, ``PreviewResource``)."""

    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def urn(self) -> str: ...
    @property
    def inputs(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Finding:
    """One value that breaks a constraint: where (the input path), what, and why."""

    input: str
    value: Any
    problem: str


class Constraint(Protocol):
    def describe(self) -> str:
        """The constraint in words, for messages and docs/conformance.md."""
        ...

    def check(self, path: str, value: Any) -> str | None:
        """The problem with ``value``, or None when it conforms."""
        ...


@dataclass(frozen=True)
class Length:
    max: int
    min: int = 1

    def describe(self) -> str:
        return (
            f"{self.min}-{self.max} characters"
            if self.min > 1
            else f"at most {self.max} characters"
        )

    def check(self, path: str, value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        if len(value) > self.max:
            return f"{len(value)} characters, longer than {self.max}"
        if len(value) < self.min:
            return f"{len(value)} characters, shorter than {self.min}"
        return None


@dataclass(frozen=True)
class Matches:
    """The whole value matches ``pattern`` (Python syntax); ``what`` says it in words."""

    pattern: str
    what: str

    def describe(self) -> str:
        return self.what

    def check(self, path: str, value: Any) -> str | None:
        if isinstance(value, str) and not re.fullmatch(self.pattern, value):
            return f"not {self.what}"
        return None


@dataclass(frozen=True)
class NotPrefix:
    prefix: str

    def describe(self) -> str:
        return f"does not begin with {self.prefix!r}"

    def check(self, path: str, value: Any) -> str | None:
        if isinstance(value, str) and value.startswith(self.prefix):
            return f"begins with {self.prefix!r}"
        return None


@dataclass(frozen=True)
class NotContains:
    text: str

    def describe(self) -> str:
        return f"does not contain {self.text!r}"

    def check(self, path: str, value: Any) -> str | None:
        if isinstance(value, str) and self.text in value:
            return f"contains {self.text!r}"
        return None


@dataclass(frozen=True)
class Between:
    min: float
    max: float

    def describe(self) -> str:
        if self.max == float("inf"):
            return f"at least {_num(self.min)}"
        if self.min == float("-inf"):
            return f"at most {_num(self.max)}"
        return f"{_num(self.min)}-{_num(self.max)}"

    def check(self, path: str, value: Any) -> str | None:
        number = _number(value)
        if number is None:
            return None
        if not self.min <= number <= self.max:
            return f"outside {self.describe()}"
        return None


@dataclass(frozen=True)
class Count:
    """A list input holds ``min``-``max`` items."""

    max: int
    min: int = 0

    def describe(self) -> str:
        return f"{self.min}-{self.max} items"

    def check(self, path: str, value: Any) -> str | None:
        if isinstance(value, list) and not self.min <= len(value) <= self.max:
            return f"{len(value)} items, outside {self.describe()}"
        return None


@dataclass(frozen=True)
class OneOf:
    values: tuple[Any, ...]

    def describe(self) -> str:
        return "one of " + ", ".join(str(v) for v in self.values)

    def check(self, path: str, value: Any) -> str | None:
        if value not in self.values and _number(value) not in self.values:
            return f"not {self.describe()}"
        return None


@dataclass(frozen=True)
class Botocore:
    """A limit botocore's model states for an API input, read when the check runs.

    ``member`` is a dotted path from the operation's input shape (``Matcher.HttpCode``,
    ``Rules[].VisibilityConfig.MetricName``; a map's keys or values as ``Options{key}``,
    ``Options{value}.Arn``); ``facet`` picks the length (``min``/``max``
    of a string), the range (of a number), the ``pattern`` or the ``enum``.
    """

    service: str
    operation: str
    member: str
    facet: str  # "length" | "range" | "pattern" | "enum"

    def resolve(self) -> Constraint:
        from .botocore_limits import constraint_for

        return constraint_for(self)

    def describe(self) -> str:
        return self.resolve().describe()

    def check(self, path: str, value: Any) -> str | None:
        return self.resolve().check(path, value)

    @property
    def reference(self) -> str:
        return f"botocore {self.service} {self.operation}: {self.member} ({self.facet})"


@dataclass(frozen=True)
class Predicate:
    """A cross-field rule: ``test(resource)`` yields findings for one resource."""

    what: str
    test: Callable[[Resource], Iterable[Finding]]

    def describe(self) -> str:
        return self.what


@dataclass(frozen=True)
class StackPredicate:
    """A rule over every resource of the type at once (uniqueness, counts per parent)."""

    what: str
    test: Callable[[Sequence[Resource]], Iterable[tuple[Resource, Finding]]]

    def describe(self) -> str:
        return self.what


@dataclass(frozen=True)
class Rule:
    id: str
    type: str
    input: str
    constraint: Constraint | Predicate | StackPredicate
    source: str
    names: bool = field(default=False)
    """The input is the physical name: an absent value is Pulumi's autoname."""

    @property
    def source_text(self) -> str:
        if isinstance(self.constraint, Botocore):
            return (
                f"{self.constraint.reference}; {self.source}"
                if self.source
                else (self.constraint.reference)
            )
        return self.source


def values_at(inputs: Mapping[str, Any], path: str) -> Iterator[tuple[str, Any]]:
    """Every value at a dotted path; ``a[]`` walks each item of list ``a``."""
    yield from _walk(inputs, path.split("."), "")


def _walk(node: Any, parts: list[str], seen: str) -> Iterator[tuple[str, Any]]:
    if not parts:
        if node is not None and not is_unknown(node):
            yield seen, node
        return
    head, rest = parts[0], parts[1:]
    each = head.endswith("[]")
    key = head.removesuffix("[]")
    if not isinstance(node, Mapping) or key not in node:
        return
    here = f"{seen}.{key}" if seen else key
    child = node[key]
    if each:
        if isinstance(child, list):
            for i, item in enumerate(child):
                yield from _walk(item, rest, f"{here}[{i}]")
        return
    yield from _walk(child, rest, here)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
