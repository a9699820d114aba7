"""What runs in a task besides the image's defaults: command, user, health check,
sidecars, volumes. ``_fargate.create_task`` builds the task definition from these.

Why the settings are what they are:

* A read-only root file system still gets a writable ``/tmp``: a task-scoped volume on
  Fargate's ephemeral storage (gone with the task), since most runtimes write temporary
  files there; everything else in the image stays unchangeable.
* Sidecars log to the service's log group under their own stream prefix, and a
  sidecar's ``port`` is only a port mapping inside the task: no security group rule
  admits another service to it.
* A mounted file system goes through an access point of this service's own, with
  transit encryption and IAM authorization, and the task role may mount and write
  through that access point only. Every access point of one volume has the same root
  directory and POSIX user (the plan's, in the stack config), so the services that mount
  a volume share its files, as services sharing a compose named volume do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from .file_system import NFS_PORT, FileSystem, Mount

TMP_VOLUME = "tmp"


@dataclass(frozen=True)
class Sidecar:
    """A container beside the app: ``essential: false`` for init steps and helpers."""

    name: str
    image: str
    port: int | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    command: Sequence[str] | None = None
    essential: bool = True
    health_check: Mapping[str, Any] | None = None  # ECS HealthCheck
    depends_on: Mapping[str, str] = field(default_factory=dict)  # container -> condition


@dataclass(frozen=True)
class Container:
    """The app container's settings; None leaves the image's own (CMD, WORKDIR, USER)."""

    command: Sequence[str] | None = None
    entry_point: Sequence[str] | None = None
    working_directory: str | None = None
    user: str | None = None
    health_check: Mapping[str, Any] | None = None  # ECS HealthCheck
    stop_timeout: int | None = None  # seconds between SIGTERM and SIGKILL, at most 120
    readonly_root_filesystem: bool = False
    ephemeral_storage_gb: int | None = None  # 21-200; Fargate's default is 20
    sidecars: Sequence[Sidecar] = ()
    depends_on: Mapping[str, str] = field(default_factory=dict)  # sidecar -> condition
    mounts: Sequence[Mount] = ()

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], file_systems: Mapping[str, FileSystem] | None = None
    ) -> Container:
        """The stack config's ``container`` value (camelCase, as ECS names the fields);
        each mount names its volume, found in ``file_systems``."""
        systems = file_systems or {}
        return cls(
            command=config.get("command"),
            entry_point=config.get("entryPoint"),
            working_directory=config.get("workingDirectory"),
            user=config.get("user"),
            health_check=config.get("healthCheck"),
            stop_timeout=config.get("stopTimeout"),
            readonly_root_filesystem=config.get("readonlyRootFilesystem", False),
            ephemeral_storage_gb=config.get("ephemeralStorageGb"),
            sidecars=tuple(
                Sidecar(
                    name=item["name"],
                    image=item["image"],
                    port=item.get("port"),
                    environment=item.get("environment", {}),
                    command=item.get("command"),
                    essential=item.get("essential", True),
                    health_check=item.get("healthCheck"),
                    depends_on=item.get("dependsOn", {}),
                )
                for item in config.get("sidecars", [])
            ),
            depends_on=config.get("dependsOn", {}),
            mounts=tuple(
                Mount(systems[m["volume"]], m["path"], root=m["root"], uid=m["uid"], gid=m["gid"])
                for m in config.get("mounts", [])
            ),
        )


def _dependencies(depends_on: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"containerName": c, "condition": depends_on[c]} for c in sorted(depends_on)]


def app_settings(container: Container) -> dict[str, Any]:
    """The app container definition's keys for ``container`` (the ones it sets)."""
    settings: dict[str, Any] = {}
    for key, value in (
        ("command", container.command),
        ("entryPoint", container.entry_point),
        ("workingDirectory", container.working_directory),
        ("user", container.user),
        ("healthCheck", container.health_check),
        ("stopTimeout", container.stop_timeout),
    ):
        if value is not None:
            settings[key] = list(value) if isinstance(value, list | tuple) else value
    if container.health_check is not None:
        settings["healthCheck"] = dict(container.health_check)
    if container.readonly_root_filesystem:
        settings["readonlyRootFilesystem"] = True
    if container.depends_on:
        settings["dependsOn"] = _dependencies(container.depends_on)
    mount_points = [
        {"sourceVolume": m.file_system.volume_name, "containerPath": m.path, "readOnly": False}
        for m in container.mounts
    ]
    if needs_tmp(container):
        mount_points.append(
            {"sourceVolume": TMP_VOLUME, "containerPath": "/tmp", "readOnly": False}
        )
    if mount_points:
        settings["mountPoints"] = sorted(mount_points, key=lambda p: p["containerPath"])
    return settings


