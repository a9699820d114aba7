"""A one-off task sending one signed request to an OpenSearch domain: the way in for a person.

The domain sits in the private subnets behind a security group that admits only its
consumers, there is no bastion, and ECS Exec is off in production, so nobody could run
``GET _cluster/allocation/explain`` or restore a snapshot. This task definition (no ECS
service: a person starts it with ``aws ecs run-task``, docs/operations/runbook.md "Running
OpenSearch requests") is one more consumer: the domain's group admits its group on 443,
and its task role may call this domain's HTTP API (``es:ESHttp*``) and nothing else.

curl signs the request with SigV4 (``--aws-sigv4 "aws:amz:<region>:es"``), but it does not
read credentials by itself: the script fetches the task role's temporary credentials from
the ECS agent (``169.254.170.2`` + ``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI``, which ECS
sets in a task with a role), passes the key pair with ``--user`` and the session token as
the ``x-amz-security-token`` header (curl signs it with the other ``x-amz-`` headers).
``SEARCH_METHOD``, ``SEARCH_PATH`` and ``SEARCH_BODY`` (JSON, empty for none) say what to
send; the response goes to the log group; the exit code is curl's (``--fail-with-body``:
22 on an HTTP error, with the body logged).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from ._iam import service_role
from ._names import original_name
from ._one_off import Container, Datastore, OneOffTask, execution_role, network, task_definition
from .search_domain import HTTP_ACTIONS

CONTAINER = "search-admin"

# sh (busybox in the curl image): read the task role's credentials, then one signed request.
SCRIPT = "\n".join(
    [
        "set -eu",
        "creds=$(curl --silent --show-error --fail "
        '"http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")',
        # A field of the agent's one-line JSON answer: "Name":"value".
        "field() { printf '%s' \"$creds\" | "
        'sed -n "s/.*\\"$1\\" *: *\\"\\([^\\"]*\\)\\".*/\\1/p"; }',
        'set -- --silent --show-error --fail-with-body --aws-sigv4 "aws:amz:$AWS_REGION:es" '
        '--user "$(field AccessKeyId):$(field SecretAccessKey)" '
        '-H "x-amz-security-token: $(field Token)" -X "$SEARCH_METHOD"',
        'if [ -n "${SEARCH_BODY:-}" ]; then set -- "$@" -H "Content-Type: application/json" '
        '--data-binary "$SEARCH_BODY"; fi',
        'exec curl "$@" "$SEARCH_ENDPOINT$SEARCH_PATH"',
    ]
)


class SearchAdmin(OneOffTask):
    """Fargate task definition sending one SigV4-signed request to ``domain``.

    Args:
        name: Component name (``<domain>-admin``), prefix of every child resource name.
        domain: The ``SearchDomain`` component it calls.
        vpc_id: VPC of the task.
        image: The curl image, pinned by digest.
        log_retention_days: CloudWatch Logs retention of its output.
        kms_key_arn: Customer-managed KMS key (``DataKey``) encrypting its logs.
    """

    def __init__(
        self,
        name: str,
        *,
        domain: Any,
        vpc_id: pulumi.Input[str],
        image: str,
        log_retention_days: int = 30,
        kms_key_arn: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:SearchAdmin", name, None, opts)
        kept = original_name(name, opts)
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region

        # The image registry, CloudWatch Logs and the domain are all HTTPS: no other rule out.
        log_group, sg = network(
            self,
            name,
            kept,
            to=Datastore(domain),
            vpc_id=vpc_id,
            description=f"{kept} one-off task: HTTPS only",
            https_to="the image registry, CloudWatch Logs and the domain",
            log_retention_days=log_retention_days,
            kms_key_arn=kms_key_arn,
        )

        role = execution_role(self, name, kept, does="pull curl, write logs")
        # What the request is signed with: this domain's HTTP API, nothing else.
        task_role = service_role(
            f"{name}-task-role",
            parent=self,
            service="ecs-tasks.amazonaws.com",
            description=f"{kept}: HTTP requests to one OpenSearch domain",
            statements=[
                {
                    "Effect": "Allow",
                    "Action": HTTP_ACTIONS,
                    "Resource": [domain.arn, pulumi.Output.concat(domain.arn, "/*")],
                }
            ],
        )
        environment: dict[str, pulumi.Input[str]] = {
            "AWS_REGION": region,
            "SEARCH_ENDPOINT": domain.endpoint,
            "SEARCH_METHOD": "GET",
            "SEARCH_PATH": "/_cluster/health",
            "SEARCH_BODY": "",
        }
        task_definition(
            self,
            name,
            kept,
            container=Container(CONTAINER, image, SCRIPT, environment),
            log_group=log_group,
            security_group=sg,
            region=region,
            execution_role_arn=role.arn,
            task_role_arn=task_role.arn,
        )
