"""``shipspec doctor``: is this machine ready to deploy what ``generate`` wrote?

Step 3 of the protocol (deployment environment preparation). Each check is real: the
Pulumi CLI is run, AWS is asked who the credentials belong to (STS GetCallerIdentity),
the S3 state bucket is asked for (HeadBucket). boto3 honours ``AWS_ENDPOINT_URL``, which
is how the tests point it at a local moto server instead of AWS. Every check passes,
fails with the fix to apply, or is skipped with the reason; the command exits non-zero
on any failure. Checks that need the generated output are skipped without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import ShipspecError

if TYPE_CHECKING:
    from .plan.model import DeploymentModel

Status = Literal["pass", "fail", "skip"]
TIMEOUT = 10.0
_CREDENTIALS_FIX = (
    "configure credentials: `aws configure sso` and AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY; in CI, the OIDC role step of the generated pipeline"
)


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""
    # What failed, one by one, where a check looks at many things (repository-files: each
    # file with its problem, the jobs that read it, why and the fix).
    items: tuple[dict[str, Any], ...] = field(default=(), compare=False, hash=False)


@dataclass
class DoctorReport:
    out_dir: Path
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    def summary(self) -> str:
        """One line: the session's evidence when every check passed."""
        passed = [f"{c.name} ({c.detail})" for c in self.checks if c.status == "pass"]
        failed = [c.name for c in self.checks if c.status == "fail"]
        head = f"{len(passed)} passed" + (f", {len(failed)} failed" if failed else "")
        return f"doctor {self.out_dir}: {head}: " + "; ".join(passed + failed)

    def lines(self) -> list[str]:
        marks = {"pass": "ok  ", "fail": "FAIL", "skip": "skip"}
        out = []
        for c in self.checks:
            if c.items:
                out.append(f"{marks[c.status]} {c.name}: {c.detail.split(': ')[0]}")
                for item in c.items:
                    jobs = ", ".join(item["jobs"])
                    job = "jobs" if len(item["jobs"]) > 1 else "job"
                    out.append(f"     {item['path']} {item['problem']}")
                    out.append(f"       ({item['why']}; read by {job} {jobs})")
                    out.append(f"       fix: {item['fix']}")
                continue
            out.append(f"{marks[c.status]} {c.name}: {c.detail}")
            if c.fix:
                out.append(f"     fix: {c.fix}")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "ok": self.ok,
            "checks": [
                {"name": c.name, "status": c.status, "detail": c.detail, "fix": c.fix}
                | ({"items": list(c.items)} if c.items else {})
                for c in self.checks
            ],
        }


def run_doctor(out_dir: Path, env: str | None = None, *, pulumi: str = "pulumi") -> DoctorReport:
    """Run every check for the output in ``out_dir`` (one environment with ``env``)."""
    from .model_io import read_model

    report = DoctorReport(Path(out_dir))
    model: DeploymentModel | None = None
    try:
        model = read_model(Path(out_dir))
    except ShipspecError as error:
        message, _, hint = str(error).partition("\n  hint: ")
        report.checks.append(Check("generated-output", "fail", message, hint))
    else:
        names = ", ".join(e.name for e in model.environments)
        report.checks.append(Check("generated-output", "pass", f"{model.app}: {names}"))
    report.checks.append(_pulumi(pulumi))
    region = model.region if model else os.environ.get("AWS_REGION") or "us-east-1"
    report.checks.append(_credentials(region))
    if model is None:
        why = "needs the generated output"
        skipped = ("stack-config", "ci-files", "repository-files", "state")
        report.checks += [Check(n, "skip", why) for n in skipped]
        return report
    report.checks += _stack_configs(Path(out_dir), model, env)
    report.checks += _pagerduty_urls(Path(out_dir), model, env)
    report.checks.append(_ci_files(Path(out_dir), model))
    from .doctor_repository import repository_files_check

    report.checks.append(repository_files_check(Path(out_dir), model))
    report.checks.append(_state_backend(model.state_backend, region))
    report.checks.append(_alert_subscriptions(model, env, region))
    credentials_ok = any(c.name == "aws-credentials" and c.status == "pass" for c in report.checks)
    report.checks += _secrets(Path(out_dir), model, env, pulumi, credentials_ok)
    return report


