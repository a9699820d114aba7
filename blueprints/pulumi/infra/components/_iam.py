"""IAM roles for the components, built in one place so they are all least-privilege.

The IAM policy language is JSON, so statements are plain dicts (the one exception to
"typed Args everywhere"); every policy document passes through ``policy_document``,
which rejects wildcard actions and ``"Resource": "*"`` in Allow statements once the
ARNs are known, so a broad grant fails the deployment instead of shipping. The one
exception is a statement whose every action takes no resource ARN at all (the Service
Authorization Reference lists no resource type for it), where ``*`` is the only form.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

# Commercial partition only; GovCloud and China use a different ARN prefix.
AWS_MANAGED_POLICY = "arn:aws:iam::aws:policy/"

# Services whose trust policies support aws:SourceAccount (confused-deputy protection).
_SOURCE_ACCOUNT_AWARE = {
    "ecs-tasks.amazonaws.com",
    "scheduler.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
}


# Actions with no resource type in the Service Authorization Reference: "*" is their only
# Resource. ssmmessages (Amazon Message Gateway Service): the Session Manager channels
# ECS Exec opens.
RESOURCELESS_ACTIONS = frozenset(
    {
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    }
)


def _check_statement(statement: dict[str, Any]) -> dict[str, Any]:
    if statement.get("Effect") != "Allow":
        return statement
    actions = statement.get("Action", [])
    for action in [actions] if isinstance(actions, str) else actions:
        if action == "*" or action.endswith(":*"):
            raise ValueError(f"wildcard action {action!r} in IAM statement {statement}")
    resources = statement.get("Resource", [])
    listed = [actions] if isinstance(actions, str) else list(actions)
    if listed and set(listed) <= RESOURCELESS_ACTIONS:
        return statement
    if "*" in ([resources] if isinstance(resources, str) else resources):
        raise ValueError(f'"Resource": "*" in IAM statement {statement}')
    return statement


def policy_document(statements: pulumi.Input[Sequence[dict[str, Any]]]) -> pulumi.Output[str]:
    """Render statements (values may be Outputs) as a checked IAM policy document."""

    def render(resolved: Sequence[dict[str, Any]]) -> str:
        checked = [_check_statement(s) for s in resolved]
        return json.dumps({"Version": "2012-10-17", "Statement": checked})

    return pulumi.Output.from_input(statements).apply(render)


def assume_role_policy(service: str, *, parent: pulumi.Resource) -> pulumi.Output[str]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if service in _SOURCE_ACCOUNT_AWARE:
        account = aws.get_caller_identity_output(
            opts=pulumi.InvokeOutputOptions(parent=parent)
        ).account_id
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account}}
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [statement]})


def service_role(
    name: str,
    *,
    parent: pulumi.Resource,
    service: str,
    description: str,
    managed_policies: Sequence[str] = (),
    statements: pulumi.Input[Sequence[dict[str, Any]]] | None = None,
) -> aws.iam.Role:
    """A role ``service`` may assume, with AWS managed policies and one inline policy.

    Inline rather than customer-managed policies: they live and die with the role, so
    nothing else in the account can attach them.
    """
    opts = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        name,
        description=description,
        assume_role_policy=assume_role_policy(service, parent=parent),
        opts=opts,
    )
    for policy in managed_policies:
        aws.iam.RolePolicyAttachment(
            f"{name}-{policy.rsplit('/', 1)[-1]}",
            role=role.name,
            policy_arn=f"{AWS_MANAGED_POLICY}{policy}",
            opts=opts,
        )
    if statements is not None:
        aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.name,
            policy=policy_document(statements),
            opts=opts,
        )
    return role


def secret_read_statements(refs: Sequence[pulumi.Input[str]]) -> pulumi.Output[list]:
    """GetSecretValue/GetParameters on exactly the secrets referenced by valueFrom."""

    def build(values: list[str]) -> list[dict[str, Any]]:
        secrets: set[str] = set()
        parameters: set[str] = set()
        for value in values:
            parts = value.split(":")
            service = parts[2] if len(parts) >= 7 and parts[0] == "arn" else None
            if service == "secretsmanager":
                # Drop a ":json-key:version-stage:version-id" suffix: IAM wants the secret.
                secrets.add(":".join(parts[:7]))
            elif service == "ssm":
                parameters.add(value)
            else:
                raise ValueError(f"secret reference {value!r} must be a full ARN")
        statements = []
        if secrets:
            statements.append(
                {
                    "Effect": "Allow",
                    "Action": ["secretsmanager:GetSecretValue"],
                    "Resource": sorted(secrets),
                }
            )
        if parameters:
            statements.append(
                {"Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": sorted(parameters)}
            )
        return statements

    return pulumi.Output.all(*refs).apply(build)
