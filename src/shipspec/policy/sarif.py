"""SARIF 2.1.0 for code scanning: one run, every evaluated rule as metadata, one result per finding.

Locations: a finding on a resource points at ``infra/__main__.py``, at the line that
creates the component the resource belongs to (the program is what would deploy
it); a finding on the model points at the handoff spec, at the field the decision
came from, because that is what the user edits. URIs are relative to the output
folder (``uriBaseId`` ``OUTDIR``): generate into the repository root (``-o .``) and
they are repository paths, as GitHub code scanning expects. Each result also names
its resource (URN) or model path as a logical location, and carries a stable
fingerprint, so a finding keeps its identity across runs.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .. import __version__
from .report import PolicyReport, Violation

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_LEVEL = {"error": "error", "warning": "warning"}


def sarif_log(reports: list[PolicyReport]) -> dict[str, Any]:
    rules: dict[str, Any] = {}
    for report in reports:
        for rule in report.rules:
            rules.setdefault(rule.qualified_id, rule)
    ordered = sorted(rules)
    index = {rule_id: i for i, rule_id in enumerate(ordered)}
    results = [
        _result(v, index[v.rule])
        for report in reports
        for v in report.violations
        if v.rule in index
    ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "shipspec",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_descriptor(rules[r]) for r in ordered],
                    }
                },
                "originalUriBaseIds": {
                    "OUTDIR": {"description": {"text": "the folder shipspec generated into"}}
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {"environments": [r.environment for r in reports]},
            }
        ],
    }


def _descriptor(rule: Any) -> dict[str, Any]:
    tags = [rule.pack, "security", "compliance"] + ([rule.control] if rule.control else [])
    return {
        "id": rule.qualified_id,
        "name": "".join(part.capitalize() for part in rule.id.replace(".", "-").split("-")),
        "shortDescription": {"text": rule.description},
        "fullDescription": {
            "text": rule.description + (f" ({rule.control})" if rule.control else "")
        },
        "help": {"text": rule.remediation},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"pack": rule.pack, "control": rule.control, "tags": tags},
    }


def _result(v: Violation, rule_index: int) -> dict[str, Any]:
    subject = f"{v.target}.{v.field}" if v.field else v.target
    location: dict[str, Any] = {
        "logicalLocations": [
            {
                "name": v.target,
                "fullyQualifiedName": v.urn or f"{v.environment}:{v.target}",
                "kind": "resource" if v.urn else "object",
            }
        ]
    }
    if v.location is not None:
        physical: dict[str, Any] = {
            "artifactLocation": {"uri": v.location.file, "uriBaseId": "OUTDIR"}
        }
        if v.location.line:
            physical["region"] = {
                "startLine": v.location.line,
                "startColumn": max(v.location.column, 1),
            }
        location["physicalLocation"] = physical
    identity = "\x1f".join([v.rule, v.environment, v.urn or v.target, v.field, v.message])
    return {
        "ruleId": v.rule,
        "ruleIndex": rule_index,
        "level": _LEVEL[v.severity],
        "message": {"text": f"[{v.environment}] {subject}: {v.message}. {v.description}"},
        "locations": [location],
        "partialFingerprints": {
            "shipspecFinding/v1": hashlib.sha256(identity.encode()).hexdigest()
        },
        "properties": {
            "environment": v.environment,
            "control": v.control,
            "target": v.target,
            "type": v.type,
            "field": v.field,
            "remediation": v.remediation,
        },
    }