def _secrets(
    out_dir: Path, model: Any, env: str | None, pulumi: str, credentials_ok: bool
) -> list[Check]:
    """A deployed stack whose secret has no value cannot start the tasks that read it.

    Checked only where the stack already exports ``secrets`` (``pulumi up`` creates
    them empty); before the first deploy there is nothing to set yet.
    """
    from functools import partial

    from .operate import OperateError, StackContext, pulumi_outputs
    from .operate.secrets import list_secrets

    checks = []
    for plan in model.environments:
        if (env is not None and plan.name != env) or not plan.secrets:
            continue
        name = f"secrets:{plan.name}"
        if not credentials_ok:
            checks.append(Check(name, "skip", "needs AWS credentials"))
            continue
        try:
            stack = StackContext.load(
                out_dir, plan.name, outputs=partial(pulumi_outputs, pulumi=pulumi)
            )
        except OperateError as error:
            checks.append(
                Check(name, "skip", f"stack outputs unavailable: {str(error).splitlines()[0]}")
            )
            continue
        if "secret_arns" not in stack.outputs:
            checks.append(Check(name, "skip", "not deployed yet: `pulumi up` creates the secrets"))
            continue
        try:
            states = list_secrets(stack)
        except OperateError as error:
            message, _, hint = str(error).partition("\n  hint: ")
            checks.append(Check(name, "fail", message, hint))
            continue
        empty = [f"{s.name} ({s.state})" for s in states if s.state != "set"]
        if empty:
            fix = f"shipspec secrets set NAME --env {plan.name} < value-file, for each"
            checks.append(Check(name, "fail", f"no value: {', '.join(empty)}", fix))
        else:
            checks.append(Check(name, "pass", f"{len(states)} set"))
    return checks


def _pulumi(executable: str) -> Check:
    found = shutil.which(executable)
    fix = (
        "install the Pulumi CLI: `curl -fsSL https://get.pulumi.com | sh` (pulumi.com/docs/install)"
    )
    if found is None:
        return Check("pulumi-cli", "fail", f"`{executable}` is not on the PATH", fix)
    try:
        result = subprocess.run(
            [found, "version"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Check("pulumi-cli", "fail", f"`{found} version` did not run: {error}", fix)
    if result.returncode != 0:
        return Check("pulumi-cli", "fail", f"`{found} version` exited {result.returncode}", fix)
    return Check("pulumi-cli", "pass", result.stdout.strip() or found)


def _client(service: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=5, read_timeout=TIMEOUT, retries={"max_attempts": 1})
    return boto3.session.Session(region_name=region).client(service, config=config)


def _aws_failure(name: str, error: Exception, what: str) -> Check:
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return Check(name, "fail", "no usable AWS credentials found", _CREDENTIALS_FIX)
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "error")
        return Check(name, "fail", f"{what}: AWS answered {code}", _CREDENTIALS_FIX)
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "AWS")
    if isinstance(error, EndpointConnectionError):
        return Check(
            name,
            "fail",
            f"cannot reach {endpoint}: {error}",
            "check the network or proxy, and AWS_ENDPOINT_URL if it is set",
        )
    return Check(
        name,
        "fail",
        f"{what}: {type(error).__name__}: {error}",
        "check the network, the region and AWS_ENDPOINT_URL",
    )


def _credentials(region: str) -> Check:
    try:
        identity = _client("sts", region).get_caller_identity()
    except ImportError:
        return Check("aws-credentials", "fail", "boto3 is not installed", "pip install boto3")
    except Exception as error:
        return _aws_failure("aws-credentials", error, "GetCallerIdentity failed")
    return Check("aws-credentials", "pass", f"account {identity['Account']} as {identity['Arn']}")


