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
    assert [c.status for c in report.checks] == ["pass"] * 8, report.lines()
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
