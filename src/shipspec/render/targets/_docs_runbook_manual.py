"""The runbook's "Before a manual `pulumi up`" section, and the link every manual step gives.

The committed stack config names each service CI builds as ``<app>/<service>:set-by-ci``
(and its ``migrationImage`` the same): the pipeline sets the real image with
``pulumi config set --path`` before its own ``pulumi up`` and never commits it. A person who
runs ``pulumi up`` by hand from the repository (``--refresh``, ``--replace <URN>``, to restore
something edited by hand) would deploy those placeholders, which no registry serves: a new
task definition ECS cannot pull, a failing canary in the middle of an incident. The section
sets them to what ECS runs now first (the same describe-services → describe-task-definition
look-up the handoff's rollback section gives), and every manual ``pulumi up`` step links it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...plan.model import DeploymentModel

TITLE = "Before a manual `pulumi up`"
ANCHOR = "before-a-manual-pulumi-up"
# Appended to every runbook step that says to run `pulumi up` by hand.
FIRST = f"(first: [{TITLE}](#{ANCHOR}))"


@dataclass(frozen=True)
class ManualUp:
    services: list[str]  # built, with an ECS service: the image it runs now
    jobs: list[str]  # built scheduled jobs: no ECS service, the image the last deploy set
    migrations: list[str]  # built services with `migrate`: migrationImage follows image


def manual_up(model: DeploymentModel) -> ManualUp:
    built = [s for s in model.production.services if s.build_context]
    return ManualUp(
        services=[s.name for s in built if s.kind != "job"],
        jobs=[s.name for s in built if s.kind == "job"],
        migrations=[s.name for s in built if s.migrate],
    )