def needs_tmp(container: Container) -> bool:
    return container.readonly_root_filesystem and all(m.path != "/tmp" for m in container.mounts)


def sidecar_definitions(
    container: Container, region: pulumi.Input[str], log_group: pulumi.Input[str]
) -> list[dict[str, Any]]:
    definitions = []
    for sidecar in container.sidecars:
        definition: dict[str, Any] = {
            "name": sidecar.name,
            "image": sidecar.image,
            "essential": sidecar.essential,
            "environment": [
                {"name": k, "value": v} for k, v in sorted(sidecar.environment.items())
            ],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": log_group,
                    "awslogs-region": region,
                    "awslogs-stream-prefix": sidecar.name,
                },
            },
        }
        if sidecar.command is not None:
            definition["command"] = list(sidecar.command)
        if sidecar.port is not None:
            # Reachable inside the task (localhost); no security group rule admits others.
            definition["portMappings"] = [{"containerPort": sidecar.port, "protocol": "tcp"}]
        if sidecar.health_check is not None:
            definition["healthCheck"] = dict(sidecar.health_check)
        if sidecar.depends_on:
            definition["dependsOn"] = _dependencies(sidecar.depends_on)
        definitions.append(definition)
    return definitions


def mount_volumes(
    owner: pulumi.Resource,
    name: str,
    container: Container,
    security_group: aws.ec2.SecurityGroup,
) -> tuple[list[Any], list[dict[str, Any]]]:
    """Access points, NFS rules and task volumes for the mounts; and the task role's
    statements, each allowing mount and write through this service's access point only.

    EFS runs every file operation through an access point as its POSIX user and creates
    its root directory, owned as ``creation_info`` says, on first use: with the volume's
    one root and owner on every service's access point, they all see the same files.
    """
    child = pulumi.ResourceOptions(parent=owner)
    volumes: list[Any] = []
    statements: list[dict[str, Any]] = []
    for mount in container.mounts:
        fs = mount.file_system
        volume = fs.volume_name
        access_point = aws.efs.AccessPoint(
            f"{name}-{volume}-access",
            file_system_id=fs.file_system_id,
            posix_user=aws.efs.AccessPointPosixUserArgs(uid=mount.uid, gid=mount.gid),
            root_directory=aws.efs.AccessPointRootDirectoryArgs(
                path=mount.root,
                creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                    owner_uid=mount.uid, owner_gid=mount.gid, permissions="0750"
                ),
            ),
            tags={"Name": f"{volume}-{name}"},
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-to-{volume}",
            security_group_id=security_group.id,
            referenced_security_group_id=fs.security_group_id,
            ip_protocol="tcp",
            from_port=NFS_PORT,
            to_port=NFS_PORT,
            description=f"NFS to the {volume} file system",
            opts=child,
        )
        fs.allow_from(name, security_group.id)
        volumes.append(
            aws.ecs.TaskDefinitionVolumeArgs(
                name=volume,
                efs_volume_configuration=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationArgs(
                    file_system_id=fs.file_system_id,
                    transit_encryption="ENABLED",
                    authorization_config=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfigArgs(
                        access_point_id=access_point.id, iam="ENABLED"
                    ),
                ),
            )
        )
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                "Resource": fs.arn,
                "Condition": {
                    "StringEquals": {"elasticfilesystem:AccessPointArn": access_point.arn}
                },
            }
        )
    if needs_tmp(container):
        volumes.append(aws.ecs.TaskDefinitionVolumeArgs(name=TMP_VOLUME))
    return volumes, statements
