"""``shipspec secrets``, ``status`` and ``logs`` end to end: a fake ``pulumi`` prints the stack's
outputs, moto plays AWS; exit codes, stdout/stderr, and values never echoed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shipspec.cli import app

from .conftest import Deployed, client

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("pulumi_outputs_on_path")


def run(deployed: Deployed, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [*args, "--out", str(deployed.out_dir)], input=stdin)


def test_secrets_set_from_stdin_never_echoes(deployed: Deployed) -> None:
    result = run(deployed, "secrets", "set", "STRIPE_KEY", "--env", "dev", stdin="sk_live_42\n")
    assert result.exit_code == 0, result.output
    assert "sk_live_42" not in result.output
    assert "set STRIPE_KEY in dev" in result.stderr
    arn = deployed.outputs["secret_arns"]["STRIPE_KEY"]
    assert client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"] == "sk_live_42"


def test_secrets_set_from_file(deployed: Deployed, tmp_path: Path) -> None:
    value = tmp_path / "jwt.pem"
    value.write_text("-----BEGIN KEY-----\nabc\n-----END KEY-----\n")
    result = run(
        deployed,
        "secrets",
        "set",
        "JWT_SIGNING_KEY",
        "--env",
        "dev",
        "--from-file",
        str(value),
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["name"] == "JWT_SIGNING_KEY"
    arn = deployed.outputs["secret_arns"]["JWT_SIGNING_KEY"]
    stored = client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    assert stored == "-----BEGIN KEY-----\nabc\n-----END KEY-----"


def test_secrets_set_refuses_empty_stdin(deployed: Deployed) -> None:
    result = run(deployed, "secrets", "set", "STRIPE_KEY", "--env", "dev", stdin="")
    assert result.exit_code == 1
    assert "refusing an empty value" in result.stderr and "Traceback" not in result.output


def test_secrets_list_fails_while_one_is_empty(deployed: Deployed) -> None:
    run(deployed, "secrets", "set", "STRIPE_KEY", "--env", "dev", stdin="x")
    result = run(deployed, "secrets", "list", "--env", "dev", "--json")
    assert result.exit_code == 1
    states = {s["name"]: s["state"] for s in json.loads(result.stdout)}
    assert states == {"GHCR_PULL": "empty", "JWT_SIGNING_KEY": "empty", "STRIPE_KEY": "set"}

    for name in ("GHCR_PULL", "JWT_SIGNING_KEY"):
        run(deployed, "secrets", "set", name, "--env", "dev", stdin="y")
    table = run(deployed, "secrets", "list", "--env", "dev")
    assert table.exit_code == 0, table.output
    assert "JWT_SIGNING_KEY" in table.stdout and "empty" not in table.stdout


def test_status_json_exits_1_until_verified(deployed: Deployed) -> None:
    result = run(deployed, "status", "--env", "dev", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["verified"] is False
    assert [s["name"] for s in report["services"]] == ["api", "docs", "ingest", "admin", "indexer"]
    assert report["services"][0]["deployment"] == "IN_PROGRESS"


def test_logs_prints_the_window(deployed: Deployed) -> None:
    result = run(deployed, "logs", "api", "--env", "dev", "--since", "5m")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == ["GET /healthz 200", "GET /orders 500"]
    assert lines[0][:4].isdigit() and lines[0].split(" ")[0].endswith("Z")
    as_json = run(deployed, "logs", "api", "--env", "dev", "--since", "5m", "--json")
    assert [json.loads(x)["message"] for x in as_json.stdout.splitlines()][-1] == "GET /orders 500"


def test_a_stack_pulumi_does_not_know_is_a_located_error(deployed: Deployed) -> None:
    result = run(deployed, "secrets", "list", "--env", "staging")
    assert result.exit_code == 1
    assert "`pulumi stack output --stack staging`" in result.stderr
    assert "has the stack been deployed" in result.stderr and "Traceback" not in result.output


def test_no_credentials_exit_1(deployed: Deployed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = run(deployed, "status", "--env", "dev")
    assert result.exit_code == 1
    assert "no AWS credentials found" in result.stderr


def test_an_unknown_environment_names_the_known_ones(deployed: Deployed) -> None:
    result = run(deployed, "logs", "api", "--env", "qa")
    assert result.exit_code == 1
    assert "no environment 'qa'" in result.stderr and "dev, staging, main" in result.stderr


def test_the_cli_does_not_import_boto3_to_start() -> None:
    code = (
        "import sys, shipspec.cli; "
        "print(sorted(m for m in sys.modules if m.startswith(('boto3', 'botocore', 'pulumi'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
