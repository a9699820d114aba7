"""The IAM roles the generated pipelines assume, with their trust and permission policies.

The one source of the trust policy documents: the handoff prints them per environment,
filled with the repository (``delivery.repository_url``) and the stack names, and a test
checks that shipspec's ``docs/delivery.md`` shows the same documents for its placeholder
names. GitHub binds a role to an environment by the token's subject
(``repo:<owner>/<repo>:environment:<env>``); GitLab cannot (AWS reads only ``aud`` and
``sub``, and ``sub`` names the branch), so each GitLab environment has its own audience,
the CI/CD variable ``AWS_OIDC_AUDIENCE`` scoped to it (docs/delivery.md explains both).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from ...plan.model import DeploymentModel, EnvironmentPlan
from ._pipeline import DEFAULT_BRANCH, drift_environment

ACCOUNT = "<account-id>"  # the environment's AWS account: the identity provider lives there
GITHUB_ISSUER = "token.actions.githubusercontent.com"
STS_AUDIENCE = "sts.amazonaws.com"
# The ECR actions the pipeline's image jobs use (docs/delivery.md, "Setting up AWS access").
ECR_ACTIONS = (
    "ecr:GetAuthorizationToken",
    "ecr:DescribeRepositories",
    "ecr:CreateRepository",
    "ecr:DescribeImages",
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "ecr:BatchGetImage",
)


def trust_policy(
    issuer: str,
    audience: str,
    subjects: str | list[str],
    *,
    account: str = ACCOUNT,
    like: bool = False,
) -> dict[str, Any]:
    """A role's trust policy: ``sts:AssumeRoleWithWebIdentity`` for tokens of the OIDC
    provider ``issuer`` with this ``aud`` and one of these ``sub`` (a pattern with ``like``)."""
    audience_only = {f"{issuer}:aud": audience}
    condition: dict[str, Any] = (
        {"StringEquals": audience_only, "StringLike": {f"{issuer}:sub": subjects}}
        if like
        else {"StringEquals": {**audience_only, f"{issuer}:sub": subjects}}
    )
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::{account}:oidc-provider/{issuer}"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": condition,
            }
        ],
    }


def github_subject(repository: str, context: str) -> str:
    """``repo:OWNER/REPO:environment:prod``, ``...:pull_request``, ``...:ref:refs/heads/main``."""
    return f"repo:{repository}:{context}"


def gitlab_subject(project: str, branch: str) -> str:
    return f"project_path:{project}:ref_type:branch:ref:{branch}"


@dataclass(frozen=True)
class CiRole:
    purpose: str  # what the pipeline uses it for
    variable: str  # where its ARN goes
    trust: dict[str, Any]
    permissions: list[str] = field(default_factory=list)
    shared_with: list[str] = field(default_factory=list)  # other stacks using the same role

    @property
    def trust_json(self) -> str:
        return json.dumps(self.trust, indent=2)


@dataclass(frozen=True)
class StackRoles:
    environment: str
    deploy: CiRole
    read_only: CiRole


def _repository(model: DeploymentModel) -> tuple[str, str]:
    """(issuer host, repository path) from ``delivery.repository_url``, or placeholders."""
    if model.repository_url is None:
        if model.ci == "github":
            return GITHUB_ISSUER, "<owner>/<repo>"
        return "gitlab.com", "<group>/<project>"
    url = urlparse(model.repository_url.removesuffix(".git"))
    path = url.path.strip("/")
    return (GITHUB_ISSUER if model.ci == "github" else url.netloc), path


def ci_issuer(model: DeploymentModel) -> str:
    """The OIDC provider's host: ``token.actions.githubusercontent.com``, or GitLab's."""
    return _repository(model)[0]


def _state(model: DeploymentModel) -> tuple[str, str] | None:
    """(bucket, key prefix) of an S3 state backend; None for Pulumi Cloud."""
    backend = model.state_backend
    if not backend or not backend.startswith("s3://"):
        return None
    bucket, _, prefix = backend.removeprefix("s3://").partition("/")
    prefix = prefix.split("?")[0].strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def deploy_permissions(model: DeploymentModel, env: EnvironmentPlan) -> list[str]:
    """What a deploy role may do, and why it is broad."""
    lines = [
        "**broad rights, by necessity**: `pulumi up` creates, changes and deletes every "
        "resource of the stack (network, load balancers, ECS, datastores, KMS key, alarms, "
        "log groups) and the IAM roles its tasks run as. Give it `AdministratorAccess` in "
        f"{env.name}'s AWS account, or `PowerUserAccess` plus IAM role and policy management "
        "(`iam:CreateRole`, `iam:DeleteRole`, `iam:PutRolePolicy`, `iam:AttachRolePolicy`, "
        "`iam:PassRole`, `iam:CreateServiceLinkedRole`, ...), which can grant itself anything "
        "as well: treat it as that account's administrator, which is why only the "
        f"`{env.name}` environment's deploy job can assume it, and why production belongs "
        "in an account of its own",
    ]
    state = _state(model)
    if state is not None:
        bucket, prefix = state
        lines.append(
            f"the state: `s3:ListBucket` on `arn:aws:s3:::{bucket}` and `s3:GetObject`, "
            f"`s3:PutObject`, `s3:DeleteObject` on `arn:aws:s3:::{bucket}/{prefix}.pulumi/*` "
            "(the stack's state, its history and backups, and the lock files under "
            "`.pulumi/locks/`)"
        )
    else:
        lines.append(
            "the state is in Pulumi Cloud: the job reads it with the environment's "
            "`PULUMI_ACCESS_TOKEN`, no AWS permission"
        )
    if any(s.build_context for s in env.services):
        lines.append(
            f"ECR, for the images it deploys: {', '.join(f'`{a}`' for a in ECR_ACTIONS)} on "
            f"`arn:aws:ecr:{model.region}:{ACCOUNT}:repository/{model.app}/*`"
        )
    return lines


def read_only_permissions(model: DeploymentModel, stacks: list[str]) -> list[str]:
    """What a read-only (preview, drift) role may do."""
    lines = [
        "`ReadOnlyAccess` (where the account holds nothing else: it reads every resource "
        "there), for `pulumi preview --refresh`; nothing that writes"
    ]
    state = _state(model)
    if state is not None:
        bucket, prefix = state
        objects = ", ".join(
            f"`arn:aws:s3:::{bucket}/{prefix}.pulumi/stacks/{model.app}/{s}.json`" for s in stacks
        )
        lines.append(
            f"the state it previews: `s3:ListBucket` on `arn:aws:s3:::{bucket}` and "
            f"`s3:GetObject` on {objects} only"
        )
        guarded = [e.name for e in model.environments if e.production and e.name not in stacks]
        if guarded:
            lines.append(
                "in an account shared with "
                + ", ".join(guarded)
                + ": an explicit `Deny` of `s3:GetObject` on "
                + ", ".join(
                    f"`arn:aws:s3:::{bucket}/{prefix}.pulumi/stacks/{model.app}/{g}.json`"
                    for g in guarded
                )
            )
    else:
        lines.append(
            "the state is in Pulumi Cloud: no AWS permission; a Pulumi access token that can "
            f"only read {', '.join(stacks)}"
        )
    return lines


def ci_roles(model: DeploymentModel) -> list[StackRoles]:
    """Per environment: the deploy role and the read-only role its pipeline jobs assume."""
    issuer, repository = _repository(model)
    previewed = [e.name for e in model.environments if not e.production]
    result = []
    for env in model.environments:
        if model.ci == "github":
            deploy = CiRole(
                "the deploy job (`pulumi up`)",
                f"variable `AWS_ROLE_ARN` of the GitHub environment `{env.name}`",
                trust_policy(
                    issuer, STS_AUDIENCE, github_subject(repository, f"environment:{env.name}")
                ),
                deploy_permissions(model, env),
            )
            if env.production:
                drift = drift_environment(env.name)
                read_only = CiRole(
                    "the nightly drift check",
                    f"variable `AWS_DRIFT_ROLE_ARN` of the GitHub environment `{drift}`",
                    trust_policy(
                        issuer, STS_AUDIENCE, github_subject(repository, f"environment:{drift}")
                    ),
                    read_only_permissions(model, [env.name]),
                )
            else:
                read_only = CiRole(
                    "pull-request previews and the nightly drift check",
                    "repository variable `AWS_PREVIEW_ROLE_ARN`",
                    trust_policy(
                        issuer,
                        STS_AUDIENCE,
                        [
                            github_subject(repository, "pull_request"),
                            github_subject(repository, f"ref:refs/heads/{DEFAULT_BRANCH}"),
                        ],
                    ),
                    read_only_permissions(model, previewed),
                    [e for e in previewed if e != env.name],
                )
        else:
            audience = f"<{env.name}'s AWS_OIDC_AUDIENCE>"
            own = trust_policy(issuer, audience, gitlab_subject(repository, DEFAULT_BRANCH))
            deploy = CiRole(
                "the deploy job (`pulumi up`)",
                f"CI/CD variable `AWS_ROLE_ARN` (protected, scoped to `{env.name}`)",
                own,
                deploy_permissions(model, env),
            )
            if env.production:
                read_only = CiRole(
                    "the nightly drift check",
                    f"CI/CD variable `AWS_PREVIEW_ROLE_ARN` (protected, scoped to `{env.name}`)",
                    own,
                    read_only_permissions(model, [env.name]),
                )
            else:
                read_only = CiRole(
                    "merge-request previews",
                    f"CI/CD variable `AWS_PREVIEW_ROLE_ARN` (not protected, scoped to "
                    f"`{env.name}`)",
                    trust_policy(issuer, STS_AUDIENCE, gitlab_subject(repository, "*"), like=True),
                    read_only_permissions(model, [env.name]),
                )
        result.append(StackRoles(env.name, deploy, read_only))
    return result
