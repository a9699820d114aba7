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
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlparse

from ...plan.model import DeploymentModel, EnvironmentPlan
from ._pipeline import (
    DEFAULT_BRANCH,
    drift_environment,
    preview_environment,
    preview_role_variable,
)

ACCOUNT = "<account-id>"  # the environment's AWS account: the identity provider lives there
# The account of the images CI builds: the image-push role's, production's (the handoff says why).
REGISTRY_ACCOUNT = "<production account-id>"
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
# The push role also sets each repository's pull policy (plan/image_pulls.ecr_pull_policy),
# so the other environments' accounts may pull.
PUSH_ACTIONS = (*ECR_ACTIONS, "ecr:SetRepositoryPolicy")


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
    name: str = ""  # the role's suggested name (the state bucket's policy names it)
    policy: dict[str, Any] | None = None  # its inline permission policy, besides the managed one

    @property
    def trust_json(self) -> str:
        return json.dumps(self.trust, indent=2)

    @property
    def policy_json(self) -> str:
        return json.dumps(self.policy, indent=2)


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


def state_location(model: DeploymentModel) -> tuple[str, str] | None:
    """(bucket, key prefix ending in ``/`` or empty) of an S3 state backend, else None."""
    return _state(model)


def _state(model: DeploymentModel) -> tuple[str, str] | None:
    """(bucket, key prefix) of an S3 state backend; None for Pulumi Cloud."""
    backend = model.state_backend
    if not backend or not backend.startswith("s3://"):
        return None
    bucket, _, prefix = backend.removeprefix("s3://").partition("/")
    prefix = prefix.split("?")[0].strip("/")
    return bucket, f"{prefix}/" if prefix else ""


# What a Pulumi CLI reads and writes in a DIY (S3) backend with project-scoped stacks (the
# layout of every state created since meta.yaml version 1), from pulumi/pulumi
# pkg/backend/diy: meta.go (readPulumiMeta: `.pulumi/meta.yaml`, read by every command,
# `pulumi login` included; only "not found" is tolerated), store.go (projectReferenceStore:
# `.pulumi/stacks/<project>/<stack>.json[.gz|.zst]`, history and backups under
# `.pulumi/history|backups/<project>/<stack>/`, journal under `.pulumi/journal/...`),
# stack_tags.go (`<stack base path>.pulumi-tags`, read by every preview; only "not found"
# tolerated), state.go (saveCheckpoint keeps the previous state as `<stack>.json.bak`) and
# lock.go (`.pulumi/locks/<fully qualified name>/<lock id>.json`, the fully qualified name
# being `organization/<project>/<stack>`).
META = ".pulumi/meta.yaml"
# The data-source calls the generated program makes during `pulumi preview` that AWS's
# `ReadOnlyAccess` does not grant (the others, ec2:Describe*, route53:Get*/List*,
# sts:GetCallerIdentity, are in it): components/cache.py and components/message_broker.py
# draw their AUTH token and broker password with aws.secretsmanager.get_random_password,
# i.e. secretsmanager:GetRandomPassword, an action with no resource (Resource "*").
PREVIEW_INVOKES = ("secretsmanager:GetRandomPassword",)
# The data-plane reads `ReadOnlyAccess` grants (or might) on what the stacks keep: object
# bodies (its `s3:Get*`), log events (`logs:Get*`, `logs:FilterLogEvents`,
# `logs:StartQuery`, `logs:StartLiveTail`: the CloudWatch Logs part of the AWS managed
# policy reference), queue messages and secret values. A preview or refresh never needs
# them, nor a refresh of a bucket, log group or queue: the provider reads those through
# control-plane calls (s3:GetBucket*, logs:DescribeLogGroups, sqs:GetQueueAttributes). The
# provider's read of an aws.secretsmanager.SecretVersion calls GetSecretValue (even for a
# write-only value), which ReadOnlyAccess lacks anyway. The read-only roles deny them
# explicitly, so a same-repository pull request cannot read production data where the
# stacks share an account.
DATA_READS = (
    "logs:GetLogEvents",
    "logs:GetLogRecord",
    "logs:GetQueryResults",
    "logs:FilterLogEvents",
    "logs:StartQuery",
    "logs:StartLiveTail",
    "sqs:ReceiveMessage",
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
)
OBJECT_READS = ("s3:GetObject", "s3:GetObjectVersion")
READ_MANAGED_SECRET = "secretsmanager:GetSecretValue"
# The secrets whose versions the program manages (aws.secretsmanager.SecretVersion, each a
# child of its component named after the datastore): a refresh of such a version reads its
# value (terraform-provider-aws secretsmanager/secret_version.go, resourceSecretVersionRead
# -> findSecretVersionByTwoPartKey -> GetSecretValue), so `pulumi preview --refresh` (the
# drift check) needs `secretsmanager:GetSecretValue` on them and nothing else. A plain
# `pulumi preview` reads no resource: it needs none.
MANAGED_SECRET_SUFFIXES = {"redis": "auth", "rabbitmq": "credentials"}


