"""The CI roles' trust policies in the handoff admit exactly the tokens the generated
pipelines present, per environment, and are the documents shipspec's docs/delivery.md shows.

IAM's evaluation of a web-identity trust policy is modelled here: every condition key must
match (``StringEquals``: one of the listed values; ``StringLike``: a ``*`` pattern)."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Any

import pytest

import shipspec
from shipspec.render.renderer import render
from shipspec.render.targets._ci_roles import (
    GITHUB_ISSUER,
    STS_AUDIENCE,
    ci_roles,
    github_subject,
    gitlab_subject,
    trust_policy,
)
from tests.conftest import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
HANDOFF = "docs/operations/handoff.md"


def admits(policy: dict[str, Any], issuer: str, aud: str, sub: str) -> bool:
    claims = {f"{issuer}:aud": aud, f"{issuer}:sub": sub}
    for statement in policy["Statement"]:
        if statement["Action"] != "sts:AssumeRoleWithWebIdentity":
            continue
        if not statement["Principal"]["Federated"].endswith(f":oidc-provider/{issuer}"):
            continue
        ok = True
        for operator, conditions in statement["Condition"].items():
            for key, wanted in conditions.items():
                values = wanted if isinstance(wanted, list) else [wanted]
                have = claims.get(key)
                if operator == "StringEquals":
                    ok &= have in values
                elif operator == "StringLike":
                    ok &= any(have is not None and fnmatch.fnmatchcase(have, v) for v in values)
                else:
                    ok = False
        if ok and statement["Effect"] == "Allow":
            return True
    return False


def json_blocks(text: str) -> list[dict[str, Any]]:
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, flags=re.S)]


def test_github_roles_admit_only_their_environment_s_jobs() -> None:
    model = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"), spec_file="full.yaml")
    files = dict(render(model))
    handoff = files[HANDOFF]
    repo = "example/atlas"
    workflow = files[".github/workflows/deploy.yml"]
    names = [e.name for e in model.environments]
    blocks = json_blocks(handoff.split("## CI roles")[1].split("\n## ")[0])
    for roles in ci_roles(model):
        env = roles.environment
        # The deploy job of this environment is bound to the GitHub environment: its subject.
        assert re.search(rf"^\s+environment:\s+(name: )?{env}\s*$", workflow, flags=re.M), env
        own = github_subject(repo, f"environment:{env}")
        assert roles.deploy.trust in blocks and roles.read_only.trust in blocks
        assert admits(roles.deploy.trust, GITHUB_ISSUER, STS_AUDIENCE, own)
        for other in names:
            if other != env:
                bad = github_subject(repo, f"environment:{other}")
                assert not admits(roles.deploy.trust, GITHUB_ISSUER, STS_AUDIENCE, bad)
        pull_request = github_subject(repo, "pull_request")
        assert not admits(roles.deploy.trust, GITHUB_ISSUER, STS_AUDIENCE, pull_request)
        assert not admits(roles.deploy.trust, GITHUB_ISSUER, "other", own)
        assert not admits(
            roles.deploy.trust, GITHUB_ISSUER, STS_AUDIENCE, own.replace(repo, "evil/atlas")
        )
        production = model.environment(env).production
        # Previews: pull requests may read the non-production stacks, never production's.
        assert admits(roles.read_only.trust, GITHUB_ISSUER, STS_AUDIENCE, pull_request) is (
            not production
        )
        assert "AdministratorAccess" in roles.deploy.permissions[0]
        assert "ReadOnlyAccess" in roles.read_only.permissions[0]
        section = handoff.split(f"### Roles of {env}\n")[1].split("\n### ")[0]
        assert "s3:PutObject" not in section.split("**Read-only role**")[1]


def test_gitlab_roles_are_bound_by_each_environment_s_audience() -> None:
    spec = (EXAMPLES / "webapp.yaml").read_text()
    spec = spec.replace(
        "delivery: {ci: gitlab,",
        "delivery: {repository_url: 'https://gitlab.example.com/acme/shop/web', ci: gitlab,",
    )
    model = shipspec.plan(shipspec.loads(spec))
    files = dict(render(model))
    pipeline = files[".gitlab-ci.yml"]
    assert "aud: $AWS_OIDC_AUDIENCE" in pipeline
    handoff = files[HANDOFF]
    blocks = json_blocks(handoff.split("## CI roles")[1].split("\n## ")[0])
    issuer, project = "gitlab.example.com", "acme/shop/web"
    main = gitlab_subject(project, "main")
    for roles in ci_roles(model):
        env = roles.environment
        audience = f"<{env}'s AWS_OIDC_AUDIENCE>"
        assert roles.deploy.trust in blocks and roles.read_only.trust in blocks
        assert admits(roles.deploy.trust, issuer, audience, main)
        assert not admits(roles.deploy.trust, issuer, STS_AUDIENCE, main)
        assert not admits(roles.deploy.trust, issuer, audience, gitlab_subject(project, "topic"))
        for other in model.environments:
            if other.name != env:
                assert not admits(
                    roles.deploy.trust, issuer, f"<{other.name}'s AWS_OIDC_AUDIENCE>", main
                )
        branch = gitlab_subject(project, "feature-x")
        # A merge request's branch may preview a non-production stack only.
        assert admits(roles.read_only.trust, issuer, STS_AUDIENCE, branch) is (
            not model.environment(env).production
        )


def test_delivery_md_shows_the_same_documents() -> None:
    """shipspec's own docs/delivery.md explains the roles with placeholder names: its JSON
    is what :func:`trust_policy` makes for them, so the two cannot drift apart."""
    shown = json_blocks((ROOT / "docs/delivery.md").read_text())
    account = "111122223333"
    expected = [
        trust_policy(
            GITHUB_ISSUER,
            STS_AUDIENCE,
            github_subject("OWNER/REPO", "environment:prod"),
            account=account,
        ),
        trust_policy(
            GITHUB_ISSUER,
            STS_AUDIENCE,
            [
                github_subject("OWNER/REPO", "pull_request"),
                github_subject("OWNER/REPO", "ref:refs/heads/main"),
            ],
            account=account,
        ),
        trust_policy(
            "gitlab.com",
            "<prod's AWS_OIDC_AUDIENCE>",
            gitlab_subject("GROUP/PROJECT", "main"),
            account=account,
        ),
        trust_policy(
            "gitlab.com",
            STS_AUDIENCE,
            gitlab_subject("GROUP/PROJECT", "*"),
            account=account,
            like=True,
        ),
        # The image-push role, in production's account (the registry's).
        trust_policy(
            GITHUB_ISSUER,
            STS_AUDIENCE,
            github_subject("OWNER/REPO", "ref:refs/heads/main"),
            account=account,
        ),
    ]
    for document in expected:
        assert document in shown


@pytest.mark.parametrize("path", [".github/workflows/pull-request.yml", ".gitlab-ci.yml"])
def test_ci_comments_point_at_the_handoff_not_shipspec_s_docs(path: str) -> None:
    name = "full" if path.startswith(".github") else "webapp"
    model = shipspec.plan(shipspec.load(EXAMPLES / f"{name}.yaml"), spec_file=f"{name}.yaml")
    text = dict(render(model))[path]
    assert "docs/operations/handoff.md" in text
    assert not re.search(r"(?<!shipspec's )docs/delivery\.md", text)


# ---- permission policies against the calls Pulumi's S3 backend makes -----------------------

# Stand-ins for the AWS managed policies, reduced to what matters here: AdministratorAccess
# allows everything; ReadOnlyAccess reads every S3 object and describes EC2 and Route 53, but
# has no secretsmanager:GetRandomPassword (AWS managed policy reference: ReadOnlyAccess).
ADMINISTRATOR = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ_ONLY_ACCESS = {
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "s3:Get*",
                "s3:List*",
                # CloudWatch Logs' share of it (AWS managed policy reference).
                "logs:Get*",
                "logs:FilterLogEvents",
                "logs:StartQuery",
                "logs:StartLiveTail",
                # Assumed granted, to prove the Deny holds whatever the managed policy says.
                "sqs:ReceiveMessage",
                "secretsmanager:GetSecretValue",
                "ec2:Describe*",
                "route53:Get*",
                "route53:List*",
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetResourcePolicy",
                "secretsmanager:ListSecrets",
                "secretsmanager:ListSecretVersionIds",
            ],
            "Resource": "*",
        }
    ]
}


def preview_calls(prefix: str, project: str, stack: str) -> list[tuple[str, str]]:
    """(action, key) of what `pulumi login` + `pulumi stack select` + `pulumi preview` ask S3
    for, one stack, from pulumi/pulumi pkg/backend/diy ('' as key: the bucket itself)."""
    stacks = f"{prefix}.pulumi/stacks/{project}"
    return [
        ("s3:GetObject", f"{prefix}.pulumi/meta.yaml"),  # meta.go readPulumiMeta, every command
        ("s3:ListBucket", ""),  # backend.go New: legacy ListReferences; HeadObject's 404
        (
            "s3:GetObject",
            f"{stacks}/{stack}.json",
        ),  # state.go stackExists (HeadObject), getCheckpoint
        ("s3:GetObject", f"{stacks}/{stack}.pulumi-tags"),  # stack_tags.go loadStackTags
    ]


def deploy_calls(prefix: str, project: str, stack: str) -> list[tuple[str, str]]:
    """What `pulumi up` adds: lock.go (Lock/Unlock: locks/<organization/project/stack>/),
    state.go saveCheckpoint (the state, its .bak copy), addToHistory, backupStack, the
    journal of an update in progress (store.go JournalDir)."""
    history = f"{prefix}.pulumi/history/{project}/{stack}"
    stacks = f"{prefix}.pulumi/stacks/{project}"
    lock = f"{prefix}.pulumi/locks/organization/{project}/{stack}/0b7c-lock.json"
    return [
        *preview_calls(prefix, project, stack),
        ("s3:PutObject", lock),
        ("s3:DeleteObject", lock),
        ("s3:PutObject", f"{stacks}/{stack}.json"),
        ("s3:GetObject", f"{stacks}/{stack}.json.bak"),
        ("s3:PutObject", f"{stacks}/{stack}.json.bak"),
        ("s3:PutObject", f"{history}/{stack}-1733590000.history.json"),
        ("s3:PutObject", f"{history}/{stack}-1733590000.checkpoint.json"),
        ("s3:PutObject", f"{prefix}.pulumi/backups/{project}/{stack}/{stack}.1733590000.json"),
        ("s3:PutObject", f"{prefix}.pulumi/journal/{project}/{stack}/0001.json"),
        ("s3:DeleteObject", f"{prefix}.pulumi/journal/{project}/{stack}/0001.json"),
    ]


def arn(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}" + (f"/{key}" if key else "")


def s3_model(name: str, ci: str | None = None) -> shipspec.DeploymentModel:
    spec = (EXAMPLES / f"{name}.yaml").read_text()
    if ci == "gitlab":
        spec = spec.replace("ci: github", "ci: gitlab")
    model = shipspec.plan(shipspec.loads(spec))
    assert model.state_backend and model.state_backend.startswith("s3://")
    return model


S3_CASES = [("full", None), ("full", "gitlab"), ("shop", None)]


@pytest.mark.parametrize(("name", "ci"), S3_CASES)
def test_read_only_roles_can_log_in_select_and_preview_their_own_stacks(
    name: str, ci: str | None
) -> None:
    from shipspec.render.targets._ci_roles import state_location
    from tests.preview.iam_model import role_may

    model = s3_model(name, ci)
    assert model.ci == (ci or model.ci)
    location = state_location(model)
    assert location is not None
    bucket, prefix = location
    names = [e.name for e in model.environments]
    for roles in ci_roles(model):
        role = roles.read_only
        assert role.policy is not None
        mine = [roles.environment]
        for stack in names:
            for action, key in preview_calls(prefix, model.app, stack):
                shared = key == "" or key.endswith("meta.yaml")
                # The inline policy alone (a bucket in another account gives no more) ...
                alone = role_may([role.policy], action=action, resource=arn(bucket, key))
                # ... and with ReadOnlyAccess, which reads every object of its account.
                managed = role_may(
                    [READ_ONLY_ACCESS, role.policy], action=action, resource=arn(bucket, key)
                )
                assert alone is (stack in mine or shared), (roles.environment, stack, key)
                assert managed is (stack in mine or shared), (roles.environment, stack, key)
        # The program's invoke during preview, which ReadOnlyAccess lacks.
        call = {"action": "secretsmanager:GetRandomPassword", "resource": "*"}
        assert not role_may([READ_ONLY_ACCESS], **call)
        assert role_may([READ_ONLY_ACCESS, role.policy], **call)
        for action in ("s3:PutObject", "s3:DeleteObject"):
            for stack in names:
                key = f"{prefix}.pulumi/stacks/{model.app}/{stack}.json"
                assert not role_may([role.policy], action=action, resource=arn(bucket, key))


PRODUCTION_DATA = [
    ("s3:GetObject", "arn:aws:s3:::acme-prod-uploads/invoices/2026/0001.pdf"),
    ("s3:GetObjectVersion", "arn:aws:s3:::acme-prod-uploads/invoices/2026/0001.pdf"),
    ("logs:GetLogEvents", "arn:aws:logs:eu-north-1:111122223333:log-group:/ecs/prod/api:*"),
    ("logs:FilterLogEvents", "arn:aws:logs:eu-north-1:111122223333:log-group:/ecs/prod/api"),
    ("logs:StartQuery", "arn:aws:logs:eu-north-1:111122223333:log-group:/ecs/prod/api"),
    ("logs:StartLiveTail", "arn:aws:logs:eu-north-1:111122223333:log-group:/ecs/prod/api"),
    ("sqs:ReceiveMessage", "arn:aws:sqs:eu-north-1:111122223333:acme-prod-jobs"),
    ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-north-1:1:secret:prod-db-Ab"),
]


@pytest.mark.parametrize(("name", "ci"), [*S3_CASES, ("minimal", None), ("webapp", None)])
def test_read_only_roles_read_no_data_even_in_a_shared_account(name: str, ci: str | None) -> None:
    """ReadOnlyAccess reads object bodies and log events of its whole account; the read-only
    roles (same-repository pull requests assume the non-production one) deny them."""
    from tests.preview.iam_model import role_may

    spec = (EXAMPLES / f"{name}.yaml").read_text()
    if ci == "gitlab":
        spec = spec.replace("ci: github", "ci: gitlab")
    model = shipspec.plan(shipspec.loads(spec))
    for roles in ci_roles(model):
        policy = roles.read_only.policy
        assert policy is not None
        for action, resource in PRODUCTION_DATA:
            assert role_may([READ_ONLY_ACCESS], action=action, resource=resource)
            assert not role_may([READ_ONLY_ACCESS, policy], action=action, resource=resource), (
                roles.environment,
                action,
            )
        # Control-plane reads a refresh makes stay allowed.
        for action in (
            "s3:GetBucketPolicy",
            "logs:DescribeLogGroups",
            "secretsmanager:ListSecrets",
        ):
            allowed = [{"Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}]
            assert role_may([READ_ONLY_ACCESS, *allowed, policy], action=action, resource="*")


@pytest.mark.parametrize(("name", "ci"), S3_CASES)
def test_deploy_roles_write_only_their_own_stack_s_state(name: str, ci: str | None) -> None:
    from shipspec.render.targets._ci_roles import state_location
    from tests.preview.iam_model import role_may

    model = s3_model(name, ci)
    location = state_location(model)
    assert location is not None
    bucket, prefix = location
    names = [e.name for e in model.environments]
    assert len(names) >= 2
    for roles in ci_roles(model):
        policy = roles.deploy.policy
        assert policy is not None
        for stack in names:
            for action, key in deploy_calls(prefix, model.app, stack):
                shared = key == "" or key.endswith("meta.yaml")
                want = stack == roles.environment or shared
                resource = arn(bucket, key)
                assert role_may([policy], action=action, resource=resource) is want, (
                    roles.environment,
                    stack,
                    action,
                    key,
                )
                if action != "s3:GetObject" and stack != roles.environment and not shared:
                    # AdministratorAccess in a shared account does not reach past the Deny.
                    assert not role_may([ADMINISTRATOR, policy], action=action, resource=resource)
        # meta.yaml is read, never written, by an existing state's deploys.
        meta = arn(bucket, f"{prefix}.pulumi/meta.yaml")
        assert not role_may([policy], action="s3:PutObject", resource=meta)


@pytest.mark.parametrize(("name", "ci"), S3_CASES)
def test_the_bucket_policy_admits_the_other_account_s_roles_to_their_own_stacks(
    name: str, ci: str | None
) -> None:
    from shipspec.render.targets._ci_roles import state_bucket_policy, state_location
    from tests.preview.iam_model import role_may

    model = s3_model(name, ci)
    location = state_location(model)
    assert location is not None
    bucket, prefix = location
    policy = state_bucket_policy(model)
    assert policy is not None
    production = [e.name for e in model.environments if e.production]
    for roles in ci_roles(model):
        if roles.environment in production:
            continue
        for role, calls, mine in (
            (roles.deploy, deploy_calls, [roles.environment]),
            (roles.read_only, preview_calls, [roles.environment]),
        ):
            assert role.policy is not None
            # Each environment's roles in that environment's own account.
            role_arn = f"arn:aws:iam::<account-id of {roles.environment}>:role/{role.name}"
            for stack in [e.name for e in model.environments]:
                for action, key in calls(prefix, model.app, stack):
                    shared = key == "" or key.endswith("meta.yaml")
                    allowed = role_may(
                        [ADMINISTRATOR if role is roles.deploy else READ_ONLY_ACCESS, role.policy],
                        action=action,
                        resource=arn(bucket, key),
                        bucket_policy=policy,
                        role_arn=role_arn,
                    )
                    assert allowed is (stack in mine or shared), (role.name, stack, action, key)
    # The handoff prints it, and the exact commands that create the bucket.
    handoff = dict(render(model))[HANDOFF]
    assert policy in json_blocks(handoff)
    step = handoff.split("**The state bucket**")[1].split("**The stacks.**")[0]
    for needle in (
        f"aws s3api create-bucket --bucket {bucket}",
        "put-bucket-versioning",
        "Status=Enabled",
        "put-bucket-encryption",
        "put-public-access-block",
        "BlockPublicPolicy=true",
        f"aws s3api put-bucket-policy --bucket {bucket} --policy file://state-bucket-policy.json",
    ):
        assert needle in step, needle


def test_the_handoff_prints_each_role_s_inline_policy() -> None:
    model = s3_model("full")
    handoff = dict(render(model))[HANDOFF]
    blocks = json_blocks(handoff.split("## CI roles")[1].split("\n## ")[0])
    for roles in ci_roles(model):
        assert roles.deploy.policy in blocks and roles.read_only.policy in blocks


def test_the_handoff_says_a_source_site_s_folder_must_be_committed() -> None:
    model = s3_model("full")
    handoff = dict(render(model))[HANDOFF]
    before = handoff.split("## Before the first deploy")[1].split("\n## ")[0]
    heading = "**What the pipeline reads from the repository.**"
    step = re.split(r"\n\d+\. \*\*", before.split(heading)[1])[0]
    source = next(line for line in step.splitlines() if "`handbook/site/`" in line)
    assert "publishes it as" in source and "`index.html`" in source
    # The storefront is built by the pipeline: its folder is listed as a build context.
    assert "the static site storefront is built there (`build.context`)" in step


def test_environments_in_production_s_vpc_are_told_they_share_its_account() -> None:
    """A VPC belongs to one account: dev and staging deploying into production's VPC are in
    production's account (bar AWS RAM), where the non-production deploy role is its admin."""
    from shipspec.render.targets._ci_roles import shared_with_production

    own = s3_model("full")
    assert shared_with_production(own) == []
    spec = (EXAMPLES / "full.yaml").read_text()
    start = spec.index("    network:                         # production has a VPC of its own")
    end = spec.index("    datastores:\n      assets:")
    shared = shipspec.plan(shipspec.loads(spec[:start] + spec[end:]))
    assert shared_with_production(shared) == ["dev", "staging"]

    def handoff(model: shipspec.DeploymentModel) -> str:
        return " ".join(dict(render(model))[HANDOFF].split())

    text = handoff(shared)
    assert "nothing of production" not in text
    assert "**dev, staging and main share an AWS account.**" in text
    assert "The deploy roles of dev and staging (administrator of the account) can change" in text
    assert (
        "or delete main's resources, from a deploy of dev or staging that needs no approval" in text
    )
    assert "AWS RAM" in text and "`environments.main` a `network` of its own" in text
    separate = handoff(own)
    assert "share an AWS account" not in separate
    assert "nothing of production where production has an account of its own" in separate


