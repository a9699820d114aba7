"""The stack config of a service's container plan and of the stack's volumes.

Written to ``Pulumi.<env>.yaml`` in ECS's own field names (camelCase), beside the plan's
reasons, and read back by ``Container.from_config`` in the generated program.
"""

from __future__ import annotations

from typing import Any

from ...plan.container_model import ContainerPlan, VolumePlan

# What the program's Container carries (architecture and capacity are their own keys).
_CONTAINER_FIELDS = set(ContainerPlan.model_fields) - {
    "cpu_architecture",
    "capacity_providers",
    "writable_tmp",  # the component adds /tmp itself for a read-only root
}
_DEFAULTS = ContainerPlan().model_dump(include=_CONTAINER_FIELDS)


def customized(plan: ContainerPlan) -> bool:
    """Whether the program passes a ``Container``: anything but the image's defaults."""
    return plan.model_dump(include=_CONTAINER_FIELDS) != _DEFAULTS


def container_config(plan: ContainerPlan) -> dict[str, Any]:
    """``cpuArchitecture``, ``capacityProviders`` and, when anything differs from the
    image's defaults, ``container``."""
    values: dict[str, Any] = {
        "cpuArchitecture": plan.cpu_architecture,
        "capacityProviders": [
            {"capacityProvider": c.capacity_provider, "weight": c.weight, "base": c.base}
            for c in plan.capacity_providers
        ]
        if plan.capacity_providers
        else None,
    }
    container = _settings(plan)
    if container:
        values["container"] = container
    return values


def _settings(plan: ContainerPlan) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "command": plan.command,
        "entryPoint": plan.entry_point,
        "workingDirectory": plan.working_directory,
        "user": plan.user,
        "healthCheck": plan.health_check,
        "stopTimeout": plan.stop_timeout,
        "readonlyRootFilesystem": plan.readonly_root_filesystem or None,
        "ephemeralStorageGb": plan.ephemeral_storage_gb,
        "dependsOn": plan.depends_on or None,
        "sidecars": [
            {
                key: value
                for key, value in {
                    "name": s.name,
                    "image": s.image,
                    "port": s.port,
                    "environment": s.env or None,
                    "command": s.command,
                    "essential": s.essential,
                    "healthCheck": s.health_check,
                    "dependsOn": s.depends_on or None,
                }.items()
                if value is not None
            }
            for s in plan.sidecars
        ]
        or None,
        "mounts": [m.model_dump() for m in plan.mounts] or None,
    }
    return {key: value for key, value in settings.items() if value is not None}


def volume_config(volume: VolumePlan) -> dict[str, Any]:
    return {"backupDays": volume.backup_days, "protect": volume.protect}
