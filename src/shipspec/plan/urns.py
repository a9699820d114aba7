"""The URNs Pulumi gives the program's resources that the handoff's commands target.

A targeted ``pulumi up`` on a stack that was never deployed creates a resource only when
every resource it depends on, its parent included, is targeted too: Pulumi refuses
("depends on ... which was not specified in --target list", pulumi/pulumi#5869 and
#3369), and ``--target-dependents`` does not help (it adds what depends on a target, the
other direction). So the handoff's "create the secrets first" command names each app
secret with everything it depends on, from the same plan data the program's ``AppSecret``
call reads (``EnvironmentPlan.customer_managed_key``: ``kms_key_arn=data_key.arn``). A
preview test reads each secret resource's recorded dependencies and parents and checks
that the command targets all of them.
"""

from __future__ import annotations

from .model import EnvironmentPlan

DATA_KEY = "data"
"""The program's ``DataKey`` component name (``DataKey("data")``); its key is ``data-key``."""

STACK_TYPE = "pulumi:pulumi:Stack"


def urn(stack: str, project: str, types: tuple[str, ...], name: str) -> str:
    """``urn:pulumi:<stack>::<project>::<parent types joined by $>::<name>``: the type part
    is the chain of parent types down to the resource's own (the stack's is left out)."""
    return f"urn:pulumi:{stack}::{project}::{'$'.join(types)}::{name}"


def secret_targets(project: str, stack: str, env: EnvironmentPlan, secret: str) -> list[str]:
    """Every resource ``pulumi up --target`` needs to create app secret ``secret`` on a new
    stack: its ``AppSecret`` component and Secrets Manager secret, and with a
    customer-managed key the ``DataKey`` component and its KMS key, which the secret's
    ``kms_key_id`` reads."""
    component = "shipspec:aws:AppSecret"
    targets = [
        urn(stack, project, (component,), secret),
        urn(stack, project, (component, "aws:secretsmanager/secret:Secret"), f"{secret}-secret"),
    ]
    if env.customer_managed_key:
        key = "shipspec:aws:DataKey"
        targets += [
            urn(stack, project, (key,), DATA_KEY),
            urn(stack, project, (key, "aws:kms/key:Key"), f"{DATA_KEY}-key"),
        ]
    return targets
