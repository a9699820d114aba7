"""``PolicyReport``: the findings of the packs on one environment, and their forms.

The JSON form is a documented, stable contract (``docs/policy.md``)::

    {"app": "shop", "environment": "prod", "passed": true,
     "packs": [{"name": "baseline", "rules": 30}], "checks": 412,
     "counts": {"error": 0, "warning": 1},
     "violations": [{"rule": "baseline/...", "severity", "control", "target", "type",
                     "urn", "field", "message", "description", "remediation", "location"}]}

Violations are sorted, so the same stacks and packs give byte-identical output.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class Location:
    """Where a finding points: the generated program, or the spec for model findings."""

    file: str
    line: int = 0
    column: int = 0


@dataclass(frozen=True, order=True)
class Violation:
    """One failed check: a rule, the target it failed on, and the field that broke it."""

    environment: str
    pack: str
    rule_id: str
    target: str
    field: str
    message: str
    severity: str = dataclasses.field(compare=False)
    control: str | None = dataclasses.field(default=None, compare=False)
    type: str = dataclasses.field(default="", compare=False)
    urn: str | None = dataclasses.field(default=None, compare=False)
    description: str = dataclasses.field(default="", compare=False)
    remediation: str = dataclasses.field(default="", compare=False)
    location: Location | None = dataclasses.field(default=None, compare=False)

    @property
    def rule(self) -> str:
        return f"{self.pack}/{self.rule_id}"

    def as_dict(self) -> dict[str, Any]:
        where = self.location
        return {
            "rule": self.rule,
            "severity": self.severity,
            "control": self.control,
            "environment": self.environment,
            "target": self.target,
            "type": self.type,
            "urn": self.urn,
            "field": self.field,
            "message": self.message,
            "description": self.description,
            "remediation": self.remediation,
            "location": None
            if where is None
            else {"file": where.file, "line": where.line, "column": where.column},
        }

    def __str__(self) -> str:
        control = f" [{self.control}]" if self.control else ""
        subject = f"{self.target}.{self.field}" if self.field else self.target
        where = ""
        if self.location is not None:
            line = f":{self.location.line}" if self.location.line else ""
            where = f" ({self.location.file}{line})"
        return (
            f"{self.severity} {self.rule}{control}: {subject}: {self.message}{where}\n"
            f"  {self.description}\n  fix: {self.remediation}"
        )


@dataclass
class PolicyReport:
    """The result of every rule of ``packs`` on one environment."""

    app: str
    environment: str
    packs: list[tuple[str, int]]  # (pack name, number of rules)
    checks: int  # rule x target pairs evaluated
    violations: list[Violation]
    rules: list[Any] = dataclasses.field(
        default_factory=list, repr=False
    )  # the compiled rules, for SARIF
    data_loss: list[Any] = dataclasses.field(default_factory=list)
    """Stateful resources this environment's preview deletes or replaces (exit 5)."""

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "error"]

    @property
    def warnings(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "warning"]

    @property
    def passed(self) -> bool:
        return not self.errors

    def summary_line(self) -> str:
        """One line for ``shipspec preview``: the packs and what failed."""
        names = ", ".join(name for name, _ in self.packs)
        rules = sum(count for _, count in self.packs)
        errors, warnings = len(self.errors), len(self.warnings)
        verdict = "passed" if not errors else "FAILED"
        counts = f"{errors} {'error' if errors == 1 else 'errors'}, "
        counts += f"{warnings} {'warning' if warnings == 1 else 'warnings'}"
        line = f"Policy {verdict} ({names}: {rules} rules): {counts}"
        if self.violations:
            failed = sorted({v.rule for v in self.violations})
            shown = ", ".join(failed[:3]) + (", ..." if len(failed) > 3 else "")
            line += f" in {shown}; run `shipspec check --env {self.environment}` for details"
        return line

    def to_dict(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "environment": self.environment,
            "passed": self.passed,
            "packs": [{"name": name, "rules": count} for name, count in self.packs],
            "checks": self.checks,
            "counts": {"error": len(self.errors), "warning": len(self.warnings)},
            "violations": [v.as_dict() for v in self.violations],
            "dataLoss": [loss.as_dict() for loss in self.data_loss],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def to_text(self) -> str:
        header = f"{self.app} / {self.environment}: {self.summary_line()}"
        return "\n".join([header, *(str(v) for v in self.violations)])

    def to_sarif(self) -> str:
        from .sarif import sarif_log

        return json.dumps(sarif_log([self]), indent=2, sort_keys=True)


def reports_to_json(reports: list[PolicyReport]) -> str:
    """Several environments' reports as one JSON document (``shipspec check --json``)."""
    body = {
        "passed": all(r.passed for r in reports),
        "reports": [r.to_dict() for r in reports],
    }
    return json.dumps(body, indent=2, sort_keys=True)


def reports_to_sarif(reports: list[PolicyReport]) -> str:
    from .sarif import sarif_log

    return json.dumps(sarif_log(reports), indent=2, sort_keys=True)
