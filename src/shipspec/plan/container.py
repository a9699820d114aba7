"""Container decisions for one service: architecture, Spot, scratch space, mounts.

The spec's container fields (``spec/container.py``) mostly pass through in ECS's terms;
what the plan decides, with its reason in the decisions log, is

* the CPU architecture: arm64 (Graviton, about 20% cheaper per vCPU-hour than x86_64 on
  Fargate) when the spec says so or every image is known to publish ``linux/arm64``
  (``plan/platforms.py``), else x86_64;
* Fargate Spot: outside production by default, and in production only for services the
  spec marks ``spot: true`` (workers and jobs whose work is retried), never for all of a
  production web service's tasks;
* the stop timeout (SIGTERM to SIGKILL): the spec's, else Fargate's maximum of 120 s for
  work that must not be cut short (queue consumers, tasks on Spot), else ECS's 30 s;
* a writable ``/tmp`` for a read-only root file system;
* each volume mount's POSIX user and directory (its EFS access point).
"""

from __future__ import annotations

from ..spec.container import STOP_TIMEOUT, HealthCheck
from ..spec.models import HandoffSpec, Service
from . import rules
from .container_model import (
    CapacityProviderItem,
    ContainerPlan,
    CpuArchitecture,
    MountPlan,
    SidecarPlan,
    VolumePlan,
)
from .decisions import Decisions
from .platforms import arm64_source

# The POSIX user an access point writes as when the spec's `user` is a name, not a uid:
# 1000 is the first regular user most images create (node, python, eclipse-temurin's
# `useradd` defaults), and never root.
DEFAULT_POSIX_ID = 1000


def health_check(check: HealthCheck | None) -> dict[str, object] | None:
    """The spec's health check in ECS's HealthCheck shape."""
    if check is None:
        return None
    return {
        "command": list(check.command),
        "interval": check.interval_seconds,
        "timeout": check.timeout_seconds,
        "retries": check.retries,
        "startPeriod": check.start_period_seconds,
    }


def plan_container(
    name: str,
    service: Service,
    production: bool,
    min_count: int,
    log: Decisions,
    *,
    consumes_queue: bool = False,
) -> ContainerPlan:
    key = f"services.{name}"
    capacity = _capacity(name, service, production, min_count, log)
    mounts = [
        _mount(name, volume, path, service.user, log) for volume, path in service.volumes.items()
    ]
    writable_tmp = service.read_only_root_filesystem and "/tmp" not in service.volumes.values()
    if writable_tmp:
        log.decide(
            f"{key}.writable_tmp",
            True,
            "read-only root file system: /tmp is a task-scoped volume (Fargate ephemeral "
            "storage, gone with the task) so programs that write temporary files still run "
            "while the image itself cannot be changed",
        )
    return ContainerPlan(
        command=service.command,
        entry_point=service.entrypoint,
        working_directory=service.working_dir,
        user=service.user,
        health_check=health_check(service.healthcheck),
        stop_timeout=_stop_timeout(name, service, consumes_queue, capacity, log),
        readonly_root_filesystem=service.read_only_root_filesystem,
        writable_tmp=writable_tmp,
        ephemeral_storage_gb=service.ephemeral_storage_gb,
        sidecars=[
            SidecarPlan(
                name=sidecar_name,
                image=sidecar.image,
                port=sidecar.port,
                env=dict(sorted(sidecar.env.items())),
                command=sidecar.command,
                essential=sidecar.essential,
                health_check=health_check(sidecar.healthcheck),
                depends_on=dict(sorted(sidecar.depends_on.items())),
            )
            for sidecar_name, sidecar in sorted(service.sidecars.items())
        ],
        depends_on=dict(sorted(service.depends_on.items())),
        mounts=mounts,
        cpu_architecture=_architecture(name, service, log),
        capacity_providers=capacity,
    )


