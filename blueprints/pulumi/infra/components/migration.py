"""A service's schema migration: its own image and variables, run once as a one-off task.

Migrations need DDL rights, which only the master user has: the services' own database
users (every environment of a spec under PCI DSS, HIPAA or SOC 2) get DML only. So the
migration is a task definition of its own, never the service's: the service's image
(``migration_image``, which CI points at the new image before the service rolls to it),
command and variables, and for each SQL database it uses ``<PREFIX>_USERNAME`` /
``<PREFIX>_PASSWORD`` injected from the RDS-managed master secret (and
``<PREFIX>_SECRET_ARN`` to read it again) instead of the service's IAM user (and under the
former name's prefix too while a rename is in the spec, ``Use.former``). Those databases
admit its security group as they admit the service's; the service's other datastores only
pass their connection variables (so the app's configuration loads), with no network path or
IAM grant to them.

``command`` is the exact argv the task runs, replacing the image's ENTRYPOINT and CMD (as a
Kubernetes container's ``command`` does): ECS's ``command`` alone replaces only the CMD, so an
image with ``ENTRYPOINT ["/server"]`` would run ``/server ./bin/migrate up``, the server, not
the migration. Its first word is the container's ``entryPoint``, the rest (possibly none)
its ``command``, always set so the image's CMD is not the arguments. From the service's
container it keeps the working directory (a relative ``./bin/migrate`` resolves there), the
user and a read-only root file system (with the same writable ``/tmp``); not its health
check, sidecars, mounts or stop timeout. The deploy job runs it with ``aws ecs run-task``
between a first ``pulumi up`` that registers it with the new image and the one that rolls
the services (docs/delivery.md in the shipspec repository).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from ._containers import Container
from ._datastore import Datastore, Use, as_use, credential, prefixes
from ._fargate import create_task
from .database import Database


class Migration(pulumi.ComponentResource):
    """One-off Fargate task definition running ``command`` with the master credentials.

    Args:
        name: Component name (``<service>-migrate``), also the container's name.
        vpc_id: VPC of the task.
        image: The image to migrate with (the service's, pinned by tag or digest).
        command: The migration's exact argv, e.g. ``["python", "manage.py", "migrate"]``:
            the first word replaces the image's ENTRYPOINT, the rest its CMD.
        cpu, memory: Task size (the service's).
        environment, secrets: The service's own variables and secret references.
        uses: The service's datastores; SQL databases hand the master credentials.
        log_retention_days, cpu_architecture, kms_key_arn, image_credentials: as the service's.
        service_container: The service's stack config ``container`` (camelCase, as ECS names
            the fields): its ``workingDirectory``, ``user`` and ``readonlyRootFilesystem``
            apply to the migration too.
    """

    family: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        vpc_id: pulumi.Input[str],
        image: pulumi.Input[str],
        command: Sequence[str],
        cpu: int,
        memory: int,
        environment: Mapping[str, pulumi.Input[str]],
        uses: Mapping[str, Datastore | Use],
        secrets: Mapping[str, pulumi.Input[str]] | None = None,
        log_retention_days: int = 30,
        cpu_architecture: str = "X86_64",
        kms_key_arn: pulumi.Input[str] | None = None,
        image_credentials: pulumi.Input[str] | None = None,
        service_container: Mapping[str, Any] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:Migration", name, None, opts)
        if not command:
            raise ValueError("command must name the migration to run")
        service = service_container or {}
        wired: dict[str, Datastore | Use] = {}
        master: dict[str, pulumi.Input[str]] = {}
        variables = dict(environment)
        for prefix, used in sorted(uses.items()):
            use = as_use(used)
            # After a rename, under the former name's prefix too (Use.former).
            names = prefixes(prefix, use)
            if isinstance(use.store, Database):
                # The master user (DDL), not the service's own DML-only user.
                wired[prefix] = Use(use.store, former=use.former)
                for variable in names:
                    master[f"{variable}_USERNAME"] = credential(use.store, "username")
                    master[f"{variable}_PASSWORD"] = credential(use.store, "password")
            else:
                # Its connection variables, so the app's configuration loads as the
                # service's does; but no network path, no IAM grant, no credential.
                for variable in names:
                    variables.update(use.store.environment(variable, use))
        if not master:
            raise ValueError(f"{name}: a migration needs a PostgreSQL, MySQL or MariaDB database")
        task = create_task(
            self,
            name,
            vpc_id=vpc_id,
            image=image,
            cpu=cpu,
            memory=memory,
            port=None,
            environment=variables,
            secrets={**(secrets or {}), **master},
            uses=wired,
            log_retention_days=log_retention_days,
            cpu_architecture=cpu_architecture,
            image_credentials=image_credentials,
            kms_key_arn=kms_key_arn,
            container=Container(
                # The exact argv: the image's ENTRYPOINT and CMD both replaced.
                entry_point=[command[0]],
                command=list(command[1:]),
                working_directory=service.get("workingDirectory"),
                user=service.get("user"),
                readonly_root_filesystem=bool(service.get("readonlyRootFilesystem", False)),
            ),
        )
        self.family = task.task_definition.family
        self.security_group_id = task.security_group.id
        self.log_group_name = task.log_group.name
        self.register_outputs(
            {
                "family": self.family,
                "security_group_id": self.security_group_id,
                "log_group_name": self.log_group_name,
            }
        )
