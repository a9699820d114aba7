"""The planned container settings of a service and the stack's persistent volumes.

Kept apart from :mod:`.model` (which imports it last, as it does the monitoring plan) so
the container plan reads in one place; :mod:`.container` decides the values.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .frozen import Frozen

CpuArchitecture = Literal["X86_64", "ARM64"]


class SidecarPlan(Frozen):
    """A container beside the app, as its ECS container definition takes it."""

    name: str
    image: str
    port: int | None = None
    env: dict[str, str] = Field(default_factory=dict)
    command: list[str] | None = None
    essential: bool = True
    health_check: dict[str, Any] | None = None  # ECS HealthCheck, camelCase
    depends_on: dict[str, str] = Field(
        default_factory=dict
    )  # container name -> START | COMPLETE | SUCCESS | HEALTHY


class MountPlan(Frozen):
    """A top-level volume mounted into the app container through its own access point,
    onto the volume's one shared directory as the volume's one POSIX identity."""

    volume: str
    path: str  # where the container sees it
    root: str  # the access point's root directory: the volume's, the same for every service
    uid: int  # the access point's POSIX user: every file operation runs as it
    gid: int


class CapacityProviderItem(Frozen):
    capacity_provider: Literal["FARGATE", "FARGATE_SPOT"]
    weight: int
    base: int = 0


class ContainerPlan(Frozen):
    """How the app container runs, in ECS terms; None / empty leaves the image's own."""

    command: list[str] | None = None
    entry_point: list[str] | None = None
    working_directory: str | None = None
    user: str | None = None
    health_check: dict[str, Any] | None = None  # ECS HealthCheck, camelCase
    stop_timeout: int | None = None
    readonly_root_filesystem: bool = False
    # A read-only root gets a task-scoped scratch volume on /tmp (see plan.container).
    writable_tmp: bool = False
    ephemeral_storage_gb: int | None = None
    sidecars: list[SidecarPlan] = Field(default_factory=list)
    depends_on: dict[str, str] = Field(default_factory=dict)
    mounts: list[MountPlan] = Field(default_factory=list)
    cpu_architecture: CpuArchitecture = "X86_64"
    # None: the FARGATE launch type (on-demand); else the ECS capacity provider strategy.
    capacity_providers: list[CapacityProviderItem] | None = None


class VolumePlan(Frozen):
    """``volumes.<name>``: one encrypted EFS file system, backed up by AWS Backup."""

    name: str
    backup_days: int
    mounted_by: list[str]  # services, each with its own access point onto the same root
    root: str  # the one directory every access point is rooted at
    uid: int  # the one POSIX identity every mounting service reads and writes as
    gid: int
    protect: bool  # Pulumi refuses to delete or replace it
