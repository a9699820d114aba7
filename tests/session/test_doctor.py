"""``shipspec doctor`` against a local moto server: every check passes on a prepared
machine, and each way a machine can be unprepared fails with its fix."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

import shipspec
from shipspec.doctor import run_doctor
from shipspec.session import PROGRESS_FILE, start_session


@pytest.fixture
def out(project: Path) -> Path:
    model = shipspec.plan(shipspec.load(project / "handoff.yaml"), spec_file="../handoff.yaml")
    shipspec.generate(model, project / "out")
    return project / "out"


def by_name(report) -> dict[str, object]:
    return {c.name: c for c in report.checks}


def test_a_prepared_machine_passes(out: Path, state_bucket: str, pulumi_on_path: Path) -> None:
    report = run_doctor(out)
    own = [c for c in report.checks if not c.name.startswith("secrets:")]
    # Before the first deploy there are no alert topics to ask about yet.
    assert [c.status for c in own] == ["pass"] * 9 + ["skip"], report.lines()
    assert own[-1].name == "alert-subscriptions"
    assert "PendingConfirmation" in own[-1].fix
    # The fake pulumi knows no deployed stack: nothing to check for secrets yet.
    assert {c.status for c in report.checks if c.name.startswith("secrets:")} <= {"skip"}
    checks = by_name(report)
    assert checks["pulumi-cli"].detail == "v3.272.0"
    assert checks["aws-credentials"].detail.startswith("account 123456789012 as arn:aws:")
    assert checks["ci-files"].detail.startswith("github: .github/workflows/")
    assert report.ok


def test_the_cli_exits_0_and_records_the_session_step(
    project: Path, out: Path, state_bucket: str, pulumi_on_path: Path, cli, clock
) -> None:
    start_session(Path("handoff.yaml"), cwd=project, clock=clock)
    result = CliRunner().invoke(cli, ["doctor", "out", "--env", "prod"])
    assert result.exit_code == 0, result.output
    assert "ok   stack-config:prod:" in result.output
    assert "stack-config:dev" not in result.output
    assert "environment-ready" in (project / PROGRESS_FILE).read_text().split("audit")[-1]


def test_json_output(out: Path, state_bucket: str, pulumi_on_path: Path, cli) -> None:
    result = CliRunner().invoke(cli, ["doctor", "out", "--json"])
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert {c["name"] for c in data["checks"]} >= {"pulumi-cli", "aws-credentials", "state"}


def test_no_credentials(out: Path, aws: str, monkeypatch, pulumi_on_path: Path, cli) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = CliRunner().invoke(cli, ["doctor", "out"])
    assert result.exit_code == 1
    assert "FAIL aws-credentials: no usable AWS credentials found" in result.output
    assert "fix: configure credentials: `aws configure sso`" in result.output
    # What to check by hand once deployed, since SNS cannot be asked.
    assert "skip alert-subscriptions: no AWS credentials to ask SNS with" in result.output
    assert "aws sns list-subscriptions-by-topic --topic-arn" in result.output


def test_credentials_aws_rejects(out: Path, aws: str, monkeypatch) -> None:
    from moto import settings

    monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    checks = by_name(run_doctor(out))
    assert checks["aws-credentials"].status == "fail"
    assert checks["aws-credentials"].detail == (
        "GetCallerIdentity failed: AWS answered InvalidClientTokenId"
    )
    assert "aws configure sso" in checks["aws-credentials"].fix


def test_an_unreachable_endpoint(out: Path, aws: str, monkeypatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed}")
    checks = by_name(run_doctor(out))
    for name in ("aws-credentials", "state"):
        assert checks[name].status == "fail"
        assert checks[name].detail.startswith(f"cannot reach http://127.0.0.1:{closed}")
        assert "AWS_ENDPOINT_URL" in checks[name].fix


def test_a_missing_state_bucket(out: Path, aws: str) -> None:
    state = by_name(run_doctor(out))["state"]
    assert state.status == "fail"
    assert state.detail == "bucket acme-pulumi-state does not exist"
    assert "aws s3 mb s3://acme-pulumi-state --region eu-west-1" in state.fix


def test_no_pulumi_cli(out: Path, aws: str, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    pulumi = by_name(run_doctor(out))["pulumi-cli"]
    assert pulumi.status == "fail"
    assert "get.pulumi.com" in pulumi.fix


def test_missing_generated_files(out: Path, aws: str) -> None:
    (out / "infra/Pulumi.staging.yaml").unlink()
    (out / ".github/workflows/deploy.yml").unlink()
    checks = by_name(run_doctor(out))
    assert checks["stack-config:staging"].status == "fail"
    assert "run `shipspec generate ../handoff.yaml -o" in checks["stack-config:staging"].fix
    assert checks["stack-config:prod"].status == "pass"
    assert checks["ci-files"].detail == "missing .github/workflows/deploy.yml"


def test_an_unknown_environment(out: Path, aws: str) -> None:
    checks = by_name(run_doctor(out, "qa"))
    assert checks["stack-config:qa"].status == "fail"
    assert checks["stack-config:qa"].fix == "pick one of: dev, staging, prod"


def test_without_generated_output_the_rest_is_skipped(project: Path, aws: str) -> None:
    report = run_doctor(project / "nowhere")
    checks = by_name(report)
    assert checks["generated-output"].status == "fail"
    assert "shipspec generate" in checks["generated-output"].fix
    assert [checks[n].status for n in ("stack-config", "ci-files", "state")] == ["skip"] * 3
    assert not report.ok


@pytest.fixture
def topics(out: Path, aws: str):  # type: ignore[no-untyped-def]
    """The deployed stacks' alert topics (moto confirms email subscriptions at once)."""
    import boto3

    from shipspec.model_io import read_model

    model = read_model(out)
    sns = boto3.client("sns", region_name=model.region)
    arns = {}
    for env in model.environments:
        for kind in ["ticket", "page"] if env.alarms_page else ["ticket"]:
            name = f"{model.app}-{env.name}-{kind}"
            arns[name] = sns.create_topic(Name=name)["TopicArn"]
            sns.subscribe(TopicArn=arns[name], Protocol="email", Endpoint="oncall@example.com")
    yield arns
    for arn in arns.values():
        sns.delete_topic(TopicArn=arn)