def managed_version_secrets(env: EnvironmentPlan) -> list[str]:
    """The logical names of the Secrets Manager secrets whose versions the environment's stack
    manages: a redis cache's AUTH token (``<datastore>-auth``), a RabbitMQ broker's
    credentials (``<datastore>-credentials``). A renamed datastore keeps its secret, autonamed
    from its former name (aliases keep the physical name), so both names are listed."""
    names: list[str] = []
    for d in env.datastores:
        suffix = MANAGED_SECRET_SUFFIXES.get(d.engine)
        if suffix is None:
            continue
        for name in (d.name, d.renamed_from):
            if name and f"{name}-{suffix}" not in names:
                names.append(f"{name}-{suffix}")
    return names


def managed_secret_arns(model: DeploymentModel, env: EnvironmentPlan) -> list[str]:
    """ARN patterns of those secrets: Pulumi autonames a secret ``<logical>-<7 characters>``
    and Secrets Manager appends ``-<6 characters>`` to its ARN, so ``<logical>-*`` matches."""
    return [
        f"arn:aws:secretsmanager:{model.region}:{ACCOUNT}:secret:{name}-*"
        for name in managed_version_secrets(env)
    ]


def state_keys(model: DeploymentModel, stack: str, *, write: bool) -> list[str]:
    """The key patterns of one stack's objects in the state bucket (prefix included): what
    `pulumi preview` reads (``write=False``), or everything `pulumi up` writes."""
    state = _state(model)
    assert state is not None
    _, prefix = state
    project = model.app
    keys = [
        f"{prefix}.pulumi/stacks/{project}/{stack}.json*",  # .json, .json.gz, .json.bak
        f"{prefix}.pulumi/stacks/{project}/{stack}.pulumi-tags",
    ]
    if write:
        keys += [
            f"{prefix}.pulumi/history/{project}/{stack}/*",
            f"{prefix}.pulumi/backups/{project}/{stack}/*",
            f"{prefix}.pulumi/journal/{project}/{stack}/*",
            f"{prefix}.pulumi/locks/organization/{project}/{stack}/*",
        ]
    return keys


def _objects(bucket: str, keys: list[str]) -> list[str]:
    return [f"arn:aws:s3:::{bucket}/{k}" for k in keys]


def _state_statements(
    model: DeploymentModel, stacks: list[str], *, write: bool, principal: str | None = None
) -> list[dict[str, Any]]:
    """Allow statements: list the bucket, read meta.yaml, read (or write) these stacks' objects."""
    state = _state(model)
    assert state is not None
    bucket, prefix = state
    own = [a for s in stacks for a in _objects(bucket, state_keys(model, s, write=write))]
    actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] if write else ["s3:GetObject"]
    statements: list[dict[str, Any]] = [
        # Unconditioned: a missing state file then answers 404, not 403 (S3 HeadObject), so
        # the pipelines can tell a stack not created yet from a denied read. It lists key
        # names only, in a bucket that holds nothing but state.
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/{prefix}{META}",
        },
        {"Effect": "Allow", "Action": actions, "Resource": own},
    ]
    if principal is not None:  # a bucket policy's statement: whom it allows, first
        statements = [
            {"Effect": s["Effect"], "Principal": {"AWS": principal}, **s} for s in statements
        ]
    return statements


def _others(model: DeploymentModel, stacks: list[str]) -> list[str]:
    return [e.name for e in model.environments if e.name not in stacks]