def _stack_configs(out_dir: Path, model: Any, env: str | None) -> list[Check]:
    names = [e.name for e in model.environments]
    if env is not None and env not in names:
        return [
            Check(
                f"stack-config:{env}",
                "fail",
                f"no environment {env!r} in the model",
                f"pick one of: {', '.join(names)}",
            )
        ]
    infra = out_dir / "infra" if (out_dir / "infra").is_dir() else out_dir
    checks = []
    for name in [env] if env else names:
        path = infra / f"Pulumi.{name}.yaml"
        if path.is_file():
            checks.append(Check(f"stack-config:{name}", "pass", str(path)))
        else:
            checks.append(
                Check(
                    f"stack-config:{name}",
                    "fail",
                    f"{path} is missing",
                    f"run `shipspec generate {model.spec_file} -o {out_dir}`",
                )
            )
    return checks


def _pagerduty_urls(out_dir: Path, model: Any, env: str | None) -> list[Check]:
    """``pulumi up`` fails on a stack that subscribes PagerDuty while the secret config key
    of one of its topics' integration URLs (``pagerdutyUrl`` for pages,
    ``pagerdutyTicketUrl`` for tickets: two PagerDuty services) is not set."""
    import yaml

    from .ownyaml import load_own_yaml
    from .plan.monitoring import PAGERDUTY_URL_KEYS

    infra = out_dir / "infra" if (out_dir / "infra").is_dir() else out_dir
    checks = []
    for e in model.environments:
        path = infra / f"Pulumi.{e.name}.yaml"
        if env not in (None, e.name) or not path.is_file():
            continue
        try:
            config = (load_own_yaml(path.read_text()) or {}).get("config") or {}
        except (yaml.YAMLError, AttributeError):
            continue  # the stack-config check reports an unreadable file's regeneration
        monitoring = config.get(f"{model.app}:monitoring") or {}
        topics = monitoring.get("pagerdutyTopics") or [] if isinstance(monitoring, dict) else []
        if not topics:
            continue
        keys = [PAGERDUTY_URL_KEYS[t] for t in topics if t in PAGERDUTY_URL_KEYS]
        missing = [k for k in keys if f"{model.app}:{k}" not in config]
        name = f"pagerduty:{e.name}"
        if missing:
            fix = "; ".join(
                f"in infra/, `pulumi config set --secret {k} <the PagerDuty integration URL> "
                f"--stack {e.name}`"
                for k in missing
            )
            checks.append(Check(name, "fail", f"`pulumi up` fails: no {', '.join(missing)}", fix))
        else:
            checks.append(Check(name, "pass", ", ".join(keys)))
    return checks


def _ci_files(out_dir: Path, model: Any) -> Check:
    from .render.renderer import render

    expected = sorted(p for p, _ in render(model, only=[model.ci]) if not p.startswith(".shipspec"))
    missing = [p for p in expected if not (out_dir / p).is_file()]
    if missing:
        return Check(
            "ci-files",
            "fail",
            f"missing {', '.join(missing)}",
            f"run `shipspec generate {model.spec_file} -o {out_dir}` and commit them",
        )
    return Check("ci-files", "pass", f"{model.ci}: {', '.join(expected) or 'none'}")


def _alert_topics(model: Any, env: str | None) -> list[str]:
    """The SNS topics the stacks create: ``<app>-<env>-ticket``, and ``-page`` where alarms
    page."""
    envs = [e for e in model.environments if env in (None, e.name)]
    return [
        f"{model.app}-{e.name}-{kind}"
        for e in envs
        for kind in (["ticket", "page"] if e.alarms_page else ["ticket"])
    ]


