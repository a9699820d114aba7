"""What both CI targets deliver, decided once: image builds, deploy stages, tool versions.

The ``github`` and ``gitlab`` targets render the same pipeline in two dialects. Everything
that is a decision rather than syntax lives here, so the two cannot drift: which services
CI builds (those with a build context) and where their images go (ECR repository
``<app>/<service>``, tagged with the commit SHA), the order of deploys (the spec's
promotion order), which services a smoke test can reach from a hosted runner (public web
services: an internal load balancer is only reachable from inside the VPC), and how long
a deploy may run (long enough for the slowest rollout strategy, twice: deploy and rollback).

Pinned versions are here too, each with where it came from, because a pipeline that
fetches "latest" scanner or CLI builds is a supply-chain risk (trivy v0.69.4 was
malicious for a day in March 2026).
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass
from typing import Any

from ... import __version__
from ...plan.db_admin import database_users, document_users
from ...plan.image_pulls import PULL_ACCOUNTS_VARIABLE, ecr_pull_policy_shell
from ...plan.model import DeploymentModel, EnvironmentPlan, ServicePlan

# GitHub has no "default branch" trigger filter (GitLab has $CI_DEFAULT_BRANCH).
from ...plan.monitoring import DEFAULT_BRANCH
from ...plan.repository import image_build
from ._commands import COREPACK_VERSION, PIPX_VERSION, toolchain_of, tools
from ._images import image_ref
from .pulumi import PULUMI_VERSION

PYTHON_VERSION = "3.12"
TRIVY_VERSION = "v0.69.3"  # the last release before the March 2026 compromise (v0.69.4)
# Images are pinned by digest like the actions are by commit; the digests and where each
# was found live in images.json (see _images).
TRIVY_IMAGE = image_ref("trivy")
# QEMU for the GitLab runner's Docker daemon, so buildx can build linux/arm64 images.
BINFMT_IMAGE = image_ref("binfmt")
# The gitleaks CLI image rather than gitleaks-action, which needs a licence key for organisations.
GITLEAKS_IMAGE = image_ref("gitleaks")
SCAN_SEVERITY = "CRITICAL,HIGH"

# A deploy's time budget: infrastructure changes (a first Multi-AZ RDS takes ~40 minutes),
# then the rollout, then possibly a rollback with the same rollout again.
INFRA_MINUTES = 60
ROLLING_MINUTES = 15
# Before its own rollback, the job stops an ECS deployment still running (stop-service-deployment
# ROLLBACK: ECS returns to the revision it started from, whose tasks a blue/green, canary or
# linear deployment still runs) and waits this long at most for ECS to end it.
STOP_MINUTES = ROLLING_MINUTES
# A GitHub wait step's timeout-minutes is its own deadline (rollout_minutes) plus this, so the
# script gives up and fails by itself (and the rollback step runs) before GitHub kills it.
WAIT_GRACE_MINUTES = 2
MAX_JOB_MINUTES = 360  # GitHub-hosted runners stop any job at six hours
# How long the deploy waits for one one-off task (a migration, a db-admin task) to stop before
# it stops the task itself (ecs stop-task) and fails: a task that never stops (the image's
# server started instead of the migration, a migration waiting on a lock) would otherwise hold
# the deploy lock until the job's own timeout. The one-offs run one after another.
ONE_OFF_MINUTES = 30

# How a deploy job reads an ECS service deployment's ``status`` (botocore's ecs model, shape
# ServiceDeploymentStatus, read by ListServiceDeployments / DescribeServiceDeployments):
# SUCCESSFUL is the only success; the other terminal states fail the deploy; the rest mean
# "still running", so the job polls on. A status outside both sets also fails (fail closed).
ECS_DEPLOYMENT_SUCCEEDED = "SUCCESSFUL"
ECS_DEPLOYMENT_FAILED = ("STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")
ECS_DEPLOYMENT_RUNNING = (
    "PENDING",
    "IN_PROGRESS",
    "STOP_REQUESTED",
    "ROLLBACK_REQUESTED",
    "ROLLBACK_IN_PROGRESS",
)
POLL_SECONDS = 15

# The hidden first line of the pull-request comment `shipspec preview --against --format
# markdown` prints (shipspec.preview.review_report.MARKER; a test keeps the two equal): CI
# finds its own comment by it and updates that one instead of adding one per push.
REVIEW_MARKER = "<!-- shipspec:preview -->"

# The nightly drift check. Pulumi's `--expect-no-changes` exits non-zero with this message
# when the preview proposes changes (pkg/backend/errors.go NoChangesExpectedError, "no
# changes were expected[ for <op>] but changes were proposed"); any other failure is an
# error, not drift. Off the hour: GitHub drops or delays schedules at busy times.
DRIFT_MESSAGE = "no changes were expected( for [^ ]+)? but changes were proposed"
DRIFT_CRON = "17 4 * * *"


BUILD_PLATFORMS = {"X86_64": "linux/amd64", "ARM64": "linux/arm64"}


@dataclass(frozen=True)
class ImageBuild:
    """A service CI builds from source and pushes to ECR, one image promoted through every stage."""

    service: str
    repository: str  # ECR repository name, "<app>/<service>"
    context: str
    dockerfile: str  # relative to the repository root, as `docker build --file` takes it
    # The task definition's CPU architecture as a build platform: an image built for the
    # runner's own (amd64) would fail on ARM64 Fargate with "exec format error".
    platform: str = "linux/amd64"
    # The service migrates (``migrate``): the deploy also sets its ``migrationImage``.
    migrates: bool = False


@dataclass(frozen=True)
class SmokeCheck:
    service: str
    path: str


@dataclass(frozen=True)
class DeployStage:
    """One environment's deploy: after ``previous`` succeeded, serialised per environment."""

    env: EnvironmentPlan
    index: int
    previous: EnvironmentPlan | None
    smoke: list[SmokeCheck]
    unreachable: list[str]  # internal web services: no smoke test from a hosted runner
    url_service: str | None  # the public service whose URL names the environment
    timeout_minutes: int
    timeout_reason: str  # why the job may run that long, written beside the timeout
    rollout_minutes: int  # how long one wait for ECS may take before the job gives up
    lock: str  # concurrency group / resource group: one deploy per environment at a time

    @property
    def tier(self) -> str:
        """GitLab's deployment tier: production, or development for the first stage."""
        if self.env.production:
            return "production"
        return "development" if self.index == 0 else "staging"


