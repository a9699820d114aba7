"""The handoff's "create the secrets first" command targets everything each secret needs.

On a stack that was never deployed, ``pulumi up --target X`` creates X only when every
resource X depends on, its parent included, is targeted too; otherwise Pulumi refuses
("depends on ... which was not specified in --target list", pulumi/pulumi#5869, #3369).
A review found the handoff's command named the ``AppSecret`` and its secret only, while
with a customer-managed key the secret reads the ``DataKey``'s KMS key: the step failed on
every new restricted-data stack. These tests take the dependencies and parents the
preview recorded for the secret resources, transitively, and require the documented
command to target exactly those, for a stack with the key (full) and one without (shop).
"""

from __future__ import annotations

import re

import pytest

STACK_TYPE = "pulumi:pulumi:Stack"


def _needs(preview, urn: str) -> set[str]:  # type: ignore[no-untyped-def]
    """``urn`` and everything it depends on or is a child of, transitively (not the stack)."""
    by_urn = {r.urn: r for r in preview.resources}
    seen: set[str] = set()
    todo = [urn]
    while todo:
        current = todo.pop()
        if current in seen or current.split("::")[2].endswith(STACK_TYPE):
            continue
        seen.add(current)
        resource = by_urn[current]
        todo += [*resource.dependencies, *([resource.parent] if resource.parent else [])]
    return seen


def _documented(handoff: str, secret: str, env: str) -> list[str]:
    """The URNs the handoff's `pulumi up --target ...` for ``secret`` names, in ``env``."""
    (line,) = [
        line
        for line in handoff.splitlines()
        if "pulumi up --stack <env> --target" in line and f"::{secret}-secret'" in line
    ]
    return [urn.replace("<env>", env) for urn in re.findall(r"--target '([^']+)'", line)]


@pytest.mark.parametrize(
    ("example", "env", "customer_key"), [("full", "main", True), ("shop", "prod", False)]
)
def test_the_secret_command_targets_every_recorded_dependency(
    generated,  # type: ignore[no-untyped-def]
    example: str,
    env: str,
    customer_key: bool,
) -> None:
    plan = generated.model(example).environment(env)
    assert plan.customer_managed_key is customer_key
    preview = generated.preview(example, env)
    handoff = (generated.out_dir(example) / "docs/operations/handoff.md").read_text()
    assert plan.secrets
    for secret in plan.secrets:
        (resource,) = [
            r
            for r in preview.resources
            if r.type == "aws:secretsmanager/secret:Secret" and r.name == f"{secret.name}-secret"
        ]
        needed = _needs(preview, resource.urn)
        targeted = _documented(handoff, secret.name, env)
        assert len(targeted) == len(set(targeted))
        assert set(targeted) == needed, secret.name
        keys = {u for u in needed if "$aws:kms/key:Key::" in u}
        assert bool(keys) is customer_key  # the key is there exactly when the stack has one
