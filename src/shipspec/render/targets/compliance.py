"""Compliance target: ``docs/operations/compliance.md`` — each control, its rule, its status.

Lists the rules of ``baseline`` and of every pack the spec's ``compliance`` list turns
on, grouped by pack and ordered by control, with a status per environment computed
from the model alone (:mod:`shipspec.policy.static`): pass/FAIL for decisions the
plan made, FAIL (or "warns", for a warning-severity rule) where the spec asked for
something a rule refuses, n/a where a rule does not apply, and "check" where the
generated program must be previewed (``shipspec check``, the authoritative status).

The refused things are listed first, as exceptions the spec declared, so the page never
claims a control holds (the baseline's "only a load balancer's web ports are open") for a
stack that breaks it.
"""

from __future__ import annotations

import re
from typing import Any

from ...plan.key_uses import describe_gaps, describe_uses, key_gaps, key_uses
from ...plan.model import DeploymentModel
from ...policy.pack import builtin_packs
from ...policy.static import RuleStatus, exceptions, static_statuses
from . import target
from ._transit import transit_claims

_SHOWN = {"pass": "pass", "fail": "**FAIL**", "n/a": "n/a", "check": "check"}
_TITLES = {
    "baseline": "Baseline: shipspec's secure defaults",
    "pci-dss": "PCI DSS v4.0",
    "hipaa": "HIPAA Security Rule",
    "soc2": "SOC 2 Trust Services Criteria",
}


@target("compliance")
def context(model: DeploymentModel) -> dict[str, Any]:
    """docs/operations/compliance.md"""
    packs = builtin_packs(["baseline", *model.compliance])
    statuses = static_statuses(model, packs)
    sections = []
    for pack in packs:
        rows = sorted((s for s in statuses if s.rule.pack == pack.name), key=_control_order)
        sections.append(
            {
                "name": pack.name,
                "title": _TITLES.get(pack.name, pack.name),
                "description": pack.description,
                "rows": [_row(s) for s in rows],
            }
        )
    counts = {k: 0 for k in _SHOWN}
    for status in statuses:
        for _, value in status.statuses:
            counts[value] += 1
    return {
        "compliance_exceptions": exceptions(model, packs),
        "compliance_sections": sections,
        "compliance_envs": [e.name for e in model.environments],
        "compliance_counts": counts,
        "key_claims": _key_claims(model),
        "transit_claims": transit_claims(model),
    }


def _key_claims(model: DeploymentModel) -> list[dict[str, Any]]:
    """What each stack gives the data key (``plan/key_uses.py``, the list the program's
    comment and the handoff also print), environments with the same list grouped."""
    groups: list[dict[str, Any]] = []
    for env in model.environments:
        if not env.customer_managed_key:
            continue
        uses, gaps = describe_uses(key_uses(env)), describe_gaps(key_gaps(env))
        same = [g for g in groups if (g["uses"], g["gaps"]) == (uses, gaps)]
        if same:
            same[0]["environments"].append(env.name)
        else:
            groups.append({"environments": [env.name], "uses": uses, "gaps": gaps})
    return groups


def _row(status: RuleStatus) -> dict[str, Any]:
    rule = status.rule
    return {
        "control": rule.control or "-",
        "rule": rule.qualified_id,
        "description": rule.description.replace("|", "\\|"),
        "checks": f"model: {rule.model}" if rule.model else "program",
        "severity": rule.severity,
        "statuses": [_shown(value, rule.severity) for _, value in status.statuses],
    }


def _shown(value: str, severity: str) -> str:
    """A failing warning-severity rule warns in ``shipspec check`` (exit 0): say so."""
    return "**warns**" if value == "fail" and severity == "warning" else _SHOWN[value]


def _control_order(status: RuleStatus) -> tuple[Any, ...]:
    """Natural order: "req 3.5.1" before "req 10.2.1", rules without a control last."""
    control = status.rule.control or "~"
    parts = tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", control) if p
    )
    return (parts, status.rule.id)
