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
* each volume's one root directory and POSIX identity, which every mounting service's
  EFS access point shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from ..spec.container import STOP_TIMEOUT, HealthCheck
from ..spec.models import HandoffSpec, Service
from ..spec.volumes import volume_owner
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
from .platforms import arm64_source, repository


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
    owners: Mapping[str, VolumeOwner],
    *,
    consumes_queue: bool = False,
) -> ContainerPlan:
    """``owners``: each volume's shared root and identity (:func:`volume_owners`)."""
    key = f"services.{name}"
    mounts = [_mount(name, volume, path, owners, log) for volume, path in service.volumes.items()]
    writable_tmp = service.read_only_root_filesystem and "/tmp" not in service.volumes.values()
    if writable_tmp:
        log.decide(
            f"{key}.writable_tmp",
            True,
            "read-only root file system: /tmp is a task-scoped volume (Fargate ephemeral "
            "storage, gone with the task) so programs that write temporary files still run "
            "while the image itself cannot be changed",
        )
    architecture = _architecture(name, service, log)
    capacity = _capacity(name, service, production, min_count, architecture, log)
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
        cpu_architecture=architecture,
        capacity_providers=capacity,
    )


def _architecture(name: str, service: Service, log: Decisions) -> CpuArchitecture:
    """ARM64 only when every container of the task can run on it: a task has one
    architecture, and a container whose image has no ``linux/arm64`` manifest fails to
    start there (``exec format error``)."""
    key = f"services.{name}.cpu_architecture"
    sidecar_images = [s.image for s in service.sidecars.values()]
    if service.platform == "x86_64":
        return log.decide(key, "X86_64", "platform: x86_64 in the spec")
    if service.platform == "arm64":
        # The spec's word covers the app's image, and a sidecar running the same repository
        # (a migration step from the app's own image, say); other images must be known.
        own = repository(service.image) if service.image else None
        unknown = [
            image
            for image in sidecar_images
            if arm64_source(image) is None and repository(image) != own
        ]
        if unknown:
            return log.decide(
                key,
                "X86_64",
                f"platform: arm64 in the spec, but sidecar image {', '.join(unknown)} is not "
                "known to publish linux/arm64 (plan/platforms.py), and every container of a "
                "task runs on its one architecture: x86_64, where they all start; use a "
                "sidecar image that publishes linux/arm64 for Graviton",
                platform=service.platform,
                images=sidecar_images,
            )
        how = " (CI builds it for linux/arm64)" if service.build else ""
        known = "; ".join(
            f"{image}: {arm64_source(image) or 'the app image'}" for image in sidecar_images
        )
        return log.decide(
            key,
            "ARM64",
            f"platform: arm64 in the spec{how}"
            + (f"; every sidecar image publishes linux/arm64 ({known})" if known else ""),
            platform=service.platform,
            images=sidecar_images,
        )
    if service.image is None:
        return log.decide(
            key,
            "X86_64",
            "built from source: its base image and native dependencies are not known to "
            "build for arm64; set `platform: arm64` to build and run it on Graviton",
        )
    images = [service.image, *sidecar_images]
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
    name: str,
    service: Service,
    production: bool,
    min_count: int,
    architecture: CpuArchitecture,
    log: Decisions,
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
            + (" (spot: true in the spec)" if asked else " (set spot: false to opt out)")
            + _spot_arm64(architecture),
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
            "set serving users must survive it); only tasks autoscaling adds run on Spot"
            + _spot_arm64(architecture),
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
        "message is redelivered, a job runs again on schedule) at Spot's price"
        + _spot_arm64(architecture),
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


# ECS API reference, CapacityProviderStrategyItem (botocore's ``ecs`` model carries the
# same text; tests/plan/test_container.py checks it still does). Older pages said
# FARGATE_SPOT ran X86_64 only.
FARGATE_SPOT_ARM64 = (
    "FARGATE_SPOT supports Linux tasks with the ARM64 architecture on platform version "
    "1.4.0 or later"
)
FARGATE_SPOT_SOURCE = (
    "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/"
    "API_CapacityProviderStrategyItem.html"
)


def _spot_arm64(architecture: CpuArchitecture) -> str:
    """What an ARM64 service on Spot rests on, for the decision's reason."""
    if architecture != "ARM64":
        return ""
    return (
        f'; ARM64 on Spot: "{FARGATE_SPOT_ARM64}" (ECS API reference, '
        f"CapacityProviderStrategyItem, {FARGATE_SPOT_SOURCE}), and its tasks run platform "
        "version LATEST (1.4.0 for Linux)"
    )


class VolumeOwner(NamedTuple):
    root: str  # the directory every access point of the volume is rooted at
    uid: int
    gid: int


def volume_owners(spec: HandoffSpec, log: Decisions) -> dict[str, VolumeOwner]:
    """Each volume's one root directory and POSIX identity, shared by every mounting service.

    A compose named volume that two services mount is one set of files both see, and so
    is this: every access point of the volume is rooted at ``/<volume>`` (created owned
    by the identity, mode 0750) and runs every file operation as the same POSIX user
    (``spec/volumes.py`` says which). Each service keeps an access point of its own, so
    its task role may mount through that one only.
    """
    owners = {}
    for name, volume in spec.volumes.items():
        users = {s: svc.user for s, svc in spec.services.items() if name in svc.volumes}
        uid, gid, why = volume_owner(name, volume.uid, volume.gid, users)
        root = f"/{name}"
        log.decide(
            f"volumes.{name}.owner",
            {"root": root, "uid": uid, "gid": gid},
            f"{why}; every mounting service's access point is rooted at {root} and reads and "
            "writes as it, so they share one set of files"
            + (f" ({', '.join(sorted(users))})" if len(users) > 1 else ""),
            uid=volume.uid,
            gid=volume.gid,
            users=users,
        )
        owners[name] = VolumeOwner(root, uid, gid)
    return owners


def _mount(
    name: str, volume: str, path: str, owners: Mapping[str, VolumeOwner], log: Decisions
) -> MountPlan:
    owner = owners[volume]
    log.decide(
        f"services.{name}.volumes.{volume}",
        {"path": path, "root": owner.root},
        f"mounted at {path} through an access point of its own, onto {volume}'s shared "
        f"{owner.root} as {owner.uid}:{owner.gid}",
    )
    return MountPlan(volume=volume, path=path, root=owner.root, uid=owner.uid, gid=owner.gid)


def plan_volumes(
    spec: HandoffSpec, production: bool, log: Decisions, owners: Mapping[str, VolumeOwner]
) -> list[VolumePlan]:
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
        root, uid, gid = owners[name]
        planned.append(
            VolumePlan(
                name=name,
                backup_days=days,
                mounted_by=mounted_by,
                protect=protect,
                root=root,
                uid=uid,
                gid=gid,
            )
        )
    return planned