def _architecture(name: str, service: Service, log: Decisions) -> CpuArchitecture:
    key = f"services.{name}.cpu_architecture"
    if service.platform is not None:
        arch: CpuArchitecture = "ARM64" if service.platform == "arm64" else "X86_64"
        how = " (CI builds it for linux/arm64)" if service.build and arch == "ARM64" else ""
        return log.decide(key, arch, f"platform: {service.platform} in the spec{how}")
    if service.image is None:
        return log.decide(
            key,
            "X86_64",
            "built from source: its base image and native dependencies are not known to "
            "build for arm64; set `platform: arm64` to build and run it on Graviton",
        )
    images = [service.image, *(s.image for s in service.sidecars.values())]
    unknown = [image for image in images if arm64_source(image) is None]
    if unknown:
        return log.decide(
            key,
            "X86_64",
            f"{', '.join(unknown)} is not known to publish linux/arm64 (plan/platforms.py); "
            "set `platform: arm64` if it does, for Graviton's lower price",
            images=images,
        )
    return log.decide(
        key,
        "ARM64",
        "every image publishes linux/arm64 ("
        + "; ".join(f"{image}: {arm64_source(image)}" for image in images)
        + "): Graviton costs about 20% less per vCPU-hour on Fargate",
        images=images,
    )


def _capacity(
    name: str, service: Service, production: bool, min_count: int, log: Decisions
) -> list[CapacityProviderItem] | None:
    """None: the FARGATE launch type; else a capacity provider strategy with FARGATE_SPOT.

    Spot tasks stop with two minutes' notice (SIGTERM, then SIGKILL after the stop
    timeout) when AWS needs the capacity back. Outside production that costs a restart;
    in production it is fine for work that is retried (a queue message, the next run of
    a job), but a web service whose every task can vanish at once is an outage, so there
    its first ``min_count`` tasks stay on-demand (``base``) and only the tasks autoscaling
    adds run on Spot.
    """
    key = f"services.{name}.capacity"
    asked = service.spot
    spot_only = [CapacityProviderItem(capacity_provider="FARGATE_SPOT", weight=1)]
    if asked is False:
        log.decide(key, "FARGATE", "spot: false in the spec: on-demand Fargate", spot=asked)
        return None
    if not production:
        log.decide(
            key,
            "FARGATE_SPOT",
            "non-production: Fargate Spot, up to 70% cheaper; an interrupted task is replaced"
            + (" (spot: true in the spec)" if asked else " (set spot: false to opt out)"),
            spot=asked,
        )
        return spot_only
    if asked is None:
        log.decide(
            key,
            "FARGATE",
            "production: on-demand Fargate; set spot: true on interruptible workers and jobs",
            spot=asked,
        )
        return None
    if service.type == "web":
        log.decide(
            key,
            f"FARGATE base {min_count}, then FARGATE_SPOT",
            f"spot: true on a production web service: its {min_count} minimum tasks stay "
            "on-demand (a Spot reclaim may stop every Spot task at once, and the only task "
            "set serving users must survive it); only tasks autoscaling adds run on Spot",
            spot=asked,
            min_count=min_count,
        )
        return [
            CapacityProviderItem(capacity_provider="FARGATE", weight=0, base=min_count),
            CapacityProviderItem(capacity_provider="FARGATE_SPOT", weight=1),
        ]
    log.decide(
        key,
        "FARGATE_SPOT",
        f"spot: true on a production {service.type}: interruptible work (a stopped task's "
        "message is redelivered, a job runs again on schedule) at Spot's price",
        spot=asked,
    )
    return spot_only