def image_builds(model: DeploymentModel) -> list[ImageBuild]:
    """The images CI builds; a context is relative to the spec's folder (as compose import
    writes it and as static sites' folders are), so a spec in a subfolder builds the right one."""
    builds = []
    for s in model.environments[0].services:  # every environment runs the same services
        if not s.build_context:
            continue
        context, dockerfile = image_build(model, s)
        builds.append(
            ImageBuild(
                service=s.name,
                repository=f"{model.app}/{s.name}",
                context=context,
                dockerfile=dockerfile,
                platform=BUILD_PLATFORMS[s.container.cpu_architecture],
                migrates=bool(s.migrate),
            )
        )
    return builds


def rollout_minutes(service: ServicePlan) -> int:
    """How long ECS takes to shift traffic and bake under the service's strategy."""
    d = service.deployment
    if d.strategy == "CANARY":
        shift = d.canary_bake_minutes
    elif d.strategy == "LINEAR":
        shift = math.ceil(100 / d.linear_step_percent) * d.linear_step_bake_minutes
    else:
        shift = 0
    return ROLLING_MINUTES + shift + (d.bake_time_minutes if d.strategy != "ROLLING" else 0)


def slowest_rollout(env: EnvironmentPlan) -> tuple[int, str]:
    """The minutes of the environment's slowest rollout, and which service and strategy it is."""
    timed = [(rollout_minutes(s), s) for s in env.services if s.kind != "job"]
    if not timed:
        return ROLLING_MINUTES, "no long-running service"
    minutes, service = max(timed, key=lambda pair: pair[0])
    return minutes, f"{service.name}, {service.deployment.strategy.lower()}"


def one_off_runs(env: EnvironmentPlan) -> int:
    """How many one-off tasks the deploy runs before the services roll."""
    return len(db_admin_runs(env)) + sum(1 for s in env.services if s.migrate)


def deploy_timeout(env: EnvironmentPlan) -> int:
    total = INFRA_MINUTES + 2 * slowest_rollout(env)[0] + STOP_MINUTES
    return min(total + one_off_runs(env) * ONE_OFF_MINUTES, MAX_JOB_MINUTES)