def read_only_policy(model: DeploymentModel, stacks: list[str]) -> dict[str, Any]:
    """The read-only role's inline policy, next to ``ReadOnlyAccess``."""
    statements: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": list(PREVIEW_INVOKES), "Resource": "*"},
    ]
    readable_secrets: list[str] = []
    for env in model.environments:
        arns = managed_secret_arns(model, env) if env.name in stacks else []
        if arns:
            # Only the stack's own (its default tags), not a namesake of another stack in a
            # shared account.
            statements.append(
                {
                    "Effect": "Allow",
                    "Action": READ_MANAGED_SECRET,
                    "Resource": arns,
                    "Condition": {
                        "StringEquals": {
                            "aws:ResourceTag/app": model.app,
                            "aws:ResourceTag/environment": env.name,
                        }
                    },
                }
            )
            readable_secrets += [a for a in arns if a not in readable_secrets]
    if readable_secrets:
        statements += [
            {
                "Effect": "Deny",
                "Action": [a for a in DATA_READS if a != READ_MANAGED_SECRET],
                "Resource": "*",
            },
            {"Effect": "Deny", "Action": READ_MANAGED_SECRET, "NotResource": readable_secrets},
        ]
        # And a namesake of another stack or app (a shared account), whatever else allows it.
        tagged = [e.name for e in model.environments if e.name in stacks]
        for key, values in (("app", [model.app]), ("environment", tagged)):
            statements.append(
                {
                    "Effect": "Deny",
                    "Action": READ_MANAGED_SECRET,
                    "Resource": readable_secrets,
                    "Condition": {"StringNotEquals": {f"aws:ResourceTag/{key}": values}},
                }
            )
    else:
        statements.append({"Effect": "Deny", "Action": list(DATA_READS), "Resource": "*"})
    state = _state(model)
    if state is None:
        statements.append({"Effect": "Deny", "Action": list(OBJECT_READS), "Resource": "*"})
    else:
        bucket, prefix = state
        # Every object read is denied but the state objects the role previews.
        readable = [f"arn:aws:s3:::{bucket}/{prefix}{META}"] + [
            a for s in stacks for a in _objects(bucket, state_keys(model, s, write=False))
        ]
        statements.append({"Effect": "Deny", "Action": list(OBJECT_READS), "NotResource": readable})
        statements += _state_statements(model, stacks, write=False)
        others = _others(model, stacks)
        if others:
            # ReadOnlyAccess reads every object of its account: not the other stacks' state.
            statements.append(
                {
                    "Effect": "Deny",
                    "Action": "s3:GetObject",
                    "Resource": [
                        a
                        for o in others
                        for a in _objects(bucket, state_keys(model, o, write=True))
                    ],
                }
            )
    return {"Version": "2012-10-17", "Statement": statements}


def ticket_topic_arn(model: DeploymentModel, env: EnvironmentPlan) -> str:
    """The stack's ticket alert topic (``<app>-<env>-ticket``, the monitoring prefix and kind:
    components/_topics.py), which the deploy job tells when a deploy fails."""
    return f"arn:aws:sns:{model.region}:{ACCOUNT}:{model.app}-{env.name}-ticket"


def page_topic_arn(model: DeploymentModel, env: EnvironmentPlan) -> str | None:
    """The stack's page alert topic (``<app>-<env>-page``), only where alarms page: the deploy
    job tells it when a deploy failed and its rollback did not finish."""
    if not env.alarms_page:
        return None
    return f"arn:aws:sns:{model.region}:{ACCOUNT}:{model.app}-{env.name}-page"


def on_call_topics(model: DeploymentModel, env: EnvironmentPlan) -> list[str]:
    """Every topic the deploy job publishes to: the ticket topic, and the page topic where
    alarms page."""
    page = page_topic_arn(model, env)
    return [ticket_topic_arn(model, env)] + ([page] if page else [])


# SNS encrypts a message published to a topic with a KMS key under the publisher's own
# permissions, with the topic's ARN as encryption context (aws:sns:topicArn): so the
# publisher needs these two on the key besides sns:Publish on the topic.
TOPIC_KEY_ACTIONS = ("kms:GenerateDataKey*", "kms:Decrypt")


