"""Run every rule over the resources of one preview; a pure function of its input."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ...errors import PreviewError
from .model import Finding, Predicate, Resource, Rule, StackPredicate, values_at
from .naming import physical_name

SHOWN_AT_MOST = 25


@dataclass(frozen=True)
class Violation:
    """One input of one resource that AWS or the provider would reject, and why."""

    type: str
    resource: str
    urn: str
    input: str
    value: Any
    problem: str
    rule: Rule

    def __str__(self) -> str:
        return (
            f"{self.type} {self.resource!r}: {self.input} = {_show(self.value)}: {self.problem}\n"
            f"  rule {self.rule.id} ({self.rule.constraint.describe()}); "
            f"source: {self.rule.source_text}"
        )


def check_resources(
    resources: Iterable[Resource], rules: Sequence[Rule] | None = None
) -> list[Violation]:
    """Every violation of ``rules`` (all of them by default) in ``resources``, in order."""
    if rules is None:
        from .rules import RULES

        rules = RULES
    by_type: dict[str, list[Resource]] = defaultdict(list)
    for resource in resources:
        by_type[resource.type].append(resource)
    found: list[Violation] = []
    for rule in rules:
        members = by_type.get(rule.type, [])
        if not members:
            continue
        if isinstance(rule.constraint, StackPredicate):
            found += [_violation(r, f, rule) for r, f in rule.constraint.test(members)]
            continue
        for resource in members:
            found += [_violation(resource, f, rule) for f in _findings(resource, rule)]
    return sorted(found, key=lambda v: (v.type, v.resource, v.rule.id, v.input))


def conformance_error(environment: str, violations: Sequence[Violation]) -> PreviewError:
    """The error ``preview``/``check`` report (exit 1): every violation, the first ones in full."""
    count = len(violations)
    shown = "\n".join(str(v) for v in violations[:SHOWN_AT_MOST])
    more = f"\n... and {count - SHOWN_AT_MOST} more" if count > SHOWN_AT_MOST else ""
    noun = "input" if count == 1 else "inputs"
    return PreviewError(
        f"{count} {noun} in {environment} would be rejected by AWS or the Pulumi AWS provider:\n"
        f"{shown}{more}\n"
        "  hint: the rules and their sources are in docs/conformance.md; if you edited "
        "infra/, fix the input, else report it: generated stacks must conform"
    )


def _findings(resource: Resource, rule: Rule) -> Iterable[Finding]:
    constraint = rule.constraint
    if isinstance(constraint, Predicate):
        yield from constraint.test(resource)
        return
    assert not isinstance(constraint, StackPredicate)
    if rule.names:
        name = physical_name(resource, rule.input)
        if name is not None:
            problem = constraint.check(rule.input, name.value)
            if problem:
                yield Finding(rule.input, name.shown(), problem)
        return
    for path, value in values_at(resource.inputs, rule.input):
        problem = constraint.check(path, value)
        if problem:
            yield Finding(path, value, problem)


def _violation(resource: Resource, finding: Finding, rule: Rule) -> Violation:
    return Violation(
        resource.type,
        resource.name,
        resource.urn,
        finding.input,
        finding.value,
        finding.problem,
        rule,
    )


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return repr(text) if isinstance(value, str) else text
