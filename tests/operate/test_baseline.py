"""``status --baseline``: CloudWatch GetMetricData per service, written to a file generate
never touches. moto computes no percentiles, so ECS, ELBv2 and CloudWatch answer through
botocore's Stubber, which checks each request and response against the service model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from typer.testing import CliRunner

from shipspec.cli import app
from shipspec.operate import OperateError, StackContext
from shipspec.operate.baseline import measure_baseline, measured_path, write_baseline

from .conftest import Deployed

ACCOUNT = "arn:aws:elasticloadbalancing:eu-central-1:123456789012"
TG = f"{ACCOUNT}:targetgroup/atlas-dev-api/0123456789abcdef"
ALB = f"{ACCOUNT}:loadbalancer/app/atlas-dev-public/fedcba9876543210"
NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def _stack(deployed: Deployed) -> StackContext:
    return StackContext.load(deployed.out_dir, deployed.env, outputs=deployed.fake_outputs)


def _service(name: str, target_group: str | None = None) -> dict[str, Any]:
    service: dict[str, Any] = {"serviceName": f"atlas-dev-{name}", "desiredCount": 2}
    if target_group:
        service["loadBalancers"] = [
            {"targetGroupArn": target_group, "containerName": name, "containerPort": 8080}
        ]
    return service


def _stubbed(
    monkeypatch: pytest.MonkeyPatch, deployed: Deployed, results: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """ECS → ELBv2 → CloudWatch answers; returns the GetMetricData requests as sent."""
    import boto3

    ecs = boto3.client("ecs", region_name="eu-central-1")
    elbv2 = boto3.client("elbv2", region_name="eu-central-1")
    cloudwatch = boto3.client("cloudwatch", region_name="eu-central-1")
    stubs = [Stubber(ecs), Stubber(elbv2), Stubber(cloudwatch)]
    # admin is an internal web service whose target group ECS does not report here.
    services = [
        _service("api", TG),
        _service("docs"),
        _service("ingest"),
        _service("admin"),
        _service("indexer"),
    ]
    stubs[0].add_response(
        "describe_services",
        {"services": services, "failures": []},
        {
            "cluster": deployed.outputs["cluster_name"],
            "services": [s["serviceName"] for s in services],
        },
    )
    stubs[1].add_response(
        "describe_target_groups",
        {"TargetGroups": [{"TargetGroupArn": TG, "LoadBalancerArns": [ALB]}]},
        {"TargetGroupArns": [TG]},
    )
    stubs[2].add_response(
        "get_metric_data",
        {"MetricDataResults": results, "Messages": []},
        {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY},
    )
    sent: list[dict[str, Any]] = []
    cloudwatch.meta.events.register(
        "provide-client-params.cloudwatch.GetMetricData", lambda params, **_: sent.append(params)
    )
    for stub in stubs:
        stub.activate()
    clients = {"ecs": ecs, "elbv2": elbv2, "cloudwatch": cloudwatch}
    monkeypatch.setattr(StackContext, "client", lambda self, name: clients[name])
    return sent


def _result(query_id: str, value: float) -> dict[str, Any]:
    return {"Id": query_id, "Values": [value], "Timestamps": [NOW], "StatusCode": "Complete"}


# Queries in order: per service CPU avg/max, memory avg/max, then (web with a target group)
# p50, p99, requests. api: m0-m6, docs: m7-m10, ingest: m11-m14, admin: m15-m18,
# indexer: m19-m22.
RESULTS = [
    _result("m0", 31.5),
    _result("m1", 78.0),
    _result("m2", 40.25),
    _result("m3", 52.0),
    _result("m4", 0.042),
    _result("m5", 0.387),
    _result("m6", 1234567.0),
    _result("m19", 12.0),
    {"Id": "m20", "Values": [], "Timestamps": [], "StatusCode": "Complete"},  # no data
]


def test_the_baseline_reads_each_services_metrics_by_its_real_dimensions(
    deployed: Deployed, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sent = _stubbed(monkeypatch, deployed, RESULTS)

    result = measure_baseline(_stack(deployed), 7 * 86400, now=NOW)

    [request] = sent
    assert request["EndTime"] == NOW and (NOW - request["StartTime"]).days == 7
    queries = {q["Id"]: q["MetricStat"] for q in request["MetricDataQueries"]}
    assert len(queries) == 23
    p99 = queries["m5"]
    assert (p99["Metric"]["MetricName"], p99["Stat"], p99["Period"]) == (
        "TargetResponseTime",
        "p99",
        7 * 86400,
    )
    assert p99["Metric"]["Dimensions"] == [
        {"Name": "LoadBalancer", "Value": "app/atlas-dev-public/fedcba9876543210"},
        {"Name": "TargetGroup", "Value": "targetgroup/atlas-dev-api/0123456789abcdef"},
    ]
    assert queries["m19"]["Metric"]["Dimensions"] == [
        {"Name": "ClusterName", "Value": deployed.outputs["cluster_name"]},
        {"Name": "ServiceName", "Value": "atlas-dev-indexer"},
    ]
    api, _docs, _ingest, admin, indexer = result.services
    assert api.values["p50_ms"] == pytest.approx(42.0)
    assert api.values["p99_ms"] == pytest.approx(387.0)
    assert api.values["requests"] == 1234567.0 and api.values["cpu_max"] == 78.0
    assert "p99_ms" not in admin.values  # no target group: no latency claimed
    assert indexer.values["cpu_avg"] == 12.0 and indexer.values["cpu_max"] is None

    path = write_baseline(tmp_path, result, "atlas")
    assert path == tmp_path / measured_path("dev")
    text = path.read_text()
    assert "| api | web | 42.0 ms | 387 ms | 1,234,567 | 31.5% / 78.0% | 40.2% / 52.0% |" in text
    assert "| indexer | worker | — | — | — | 12.0% / no data |" in text
    assert "over 7 days" in text


def test_an_aws_error_is_located(deployed: Deployed, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    ecs = boto3.client("ecs", region_name="eu-central-1")
    stub = Stubber(ecs)
    stub.add_client_error("describe_services", "AccessDeniedException", "not allowed")
    stub.activate()
    monkeypatch.setattr(StackContext, "client", lambda self, name: ecs)
    with pytest.raises(OperateError, match="baseline of stack dev: AWS answered AccessDenied"):
        measure_baseline(_stack(deployed), 3600, now=NOW)


def test_the_measured_file_survives_generate_and_its_check(tmp_path: Path) -> None:
    """The file is no target's and not in the manifest: generate, --force and --check
    neither rewrite, delete nor count it."""
    runner = CliRunner()
    spec = Path(__file__).parents[2] / "examples" / "minimal.yaml"
    (tmp_path / "handoff.yaml").write_text(spec.read_text())
    generate = ["generate", str(tmp_path / "handoff.yaml"), "-o", str(tmp_path)]
    assert runner.invoke(app, generate).exit_code == 0
    measured = tmp_path / measured_path("prod")
    measured.write_text("# measured by hand\n")
    assert "baseline-prod.measured.md" in (tmp_path / "docs/operations/baseline.md").read_text()
    for extra in ([], ["--force"], ["--check"]):
        result = runner.invoke(app, [*generate, *extra])
        assert result.exit_code == 0, result.output
    assert measured.read_text() == "# measured by hand\n"


def test_a_bad_window_is_a_located_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["status", "--env", "prod", "--out", str(tmp_path), "--baseline", "--window", "0d"]
    )
    assert result.exit_code == 1
    assert "--window '0d': expected a positive number and a unit" in result.stderr