def _on_call_statements(model: DeploymentModel, env: EnvironmentPlan) -> list[dict[str, Any]]:
    """The deploy job's failure message: publish to the stack's ticket topic (and its page
    topic where alarms page), and use their key for those topics only (the key's ARN is not
    known before it exists; a list in StringEquals matches any of its values)."""
    topics = on_call_topics(model, env)
    named: str | list[str] = topics[0] if len(topics) == 1 else topics
    return [
        {"Effect": "Allow", "Action": "sns:Publish", "Resource": named},
        {
            "Effect": "Allow",
            "Action": list(TOPIC_KEY_ACTIONS),
            "Resource": f"arn:aws:kms:{model.region}:{ACCOUNT}:key/*",
            "Condition": {"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": named}},
        },
    ]


def deploy_policy(model: DeploymentModel, env: EnvironmentPlan) -> dict[str, Any]:
    """The deploy role's inline policy: the failure message to on-call (``sns:Publish`` on
    the stack's ticket topic, its key for that topic), and for an S3 state its own stack's
    objects, with an explicit Deny of writes to the other stacks' (``AdministratorAccess``
    would allow them in a shared account). The managed policy the handoff recommends allows
    the first part too; it is written out so that a narrower role keeps it."""
    statements = _on_call_statements(model, env)
    state = _state(model)
    if state is None:
        return {"Version": "2012-10-17", "Statement": statements}
    bucket, _ = state
    statements += _state_statements(model, [env.name], write=True)
    others = _others(model, [env.name])
    if others:
        statements.append(
            {
                "Effect": "Deny",
                "Action": ["s3:PutObject", "s3:DeleteObject"],
                "Resource": [
                    a for o in others for a in _objects(bucket, state_keys(model, o, write=True))
                ],
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def shared_with_production(model: DeploymentModel) -> list[str]:
    """The non-production environments that deploy into a production environment's VPC
    (the same existing ``vpc_id``): a VPC belongs to one account, so they share that
    account, and its AWS-wide roles reach production. Other layouts are not known to the
    plan (the handoff recommends an account of production's own)."""
    production = {
        e.network.existing.vpc_id
        for e in model.environments
        if e.production and e.network.existing is not None
    }
    return [
        e.name
        for e in model.environments
        if not e.production
        and e.network.existing is not None
        and e.network.existing.vpc_id in production
    ]


def role_name(model: DeploymentModel, env: str, kind: str) -> str:
    return f"{model.app}-{env}-{kind}"


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
        others = _others(model, [env.name])
        lines.append(
            f"the state, with the inline policy below: `s3:ListBucket` on `arn:aws:s3:::{bucket}`, "
            f"`s3:GetObject` on `{prefix}{META}` (every Pulumi command reads it first), and "
            f"`s3:GetObject`, `s3:PutObject`, `s3:DeleteObject` on {env.name}'s own objects only "
            f"(its state `{prefix}.pulumi/stacks/{model.app}/{env.name}.json*` and tags, its "
            "history, backups, journal and lock files)"
            + (
                f"; an explicit `Deny` of writes to {', '.join(others)}'s objects, which "
                "`AdministratorAccess` would otherwise allow where the bucket is in this account"
                if others
                else ""
            )
        )
    else:
        lines.append(
            "the state is in Pulumi Cloud: the job reads it with the environment's "
            "`PULUMI_ACCESS_TOKEN`, no AWS permission"
        )
    page = page_topic_arn(model, env)
    lines.append(
        "the message to on-call when a deploy fails, with the inline policy below: "
        f"`sns:Publish` on the stack's ticket topic `{ticket_topic_arn(model, env)}`"
        + (
            f" and its page topic `{page}` (a failed deploy whose rollback did not finish pages)"
            if page
            else ""
        )
        + ", and "
        + ", ".join(f"`{a}`" for a in TOPIC_KEY_ACTIONS)
        + (
            " on their KMS key, for those topics only"
            if page
            else " on its KMS key, for that topic only"
        )
        + " (condition `kms:EncryptionContext:aws:sns:topicArn`): SNS encrypts what it is "
        "given with the publisher's own rights on the key"
    )
    if any(s.build_context for s in env.services):
        lines.append(
            f"ECR, for the images it deploys: {', '.join(f'`{a}`' for a in ECR_ACTIONS)} on "
            f"`arn:aws:ecr:{model.region}:{ACCOUNT}:repository/{model.app}/*`"
        )
    return lines


def read_only_permissions(model: DeploymentModel, stacks: list[str]) -> list[str]:
    """What a read-only (preview, drift) role may do."""
    secrets = [
        (e.name, managed_secret_arns(model, e)) for e in model.environments if e.name in stacks
    ]
    opened = any(arns for _, arns in secrets)
    lines = [
        "`ReadOnlyAccess` (where the account holds nothing else: it reads every resource "
        "there), for `pulumi preview --refresh`; nothing that writes",
        "an explicit `Deny` of data reads, whichever account the role is in: "
        + ", ".join(f"`{a}`" for a in DATA_READS if not (opened and a == READ_MANAGED_SECRET))
        + " on everything, "
        + (
            f"`{READ_MANAGED_SECRET}` on every secret but the ones below (and on those where "
            "their tags name another app or stack), "
            if opened
            else ""
        )
        + "and "
        + ", ".join(f"`{a}`" for a in OBJECT_READS)
        + (
            " on every object but the state objects below"
            if _state(model) is not None
            else " on every object"
        )
        + " (`ReadOnlyAccess` reads object bodies, log events and query results). A plain "
        "`pulumi preview` (the pull-request preview) reads no resource, and a refresh reads "
        "buckets, log groups and queues through control-plane calls; only a refresh of a "
        "secret version the program manages (a cache's AUTH token, a broker's credentials) "
        "reads its value with `secretsmanager:GetSecretValue`: the exception below",
        "with the inline policy below, "
        + ", ".join(f"`{a}`" for a in PREVIEW_INVOKES)
        + " (Resource `*`), which `ReadOnlyAccess` lacks: the program draws a random "
        "password with it during every preview (`aws.secretsmanager.get_random_password` in "
        "the cache and message broker components); it creates nothing",
    ]
    if opened:
        lines.append(
            "**it can read these credentials**: `secretsmanager:GetSecretValue` on the secrets "
            "whose versions the program manages, "
            + "; ".join(
                f"{env}'s " + ", ".join(f"`{a}`" for a in arns) for env, arns in secrets if arns
            )
            + " (only where the secret's tags `app` and `environment` name that stack, so a "
            "namesake in another stack of a shared account stays denied), because the nightly "
            "drift check's `pulumi preview --refresh` reads every secret version it refreshes "
            "(the AWS provider's read calls `GetSecretValue`) and would otherwise fail every "
            "night; every other secret value stays denied (`NotResource`). No KMS permission "
            "is needed: the secret's key (the data key, or `aws/secretsmanager`) lets Secrets "
            "Manager decrypt for principals of its account. Whoever can assume this role can "
            "read them"
        )
    state = _state(model)
    if state is not None:
        bucket, prefix = state
        objects = ", ".join(
            f"`{prefix}.pulumi/stacks/{model.app}/{s}.json*` and `.pulumi-tags`" for s in stacks
        )
        lines.append(
            f"the state it previews: `s3:ListBucket` on `arn:aws:s3:::{bucket}` (so a stack "
            "not created yet answers 404, not 403), `s3:GetObject` on "
            f"`{prefix}{META}` (read by `pulumi login` and every command) and on {objects}; "
            "nothing else"
        )
        others = _others(model, stacks)
        if others:
            lines.append(
                "an explicit `Deny` of `s3:GetObject` on "
                + ", ".join(others)
                + "'s state, history and backups (`ReadOnlyAccess` reads every object of "
                "the account the bucket is in)"
            )
    else:
        lines.append(
            "the state is in Pulumi Cloud: no AWS permission; a Pulumi access token that can "
            f"only read {', '.join(stacks)}"
        )
    return lines


def state_bucket_policy(model: DeploymentModel) -> dict[str, Any] | None:
    """The state bucket's policy when the bucket is in production's account and other
    environments' roles are in accounts of their own: each of those roles gets exactly what
    its inline policy allows (a cross-account request needs both), named with its own
    environment's account. An environment in production's account (plan/accounts.py) needs
    no statement: its inline policy alone reaches a bucket of its account. None without an
    S3 backend, without a production environment or without another account."""
    if _state(model) is None or not any(e.production for e in model.environments):
        return None
    statements: list[dict[str, Any]] = []
    for roles in ci_roles(model):
        env = model.environment(roles.environment)
        if env.production or env.production_account:
            continue
        account = f"<account-id of {env.name}>"
        deploy = f"arn:aws:iam::{account}:role/{roles.deploy.name}"
        statements += _state_statements(model, [roles.environment], write=True, principal=deploy)
        reader = f"arn:aws:iam::{account}:role/{roles.read_only.name}"
        statements += _state_statements(model, [roles.environment], write=False, principal=reader)
    if not statements:
        return None
    return {"Version": "2012-10-17", "Statement": statements}


def ci_roles(model: DeploymentModel) -> list[StackRoles]:
    """Per environment: the deploy role and the read-only role its pipeline jobs assume."""
    issuer, repository = _repository(model)
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
                # One per stack, in the stack's own account: the stacks may live in different
                # accounts (one sharing production's hosted zone lives in production's).
                read_only = CiRole(
                    "pull-request previews and the nightly drift check",
                    f"repository variable `{preview_role_variable(env.name)}`",
                    trust_policy(
                        issuer,
                        STS_AUDIENCE,
                        [
                            github_subject(repository, "pull_request"),
                            github_subject(repository, f"ref:refs/heads/{DEFAULT_BRANCH}"),
                        ],
                    ),
                    read_only_permissions(model, [env.name]),
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
                    "merge-request previews and the nightly drift check",
                    f"CI/CD variable `AWS_PREVIEW_ROLE_ARN` (not protected, scoped to "
                    f"`{preview_environment(env.name)}`), or `{preview_role_variable(env.name)}` "
                    "(not protected), which the jobs read first",
                    trust_policy(issuer, STS_AUDIENCE, gitlab_subject(repository, "*"), like=True),
                    read_only_permissions(model, [env.name]),
                )
        # Each stack's read-only role reads that stack alone (the stacks may be in different
        # accounts).
        reader = role_name(model, env.name, "drift" if env.production else "read-only")
        deploy = replace(
            deploy, name=role_name(model, env.name, "deploy"), policy=deploy_policy(model, env)
        )
        read_only = replace(read_only, name=reader, policy=read_only_policy(model, [env.name]))
        result.append(StackRoles(env.name, deploy, read_only))
    return result


def push_role(model: DeploymentModel) -> CiRole | None:
    """The image-push role the images jobs assume (none without images CI builds).

    It lives in the registry's account, production's: production's tasks pull from their own
    account and every other environment's through the repository policy the job sets.
    ``ecr:GetAuthorizationToken`` takes no resource (ECR's service authorization reference),
    the rest are scoped to the app's repositories.
    """
    if not any(s.build_context for e in model.environments for s in e.services):
        return None
    issuer, repository = _repository(model)
    if model.ci == "github":
        subject = github_subject(repository, f"ref:refs/heads/{DEFAULT_BRANCH}")
        variable = "repository variable `AWS_ROLE_ARN`"
        purpose = "the `images` job (build, scan, push; the repositories' pull policy)"
    else:
        subject = gitlab_subject(repository, DEFAULT_BRANCH)
        variable = "CI/CD variable `AWS_PUSH_ROLE_ARN` (protected, not scoped)"
        purpose = "the `publish:` jobs (push; the repositories' pull policy)"
    repositories = f"arn:aws:ecr:{model.region}:{REGISTRY_ACCOUNT}:repository/{model.app}/*"
    scoped = [a for a in PUSH_ACTIONS if a != "ecr:GetAuthorizationToken"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RegistryLogin",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                "Resource": "*",
            },
            {
                "Sid": "PushAndShareImages",
                "Effect": "Allow",
                "Action": scoped,
                "Resource": repositories,
            },
        ],
    }
    return CiRole(
        purpose,
        variable,
        trust_policy(issuer, STS_AUDIENCE, subject, account=REGISTRY_ACCOUNT),
        [
            "no managed policy: only the inline policy below, ECR in this account: "
            "`ecr:GetAuthorizationToken` (on `*`, the only resource it takes) and "
            + ", ".join(f"`{a}`" for a in scoped)
            + f" on `{repositories}`"
        ],
        name=f"{model.app}-image-push",
        policy=policy,
    )
