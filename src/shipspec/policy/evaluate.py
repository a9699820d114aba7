"""``evaluate(model, env, resources, packs) -> PolicyReport``: run every rule on its targets.

A pure function of its inputs: the planned model, the preview's resources for one
environment (``Preview.resources``; any objects or dicts with ``type``, ``name``,
``urn``, ``parent``, ``inputs`` and ``dependencies`` do) and compiled packs. Nothing
is read from disk here, which is what lets the mutation tests weaken one property
of a real preview and watch the matching rule fire. Resource rules run on the
resources; model rules on the plan's services, datastores, environment, load
balancers or the deployment as a whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from ..plan.model import DeploymentModel
from .pack import Pack, Rule
from .report import Location, PolicyReport, Violation
from .targets import ResourceGraph, Target, model_targets, published_ports, when_context


def evaluate(
    model: DeploymentModel,
    env_name: str,
    resources: Iterable[Any],
    packs: Sequence[Pack],
    *,
    locate: Callable[[Target, str], Location | None] | None = None,
) -> PolicyReport:
    """Every rule of ``packs`` on ``env_name``; raises ``KeyError`` for an unknown environment.

    ``locate(target, field)`` may place each finding in a file (see :mod:`.check`).
    """
    env = model.environment(env_name)
    graph = ResourceGraph(list(resources), published=published_ports(env))
    resource_targets = list(graph.targets(when_context(model, env)))
    by_kind: dict[str, list[Target]] = {}
    violations: list[Violation] = []
    checks = 0
    for pack in packs:
        for rule in pack.rules:
            if rule.model is not None:
                if rule.model not in by_kind:
                    by_kind[rule.model] = list(model_targets(model, env, rule.model))
                candidates = by_kind[rule.model]
            else:
                candidates = [t for t in resource_targets if rule.targets_type(t.type)]
            for target in candidates:
                if not rule.applies(target.when_document):
                    continue
                checks += 1
                for path, message in rule.check(target.document, graph):
                    found = _violation(env_name, rule, target, path, message)
                    if locate is not None:
                        found = replace(found, location=locate(target, path))
                    violations.append(found)
    return PolicyReport(
        app=model.app,
        environment=env_name,
        packs=[(p.name, len(p.rules)) for p in packs],
        checks=checks,
        violations=sorted(set(violations)),
        rules=[rule for pack in packs for rule in pack.rules],
    )


def _violation(env: str, rule: Rule, target: Target, path: str, message: str) -> Violation:
    return Violation(
        environment=env,
        pack=rule.pack,
        rule_id=rule.id,
        target=target.label,
        field=path,
        message=message,
        severity=rule.severity,
        control=rule.control,
        type=target.type,
        urn=target.urn,
        description=rule.description,
        remediation=rule.remediation,
    )
