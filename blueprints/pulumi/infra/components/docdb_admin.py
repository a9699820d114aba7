"""A one-off task that runs mongosh on a DocumentDB cluster as its primary user.

Under PCI DSS, HIPAA or SOC 2 each service signs in to the cluster as its own user: its
task role, authenticated with MONGODB-AWS (Amazon DocumentDB Developer Guide,
"Authentication using IAM identity"; instance-based clusters of version 5.0). Only the
primary user can create those users (``use $external; db.createUser({user: <role ARN>,
mechanisms: ["MONGODB-AWS"], roles: [...]})``), and it cannot sign in with IAM itself;
nobody can reach the cluster from outside (its security group admits only its consumers, no
bastion, ECS Exec off in production). So this task definition (no ECS service: the deploy
job runs it before the services roll, or a person with ``aws ecs run-task``) is one more
consumer: the cluster's group admits its group on 27017, and the ECS agent injects the
primary user's name and password from the DocumentDB-managed secret, the only secret its
execution role may read. It has no task role: it calls no AWS API.

Two containers: ``ca-bundle`` (curl, not essential) fetches AWS's RDS/DocumentDB CA bundle
over HTTPS (verified against curl's own CA store) into a task-scoped volume and exits; only
after it exited 0 does ``db-admin`` start (``dependsOn`` SUCCESS). mongosh then connects
with ``tls=true&tlsCAFile=<the bundle>``, so the cluster's certificate is verified, runs
``ADMIN_JS`` (``--nodb --eval``: the script opens its own connection from the variables)
and exits: 0 when every command succeeded, non-zero at the first error. The users come from
``ADMIN_USERS``, a JSON list of ``{"service", "role"}`` with each consuming service's task
role ARN, exactly as DocumentDB matches a signed-in role (the roles have no path).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from ._datastore import credential
from ._iam import secret_read_statements
from ._names import original_name
from ._one_off import (
    CA_FILE,
    CaBundle,
    Container,
    Datastore,
    OneOffTask,
    execution_role,
    network,
    task_definition,
)

CONTAINER = "db-admin"

# mongosh reads everything from the environment; its own shell never sees the password.
SCRIPT = 'exec mongosh --nodb --quiet --eval "$ADMIN_JS"'


class DocumentDbAdmin(OneOffTask):
    """Fargate task definition running mongosh on ``cluster`` as its primary user, over TLS.

    Args:
        name: Component name (``<cluster>-admin``), prefix of every child resource name.
        cluster: The ``DocumentDB`` component it connects to.
        vpc_id: VPC of the task.
        image: The image with mongosh (``mongo``), pinned by digest.
        ca_image: The image with curl that fetches the CA bundle, pinned by digest.
        ca_bundle_url: AWS's CA bundle (``global-bundle.pem``).
        database: The application database the services' users may read and write.
        script: The JavaScript mongosh runs by default (``ADMIN_JS``).
        users: Service name → its task role's ARN: each gets its own ``$external`` user.
        log_retention_days: CloudWatch Logs retention of its output.
        kms_key_arn: Customer-managed KMS key (``DataKey``) encrypting its logs.
    """

    def __init__(
        self,
        name: str,
        *,
        cluster: Any,
        vpc_id: pulumi.Input[str],
        image: str,
        ca_image: str,
        ca_bundle_url: str,
        database: str,
        script: str,
        users: Mapping[str, pulumi.Input[str]],
        log_retention_days: int = 30,
        kms_key_arn: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:DocumentDbAdmin", name, None, opts)
        if not script.strip():
            raise ValueError("script must hold the JavaScript mongosh runs")
        kept = original_name(name, opts)
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region

        log_group, sg = network(
            self,
            name,
            kept,
            to=Datastore(cluster, cluster.port, "cluster", "To the DocumentDB cluster"),
            vpc_id=vpc_id,
            description=f"{kept} one-off task: the cluster port only",
            https_to="the image registry, Secrets Manager, CloudWatch Logs and the AWS CA bundle",
            log_retention_days=log_retention_days,
            kms_key_arn=kms_key_arn,
        )

        refs = {
            "DOCDB_USERNAME": credential(cluster, "username"),
            "DOCDB_PASSWORD": credential(cluster, "password"),
        }
        role = execution_role(
            self,
            name,
            kept,
            does="pull the clients, write logs, read the secret",
            statements=secret_read_statements(list(refs.values())),
        )
        ordered = sorted(users.items())
        admin_users = pulumi.Output.all(*[role for _, role in ordered]).apply(
            lambda arns: json.dumps(
                [{"service": s, "role": arn} for (s, _), arn in zip(ordered, arns, strict=True)]
            )
        )
        environment: dict[str, pulumi.Input[str]] = {
            "DOCDB_HOST": cluster.endpoint,
            "DOCDB_PORT": str(cluster.port),
            "DOCDB_NAME": database,
            "DOCDB_CA_FILE": CA_FILE,
            "ADMIN_USERS": admin_users,
            "ADMIN_JS": script,
        }
        task_definition(
            self,
            name,
            kept,
            container=Container(CONTAINER, image, SCRIPT, environment, secrets=refs),
            log_group=log_group,
            security_group=sg,
            region=region,
            execution_role_arn=role.arn,
            ca_bundle=CaBundle(ca_image, ca_bundle_url),
        )