def timeout_reason(env: EnvironmentPlan) -> str:
    """The arithmetic behind :func:`deploy_timeout`, for the comment beside the job timeout."""
    minutes, which = slowest_rollout(env)
    runs = one_off_runs(env)
    total = INFRA_MINUTES + 2 * minutes + STOP_MINUTES + runs * ONE_OFF_MINUTES
    reason = (
        f"{INFRA_MINUTES} min infrastructure + 2 × {minutes} min rollout of the slowest "
        f"service ({which}; once to deploy, once to roll back) + {STOP_MINUTES} min for ECS "
        "to end a deployment the job stopped"
    )
    if runs:
        reason += (
            f" + {runs} × {ONE_OFF_MINUTES} min for the one-off tasks before the services "
            "roll (each stopped at that limit)"
        )
    if total > MAX_JOB_MINUTES:
        reason += f" = {total} min, capped at the runner's {MAX_JOB_MINUTES} min"
    return reason


def deploy_stages(model: DeploymentModel) -> list[DeployStage]:
    stages = []
    for index, env in enumerate(model.environments):
        web = [s for s in env.services if s.kind == "web"]
        public = [s for s in web if s.public and s.health_path]
        stages.append(
            DeployStage(
                env=env,
                index=index,
                previous=model.environments[index - 1] if index else None,
                smoke=[SmokeCheck(s.name, s.health_path or "/") for s in public],
                unreachable=[s.name for s in web if not s.public],
                url_service=public[0].name if public else None,
                timeout_minutes=deploy_timeout(env),
                timeout_reason=timeout_reason(env),
                rollout_minutes=slowest_rollout(env)[0],
                lock=f"deploy-{env.name}",
            )
        )
    return stages


def toolchain(command: str | None) -> str | None:
    """The toolchain of a test command (``None`` for no command): that of the first program it
    runs that names one (``_commands.TOOLCHAINS``), else python, the fallback for commands
    (make, scripts) whose toolchain their words do not say."""
    if not (command or "").strip():
        return None
    return toolchain_of(command or "", "python")


def login_command(model: DeploymentModel) -> str:
    """``pulumi login <state URL>``, or plain ``pulumi login`` (Pulumi Cloud, token from env)."""
    backend = model.state_backend
    return f"pulumi login {shlex.quote(backend)}" if backend else "pulumi login"


# Credentials per environment (docs/delivery.md, "Who can read which credential"): code a
# pull request brings runs with whatever its jobs are given, and a repository-level secret
# reaches every same-repository pull request. So pull requests get only non-production
# stacks' passphrases, one repository secret per stack; production's passphrase lives only
# in environments that admit the default branch alone: its own (deploys) and, on GitHub,
# ``<env>-drift`` (the nightly drift check, which must not wait for reviewers).
PREVIEW_PASSPHRASE_PREFIX = "PULUMI_PREVIEW_PASSPHRASE_"
DRIFT_ENVIRONMENT_SUFFIX = "-drift"
# GitLab: a job bound to a protected environment runs only for the users allowed to deploy
# there, `action: prepare` and `action: verify` included (gitlab-org/gitlab#300784). So a
# non-production stack's merge-request preview and nightly drift check are bound to an
# environment of their own, `<env>/preview` (GitLab lists it in the folder `<env>`), which
# stays unprotected and holds only the stack's read-only role and its passphrase (or read
# token); `<env>` itself, with the deploy role, can then be protected with approvers.
PREVIEW_ENVIRONMENT_SUFFIX = "/preview"


def preview_passphrase_secret(env: str) -> str:
    """The GitHub repository secret holding a non-production stack's passphrase, for its
    pull-request previews and nightly drift check (secret names: letters, digits, ``_``)."""
    return PREVIEW_PASSPHRASE_PREFIX + env.upper().replace("-", "_")


PREVIEW_ROLE_VARIABLE = "AWS_PREVIEW_ROLE_ARN"


def preview_role_variable(env: str) -> str:
    """The CI variable holding a non-production stack's own read-only role, for its
    pull/merge-request previews and nightly drift check; the jobs fall back to
    ``AWS_PREVIEW_ROLE_ARN`` when it is unset (one role for stacks that share one account).
    Per stack because stacks may live in different accounts: one whose zone is production's
    deploys in production's account (plan/accounts.py)."""
    return f"{PREVIEW_ROLE_VARIABLE}_" + env.upper().replace("-", "_")