def _managed_version_stacks() -> list[tuple[str, str]]:
    from tests.conftest import example_names

    return [
        (name, env.name)
        for name in example_names()
        for env in shipspec.plan(shipspec.load(EXAMPLES / f"{name}.yaml")).environments
        if any(d.engine in ("redis", "rabbitmq") for d in env.datastores)
    ]


@pytest.mark.parametrize(("example", "env"), _managed_version_stacks())
def test_the_drift_check_reads_exactly_the_secret_versions_its_stack_manages(
    generated,  # type: ignore[no-untyped-def]
    example: str,
    env: str,
) -> None:
    """`pulumi preview --refresh` reads every aws.secretsmanager.SecretVersion it refreshes
    with GetSecretValue (terraform-provider-aws resourceSecretVersionRead): the read-only role
    of the stack may read those secrets, as the preview records their ARNs, and no other."""
    from shipspec.preview.mocks import ACCOUNT_ID
    from tests.preview.iam_model import decide

    model = generated.model(example)
    preview = generated.preview(example, env)
    versions = preview.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    managed = sorted({r.inputs["secretId"] for r in versions})
    assert managed, (example, env)
    others = [
        r.inputs.get("name") or r.name
        for r in preview.of_type("aws:secretsmanager/secret:Secret")
        if r.name.endswith("-secret")
    ]
    region = model.region
    foreign = [
        # An application secret, the RDS-managed master secret, another app's namesake.
        f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:STRIPE_KEY-secret-1a2b3c4-Ab12Cd",
        f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:rds!db-0f1e2d3c-4b5a-6978-Ab12Cd",
        *(f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:{o}-Ab12Cd" for o in others),
    ]
    (roles,) = [r for r in ci_roles(model) if r.environment == env]
    policy = json.loads(roles.read_only.policy_json.replace("<account-id>", ACCOUNT_ID))
    action = "secretsmanager:GetSecretValue"
    own = {"aws:ResourceTag/app": model.app, "aws:ResourceTag/environment": env}
    for arn_ in managed:
        assert arn_.startswith(f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:")
        assert decide([READ_ONLY_ACCESS, policy], action=action, resource=arn_, context=own) == (
            "allow"
        ), (env, arn_)
        # The same name in another stack of a shared account (its tags name that stack).
        for other in model.environments:
            if other.name != env:
                theirs = {**own, "aws:ResourceTag/environment": other.name}
                assert (
                    decide([READ_ONLY_ACCESS, policy], action=action, resource=arn_, context=theirs)
                    != "allow"
                ), (env, other.name, arn_)
    for arn_ in foreign:
        assert arn_ not in managed
        assert decide([READ_ONLY_ACCESS, policy], action=action, resource=arn_, context=own) == (
            "deny"
        ), (env, arn_)
    # Only the value read is opened: BatchGetSecretValue stays denied on them too.
    for arn_ in managed:
        assert (
            decide(
                [READ_ONLY_ACCESS, policy],
                action="secretsmanager:BatchGetSecretValue",
                resource=arn_,
                context=own,
            )
            == "deny"
        )


def test_a_renamed_cache_s_secret_is_readable_under_its_former_name() -> None:
    """Aliases keep a renamed datastore's secret, autonamed from the former name."""
    from shipspec.render.targets._ci_roles import managed_secret_arns, managed_version_secrets

    model = shipspec.plan(shipspec.load(EXAMPLES / "shop.yaml"))
    env = model.environments[0]
    (cache,) = [d for d in env.datastores if d.engine == "redis"]
    renamed = env.model_copy(
        update={
            "datastores": [
                d.model_copy(update={"renamed_from": "sessions"}) if d is cache else d
                for d in env.datastores
            ]
        }
    )
    assert managed_version_secrets(renamed) == [f"{cache.name}-auth", "sessions-auth"]
    assert managed_secret_arns(model, renamed)[1] == (
        f"arn:aws:secretsmanager:{model.region}:<account-id>:secret:sessions-auth-*"
    )


@pytest.mark.parametrize("name", ["full", "webapp"])
def test_deploy_roles_may_tell_their_own_stack_s_on_call_only(name: str) -> None:
    """The failure message: sns:Publish on the stack's ticket topic (and its page topic where
    alarms page: a rollback that did not finish pages), and its key's data-key calls for those
    topics only (SNS passes the topic ARN as encryption context). Pulumi Cloud stacks (no
    state policy) get the statements too."""
    from shipspec.render.targets._ci_roles import on_call_topics, page_topic_arn, ticket_topic_arn
    from shipspec.render.targets._pulumi_monitoring import monitoring_config
    from tests.preview.iam_model import decide

    model = shipspec.plan(shipspec.load(EXAMPLES / f"{name}.yaml"), spec_file=f"{name}.yaml")
    region, key = model.region, f"arn:aws:kms:{model.region}:<account-id>:key/1234abcd"
    for roles in ci_roles(model):
        policy = roles.deploy.policy
        assert policy is not None
        env = model.environment(roles.environment)
        for other in model.environments:
            for kind in ("ticket", "page"):
                topic = f"arn:aws:sns:{region}:<account-id>:{model.app}-{other.name}-{kind}"
                # The page topic only where alarms page: the deploy job pages there when its
                # rollback did not finish, and publishes to no other topic.
                own = other.name == roles.environment and (kind == "ticket" or env.alarms_page)
                allowed = decide([policy], action="sns:Publish", resource=topic) == "allow"
                assert allowed is own, (roles.environment, other.name, kind)
                context = {"kms:EncryptionContext:aws:sns:topicArn": topic}
                for action in ("kms:GenerateDataKey", "kms:Decrypt"):
                    used = decide([policy], action=action, resource=key, context=context) == "allow"
                    assert used is own, (roles.environment, other.name, kind, action)
        assert decide([policy], action="kms:Decrypt", resource=key) != "allow"  # no context
        (published,) = [s["Resource"] for s in policy["Statement"] if s["Action"] == "sns:Publish"]
        published = [published] if isinstance(published, str) else published
        assert published == on_call_topics(model, env)
        assert on_call_topics(model, env)[1:] == (
            [f"arn:aws:sns:{region}:<account-id>:{model.app}-{env.name}-page"]
            if env.alarms_page
            else []
        )
        assert any("sns:Publish" in line for line in roles.deploy.permissions)
        # The topics the program creates: `<monitoring prefix>-<kind>` (components/_topics.py).
        prefix = monitoring_config(model, env)["monitoring"]["prefix"]
        assert ticket_topic_arn(model, env).endswith(f":{prefix}-ticket")
        if env.alarms_page:
            assert str(page_topic_arn(model, env)).endswith(f":{prefix}-page")
        # Some environment of each example pages, and some does not.
    assert any(e.alarms_page for e in model.environments)
    assert not all(e.alarms_page for e in model.environments)


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_image_push_role_may_do_what_the_images_jobs_do_in_production_s_account(
    ci: str,
) -> None:
    """The registry is production's account: the push role is created there, trusts only
    the default branch's image jobs, and may call every ECR operation those jobs call,
    setting the repository policy that lets the other environments' accounts pull."""
    from botocore import xform_name
    from botocore.session import get_session

    from shipspec.render.targets._ci_roles import REGISTRY_ACCOUNT, _repository, push_role

    text = (EXAMPLES / "full.yaml").read_text().replace("ci: github", f"ci: {ci}")
    model = shipspec.plan(shipspec.loads(text))
    files = dict(render(model))
    role = push_role(model)
    assert role is not None
    handoff = files[HANDOFF]
    section = handoff.split("### Image-push role\n")[1].split("\n## ")[0]
    assert json_blocks(section) == [role.trust, role.policy]
    production = model.production.name
    assert f"Create it in {production}'s account" in section
    step = handoff.split("**Image registry.**")[1].split("\n5. ")[0]
    assert "ECR_PULL_ACCOUNT_IDS" in step and "CannotPullContainerError" in step
    for other in model.environments:
        assert f"<{other.name} account-id>" in step
    # Trust: the images jobs' token (a push to the default branch), nothing else.
    if ci == "github":
        issuer, repo = _repository(model)
        good = github_subject(repo, "ref:refs/heads/main")
        bad = [github_subject(repo, "pull_request"), github_subject(repo, "environment:main")]
        pipeline = files[".github/workflows/deploy.yml"]
        job = pipeline.split("\n  images:\n")[1].split("\n  deploy")[0]
    else:
        issuer, repo = _repository(model)
        good = gitlab_subject(repo, "main")
        bad = [gitlab_subject(repo, "feature")]
        pipeline = files[".gitlab-ci.yml"]
        job = "\n".join(p.split("\n\n")[0] for p in pipeline.split("\npublish:")[1:])
    assert role.trust["Statement"][0]["Principal"]["Federated"].startswith(
        f"arn:aws:iam::{REGISTRY_ACCOUNT}:"
    )
    assert admits(role.trust, issuer, STS_AUDIENCE, good)
    assert not any(admits(role.trust, issuer, STS_AUDIENCE, b) for b in bad)
    # Permissions: every `aws ecr` operation of the jobs (and docker push's layer uploads).
    ecr = get_session().get_service_model("ecr")
    by_cli = {xform_name(op, "-"): op for op in ecr.operation_names}
    by_cli["get-login-password"] = "GetAuthorizationToken"  # the CLI's customization
    called = set(re.findall(r"aws ecr ([a-z-]+)", job))
    assert "set-repository-policy" in called
    needed = {f"ecr:{by_cli[c]}" for c in called} | {
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
        "ecr:BatchCheckLayerAvailability",
    }
    assert role.policy is not None
    allowed: dict[str, str] = {}
    for statement in role.policy["Statement"]:
        actions = statement["Action"]
        for action in [actions] if isinstance(actions, str) else actions:
            allowed[action] = statement["Resource"]
    assert needed <= set(allowed), needed - set(allowed)
    repositories = f"arn:aws:ecr:{model.region}:{REGISTRY_ACCOUNT}:repository/{model.app}/*"
    assert allowed.pop("ecr:GetAuthorizationToken") == "*"
    assert set(allowed.values()) == {repositories}