def test_confirmed_alert_subscriptions_pass(out: Path, topics: dict) -> None:
    check = by_name(run_doctor(out))["alert-subscriptions"]
    assert (check.status, check.detail) == ("pass", f"{len(topics)} confirmed")


def test_an_unconfirmed_email_subscription_fails(out: Path, topics: dict, monkeypatch) -> None:
    """SNS lists an email subscription nobody confirmed as PendingConfirmation (moto
    confirms at once, so SNS's answer is stubbed)."""
    import boto3
    from botocore.stub import Stubber

    from shipspec import doctor

    real = doctor._client
    sns = boto3.client("sns", region_name="eu-west-1")
    stub = Stubber(sns)
    for arn in topics.values():
        subscription = {
            "SubscriptionArn": "PendingConfirmation" if arn.endswith("prod-page") else arn + ":1",
            "Owner": "123456789012",
            "Protocol": "email",
            "Endpoint": "oncall@example.com",
            "TopicArn": arn,
        }
        stub.add_response(
            "list_subscriptions_by_topic", {"Subscriptions": [subscription]}, {"TopicArn": arn}
        )
    stub.activate()
    monkeypatch.setattr(
        doctor,
        "_client",
        lambda service, region: sns if service == "sns" else real(service, region),
    )
    report = run_doctor(out)
    check = by_name(report)["alert-subscriptions"]
    assert check.status == "fail" and not report.ok
    page = next(name for name in topics if name.endswith("prod-page"))
    assert check.detail == f"alerts reach nobody through: {page} → email:oncall@example.com"
    assert "confirmation link" in check.fix
    stub.assert_no_pending_responses()


def test_doctor_names_each_pagerduty_url_a_stack_still_needs(project: Path) -> None:
    """``pagerduty: {topics: [page, ticket]}``: `pulumi up` fails until each stack has the
    URL of every topic it subscribes (production both, the others the ticket's only)."""
    import yaml

    from shipspec.doctor import _pagerduty_urls

    spec = yaml.safe_load((project / "handoff.yaml").read_text())
    spec.setdefault("observability", {})["pagerduty"] = {"topics": ["page", "ticket"]}
    (project / "handoff.yaml").write_text(yaml.safe_dump(spec))
    model = shipspec.plan(shipspec.load(project / "handoff.yaml"), spec_file="../handoff.yaml")
    shipspec.generate(model, project / "out")
    checks = {c.name: c for c in _pagerduty_urls(project / "out", model, None)}
    assert set(checks) == {"pagerduty:dev", "pagerduty:staging", "pagerduty:prod"}
    assert checks["pagerduty:prod"].status == "fail"
    assert "pagerdutyUrl, pagerdutyTicketUrl" in checks["pagerduty:prod"].detail
    assert "--secret pagerdutyTicketUrl <the PagerDuty integration URL> --stack prod" in (
        checks["pagerduty:prod"].fix
    )
    assert "pagerdutyUrl" not in checks["pagerduty:dev"].detail  # no page topic there
    # What `pulumi config set --secret` leaves in the file.
    for env, keys in {
        "prod": ["pagerdutyUrl", "pagerdutyTicketUrl"],
        "dev": ["pagerdutyTicketUrl"],
    }.items():
        path = project / "out" / "infra" / f"Pulumi.{env}.yaml"
        data = yaml.safe_load(path.read_text())
        for key in keys:
            data["config"][f"shop:{key}"] = {"secure": "v1:Zm9vYmFy:c2VjcmV0"}
        path.write_text(yaml.safe_dump(data))
    checks = {c.name: c for c in _pagerduty_urls(project / "out", model, None)}
    assert checks["pagerduty:prod"].status == checks["pagerduty:dev"].status == "pass"
    assert checks["pagerduty:staging"].status == "fail"
    assert [c.name for c in _pagerduty_urls(project / "out", model, "prod")] == ["pagerduty:prod"]