def drift_environment(env: str) -> str:
    """The GitHub environment a production stack's drift check runs in: deployment branches
    limited to the default branch, no reviewers, the stack's passphrase and read-only role."""
    return env + DRIFT_ENVIRONMENT_SUFFIX


def preview_environment(env: str) -> str:
    """The GitLab environment a non-production stack's merge-request preview and drift check
    are bound to: never protected, the read-only role and the preview's variables only."""
    return env + PREVIEW_ENVIRONMENT_SUFFIX


def pipeline_context(model: DeploymentModel) -> dict[str, Any]:
    """The values both CI templates read; see the module docstring for the reasons."""
    return {
        "builds": image_builds(model),
        "stages": deploy_stages(model),
        "approval_envs": [e.name for e in model.environments if e.approval_required],
        "check_command": f"shipspec generate {shlex.quote(model.spec_file)} --out . --check",
        "login_command": login_command(model),
        "toolchain": toolchain(model.test_command),
        # What the test job installs before the command (render/targets/_commands.py).
        "test_tools": tools(model.test_command or ""),
        "pipx_version": PIPX_VERSION,
        "corepack_version": COREPACK_VERSION,
        "shipspec_requirement": f"shipspec=={__version__}",
        "pulumi_version": PULUMI_VERSION,
        "python_version": PYTHON_VERSION,
        "default_branch": DEFAULT_BRANCH,
        "trivy_version": TRIVY_VERSION,
        "trivy_image": TRIVY_IMAGE,
        "binfmt_image": BINFMT_IMAGE,
        "gitleaks_image": GITLEAKS_IMAGE,
        "severity": SCAN_SEVERITY,
        "ecs_succeeded": ECS_DEPLOYMENT_SUCCEEDED,
        "ecs_failed": " ".join(ECS_DEPLOYMENT_FAILED),
        "ecs_running": " ".join(ECS_DEPLOYMENT_RUNNING),
        "poll_seconds": POLL_SECONDS,
        "stop_minutes": STOP_MINUTES,
        "wait_grace_minutes": WAIT_GRACE_MINUTES,
        "one_off_minutes": ONE_OFF_MINUTES,
        "review_marker": REVIEW_MARKER,
        "drift_message": DRIFT_MESSAGE,
        "drift_cron": DRIFT_CRON,
        "sh": shlex.quote,
        "previewed": [e for e in model.environments if not e.production],
        "guarded": [e for e in model.environments if e.production],
        "preview_passphrase_secret": preview_passphrase_secret,
        "preview_role_variable": preview_role_variable,
        "drift_environment": drift_environment,
        "preview_environment": preview_environment,
        "db_admin_runs": db_admin_runs,
        "long_running": long_running,
        "scheduled_jobs": scheduled_jobs,
        "one_off_step": one_off_step,
        # The repository policy the image jobs set, split around its principals (image_pulls).
        "pull_policy": ecr_pull_policy_shell(),
        "pull_accounts_variable": PULL_ACCOUNTS_VARIABLE,
    }


def db_admin_runs(env: EnvironmentPlan) -> list[str]:
    """The SQL databases whose db-admin task the deploy runs before the services roll: those
    some service signs in to as its own database user (``plan.db_admin.database_users``),
    which only that task creates. Elsewhere its SQL only reports the server version, so the
    deploy leaves it to a person (a repair, a one-off statement). The DocumentDB clusters'
    (``plan.db_admin.document_users``) likewise, where services sign in with their task roles."""
    return sorted({*database_users(env), *document_users(env)})


def long_running(env: EnvironmentPlan) -> list[str]:
    """The services that are ECS services (every kind but scheduled jobs)."""
    return [s.name for s in env.services if s.kind != "job"]


def scheduled_jobs(env: EnvironmentPlan) -> list[str]:
    """The scheduled jobs: no ECS service, so the stack's ``images`` output is their record."""
    return [s.name for s in env.services if s.kind == "job"]


def one_off_step(admins: list[str], migrating: list[str]) -> str:
    """The deploy step's name for what it runs before the services roll."""
    parts = (["create the database users"] if admins else []) + (
        ["migrate the database schema"] if migrating else []
    )
    text = " and ".join(parts)
    return text[:1].upper() + text[1:]