def _stop_timeout(
    name: str,
    service: Service,
    consumes_queue: bool,
    capacity: list[CapacityProviderItem] | None,
    log: Decisions,
) -> int | None:
    """Seconds between SIGTERM and SIGKILL; None: ECS's default, 30 s on Fargate.

    A queue consumer is stopped while it holds messages (target tracking scales in, a
    deployment replaces it), and a Spot task is reclaimed with two minutes' notice (the
    SIGTERM). Killed 30 s later, a consumer neither finishes nor returns its message, which
    reappears only after its visibility timeout and, after enough of those, lands in the
    dead-letter queue. ContainerDefinition.stopTimeout (botocore's ecs model) allows at
    most 120 s on Fargate, which is also Spot's notice: the longest grace there is.
    """
    key = f"services.{name}.stop_timeout"
    if service.stop_timeout_seconds is not None:
        return log.decide(key, service.stop_timeout_seconds, "stop_timeout_seconds in the spec")
    on_spot = any(c.capacity_provider == "FARGATE_SPOT" for c in capacity or [])
    if not (consumes_queue or on_spot):
        return None
    why = " and ".join(
        part
        for part, applies in (
            (
                "it consumes a queue (scale-in and deployments stop tasks mid-message)",
                consumes_queue,
            ),
            (
                "its tasks run on Fargate Spot (reclaimed with a SIGTERM and 2 minutes' notice)",
                on_spot,
            ),
        )
        if applies
    )
    return log.decide(
        key,
        STOP_TIMEOUT[1],
        f"{why}: {STOP_TIMEOUT[1]} s between SIGTERM and SIGKILL, Fargate's maximum, instead "
        "of ECS's 30 s, so a task that handles SIGTERM can finish its message or return it "
        "to the queue (ChangeMessageVisibility to 0) before it is killed; "
        "stop_timeout_seconds in the spec overrides it",
        consumes_queue=consumes_queue,
        spot=on_spot,
    )


def _mount(name: str, volume: str, path: str, user: str | None, log: Decisions) -> MountPlan:
    """The access point's POSIX user: the spec's numeric ``user``, else 1000.

    EFS enforces the access point's user and group on every file operation, whatever the
    container runs as, and creates the service's own root directory (``/<service>``)
    owned by them: one service's tasks cannot read or overwrite another's files.
    """
    uid = gid = DEFAULT_POSIX_ID
    reason = (
        f"no numeric `user`: files are written as {DEFAULT_POSIX_ID}:{DEFAULT_POSIX_ID}, the first "
        "regular user most images create (set `user: <uid>:<gid>` to choose)"
    )
    if user is not None:
        owner, _, group = user.partition(":")
        if owner.isdigit():
            uid = int(owner)
            gid = int(group) if group.isdigit() else uid
            reason = f"user {user}: files are written as {uid}:{gid}"
    log.decide(
        f"services.{name}.volumes.{volume}",
        {"path": path, "uid": uid, "gid": gid, "root": f"/{name}"},
        reason + f"; its access point's root is /{name}, so services mounting the same "
        "volume keep apart",
        user=user,
    )
    return MountPlan(volume=volume, path=path, uid=uid, gid=gid)


def plan_volumes(spec: HandoffSpec, production: bool, log: Decisions) -> list[VolumePlan]:
    """One encrypted EFS file system per top-level volume, backed up daily."""
    planned = []
    for name, volume in spec.volumes.items():
        mounted_by = sorted(s for s, svc in spec.services.items() if name in svc.volumes)
        default = rules.VOLUME_BACKUP_DAYS_PROD if production else rules.VOLUME_BACKUP_DAYS_NON_PROD
        days = log.decide(
            f"volumes.{name}.backup_days",
            volume.backup_days or default,
            f"backup_days: {volume.backup_days} in the spec"
            if volume.backup_days
            else f"{'production' if production else 'non-production'}: {default} days of daily "
            "AWS Backup recovery points",
            backup_days=volume.backup_days,
        )
        protect = log.decide(
            f"volumes.{name}.protect",
            production,
            "production: Pulumi refuses to delete or replace the file system"
            if production
            else "non-production: the file system may be deleted with the stack",
        )
        planned.append(
            VolumePlan(name=name, backup_days=days, mounted_by=mounted_by, protect=protect)
        )
    return planned
