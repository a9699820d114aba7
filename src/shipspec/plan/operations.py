"""Whether a service's tasks accept ECS Exec, decided per environment with its reason.

The spec's ``exec`` (see :mod:`shipspec.spec.operations`) or, unset, the environment: on
outside production, off in production. The generated program then sets the ECS service's
``enableExecuteCommand`` and grants the task role the four Session Manager channel
actions ECS Exec needs; without exec the task role has neither.
"""

from __future__ import annotations

from ..spec.models import Service
from .decisions import Decisions


def plan_exec(name: str, service: Service, production: bool, log: Decisions) -> bool:
    """``enableExecuteCommand`` of ``name``'s ECS service in this environment."""
    key = f"services.{name}.exec"
    if service.type == "job":
        return log.decide(key, False, "a job's task ends with its run: nothing to exec into")
    if service.exec is True:
        return log.decide(
            key,
            True,
            "the spec allows ECS Exec (`exec: true`)"
            + (
                ", in production too: every session is a shell in a production task"
                if production
                else ""
            ),
            exec=True,
        )
    if service.exec is False:
        return log.decide(key, False, "the spec turns ECS Exec off (`exec: false`)", exec=False)
    if production:
        return log.decide(
            key,
            False,
            "production tasks take no shell by default (PCI DSS 4.0 req 2.2.4: no function "
            "the application does not need); `exec: true` on the service allows it",
        )
    return log.decide(
        key,
        True,
        "outside production `shipspec exec` may open a shell in a running task; "
        "`exec: false` on the service turns it off",
    )
