"""Per-environment overrides from the spec (``environments.<env>.services/datastores``).

A service's override replaces its cpu, memory and scaling (and merges ``env``) before
the service is planned, so every rule (Fargate rounding, availability floors) still
applies; the decisions it changed say the spec set them. A datastore's override
replaces the planned class, storage and backups after planning.
"""

from __future__ import annotations

from ..spec.models import DatastoreOverride, Service, ServiceOverride
from .decisions import Decisions
from .model import DatastorePlan, ServicePlan
from .search_sql import outgrown_express

_SERVICE_KEYS = {
    "cpu": ("size",),
    "memory": ("size",),
    "scaling": ("min_count", "max_count", "desired_count", "cpu_target"),
    "egress": ("egress",),
}


def overridden_service(service: Service, override: ServiceOverride | None) -> Service:
    """The service as this environment runs it."""
    if override is None:
        return service
    update: dict[str, object] = {
        field: getattr(override, field)
        for field in ("cpu", "memory", "scaling")
        if getattr(override, field) is not None
    }
    if override.env:
        update["env"] = {**service.env, **override.env}
    if override.egress is not None:  # replaces the list: `[]` removes them here
        update["egress"] = override.egress
    return service.model_copy(update=update)


def note_service_override(
    env: str, name: str, override: ServiceOverride | None, plan: ServicePlan, log: Decisions
) -> None:
    if override is None:
        return
    set_fields = sorted(override.model_fields_set)
    keys = {
        f"services.{name}.{key}" for field in set_fields for key in _SERVICE_KEYS.get(field, ())
    }
    where = f"environments.{env}.services.{name}"
    log.annotate(keys, f"set in the spec for {env}: {where}")
    if override.env:
        log.decide(
            f"services.{name}.env",
            plan.env,
            f"set in the spec for {env}: {where}.env over the service's env",
            overridden=sorted(override.env),
        )


def apply_datastore_override(
    env: str,
    plan: DatastorePlan,
    override: DatastoreOverride | None,
    production: bool,
    log: Decisions,
) -> DatastorePlan:
    """The planned datastore with this environment's class, storage, backups and import id."""
    if override is None:
        return plan
    key, where = f"datastores.{plan.name}", f"environments.{env}.datastores.{plan.name}"
    update: dict[str, object] = {}
    if override.instance_class is not None:
        update["instance_class"] = log.override(
            f"{key}.instance_class",
            override.instance_class,
            f"set in the spec for {env}: {where}.instance_class",
        )
    if override.storage_gb is not None:
        storage = log.override(
            f"{key}.storage_gb",
            override.storage_gb,
            f"set in the spec for {env}: {where}.storage_gb",
        )
        update["storage_gb"] = storage
        update["max_storage_gb"] = log.override(
            f"{key}.max_storage_gb",
            # RDS takes 0 for "no autoscaling"; a ceiling equal to the allocation is refused.
            storage * 2 if production else 0,
            "production: storage autoscaling up to twice the allocation"
            if production
            else "non-production: no storage autoscaling",
            storage_gb=storage,
        )
        if plan.engine == "sqlserver" and not production:
            update |= outgrown_express(
                plan.model_copy(update=update), where, override.instance_class is not None, log
            )
    if override.backup_days is not None:
        update["backup_days"] = log.override(
            f"{key}.backup_days",
            override.backup_days,
            f"set in the spec for {env}: {where}.backup_days",
        )
    if override.import_id is not None:
        update["import_id"] = log.decide(
            f"{key}.import_id",
            override.import_id,
            f"set in the spec for {env}: {where}.import_id; the stack adopts the existing "
            "resource (Pulumi import) and names it by that id, so `pulumi preview` shows it as "
            "an import and lists every input that differs (docs/adopt.md)",
        )
    return plan.model_copy(update=update)