def _alert_subscriptions(model: Any, env: str | None, region: str) -> Check:
    """Alerts reach nobody until SNS email subscriptions are confirmed: SNS mails a link
    and lists the subscription as ``PendingConfirmation`` until it is clicked."""
    name = "alert-subscriptions"
    topics = _alert_topics(model, env)
    by_hand = (
        "after `pulumi up`, run `aws sns list-subscriptions-by-topic --topic-arn "
        f"arn:aws:sns:{region}:<account>:<topic>` for {', '.join(topics)}: a SubscriptionArn "
        "of PendingConfirmation means nobody clicked the link SNS mailed"
    )
    if not topics:
        return Check(name, "skip", "no environment selected")
    try:
        account = _client("sts", region).get_caller_identity()["Account"]
        sns = _client("sns", region)
    except ImportError:
        return Check(name, "skip", "boto3 is not installed", by_hand)
    except Exception:
        return Check(name, "skip", "no AWS credentials to ask SNS with", by_hand)
    from botocore.exceptions import ClientError

    pending: list[str] = []
    confirmed: list[str] = []
    missing: list[str] = []
    for topic in topics:
        arn = f"arn:aws:sns:{region}:{account}:{topic}"
        try:
            pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn)
            subscriptions = [s for page in pages for s in page["Subscriptions"]]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "NotFound":
                missing.append(topic)
                continue
            return _aws_failure(name, error, f"ListSubscriptionsByTopic {topic} failed")
        except Exception as error:
            return _aws_failure(name, error, f"ListSubscriptionsByTopic {topic} failed")
        for s in subscriptions:
            where = f"{topic} → {s['Protocol']}:{s['Endpoint']}"
            (pending if s["SubscriptionArn"] == "PendingConfirmation" else confirmed).append(where)
        if not subscriptions:
            pending.append(f"{topic} has no subscription")
    if pending:
        return Check(
            name,
            "fail",
            "alerts reach nobody through: " + "; ".join(pending),
            "click the confirmation link SNS mailed to each address (resend it with `aws sns "
            "subscribe --topic-arn <arn> --protocol email --notification-endpoint <address>`), "
            "or set observability.alert_email and deploy",
        )
    if missing and not confirmed:
        return Check(name, "skip", f"not deployed yet ({', '.join(missing)})", by_hand)
    detail = f"{len(confirmed)} confirmed" + (
        f"; not deployed: {', '.join(missing)}" if missing else ""
    )
    return Check(name, "pass", detail)


def _state_backend(url: str | None, region: str) -> Check:
    if url is None:
        return Check("state", "skip", "Pulumi Cloud: `pulumi login` checks the access token")
    if url.startswith("file://"):
        folder = Path(url.removeprefix("file://"))
        if folder.is_dir():
            return Check("state", "pass", f"{folder} exists")
        return Check("state", "fail", f"{folder} does not exist", f"mkdir -p {folder}")
    if not url.startswith("s3://"):
        return Check("state", "skip", f"{url}: only s3:// and file:// backends are checked")
    bucket = url.removeprefix("s3://").split("/", 1)[0]
    try:
        _client("s3", region).head_bucket(Bucket=bucket)
    except ImportError:
        return Check("state", "fail", "boto3 is not installed", "pip install boto3")
    except Exception as error:
        from botocore.exceptions import ClientError

        code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else ""
        if code in ("404", "NoSuchBucket"):
            return Check(
                "state",
                "fail",
                f"bucket {bucket} does not exist",
                f"create it: `aws s3 mb s3://{bucket} --region {region}` (versioning on), "
                "or fix `cloud.state` in the handoff",
            )
        if code in ("403", "AccessDenied"):
            return Check(
                "state",
                "fail",
                f"no access to bucket {bucket}",
                "grant s3:ListBucket, s3:GetObject and s3:PutObject on it",
            )
        return _aws_failure("state", error, f"HeadBucket {bucket} failed")
    return Check("state", "pass", f"s3 bucket {bucket} is reachable")
