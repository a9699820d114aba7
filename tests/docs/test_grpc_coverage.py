"""A service with a gRPC port beside its HTTP one (full's api: HTTP 8000, gRPC 9090): the
documents say exactly what CloudWatch watches (the HTTP port) and that gRPC status errors,
HTTP 200 on the wire, are measured only by the Prometheus SLO; and where pages are
described, that the managed path's Prometheus alerts reach email only."""

from __future__ import annotations

import pytest

import shipspec
from shipspec.plan.model import DeploymentModel
from shipspec.render.renderer import render
from tests.conftest import EXAMPLES

DOCS = "docs/operations"


@pytest.fixture(scope="module")
def full() -> DeploymentModel:
    return shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"), spec_file="full.yaml")


@pytest.fixture(scope="module")
def files(full: DeploymentModel) -> dict[str, str]:
    return dict(render(full))


def _grpc(full: DeploymentModel) -> tuple[int, str]:
    api = full.environment(full.monitoring.environment).service("api")
    (port,) = [p for p in api.ports if p.protocol == "grpc"]
    assert api.port is not None
    return api.port, str(port.port)


def test_http_alarms_of_a_grpc_service_say_they_watch_the_http_port_only(
    full: DeploymentModel,
) -> None:
    http, grpc = _grpc(full)
    checked = 0
    for env in full.monitoring.alarms.values():
        for alarm in env.alarms:
            http_5xx = alarm.target == "service:api" and alarm.check in (
                "5xx-ratio",
                "5xx-sparse",
                "connect-5xx-ratio",
            )
            burn = alarm.target == "slo:api-availability"
            if not (http_5xx or burn):
                continue
            checked += 1
            assert f"HTTP port {http} only" in alarm.description, alarm.name
            assert f"gRPC errors on port {grpc}" in alarm.description, alarm.name
            assert "Prometheus SLO alone" in alarm.description, alarm.name
            # Nothing of the gRPC port is read: no metric names its discovery name.
            for metric in alarm.metrics:
                assert not any("rpc" in v for v in metric.dimensions.values()), alarm.name
    assert checked


def test_runbook_handoff_and_readme_say_only_prometheus_counts_grpc_errors(
    full: DeploymentModel, files: dict[str, str]
) -> None:
    http, grpc = _grpc(full)
    sentence = f"CloudWatch watches its HTTP port {http} only"
    runbook = files[f"{DOCS}/runbook.md"]
    slo = runbook.split('<a id="slo-api-availability"></a>')[1].split("<a id=")[0]
    assert f"api also serves gRPC on port {grpc}" in slo
    assert sentence in slo
    assert "measured only by the Prometheus SLO `api-availability`" in slo
    assert "`rpc_server_duration_milliseconds_count`" in slo
    connect = runbook.split("**5xx to calling services.**")[1].split("\n\n")[0]
    assert "counts the HTTP port's calls only" in connect
    assert "Prometheus SLO alone counts them" in connect
    assert "(see [api-availability](#slo-api-availability)" in connect
    handoff = files[f"{DOCS}/handoff.md"].split("## Monitoring and alerting")[1]
    assert sentence in handoff.split("| Environment |")[0]
    (row,) = [line for line in handoff.splitlines() if line.startswith("| [api-availability]")]
    assert f"gRPC on port {grpc}: Prometheus only, no CloudWatch alarm" in row
    readme = files["monitoring/README.md"]
    assert sentence in readme
    assert "**gRPC calls.**" in readme
    assert "`rpc_grpc_status_code`" in readme
    # The SLO table's SLI names the gRPC calls it counts.
    (row,) = [line for line in readme.splitlines() if line.startswith("| `api-availability` |")]
    assert f"gRPC calls (port {grpc}) not ending in 2, 4, 13, 14, 15" in row


def test_where_pages_are_described_managed_prometheus_alerts_reach_email_only(
    full: DeploymentModel, files: dict[str, str]
) -> None:
    """full runs the managed Prometheus with PagerDuty and Slack on the page topic: AMP's
    Alertmanager publishes plain text there, which only email shows."""
    assert any(e.prometheus for e in full.environments)
    assert full.monitoring.routing.pagerduty_topics and full.monitoring.routing.slack
    email = full.alert_email
    runbook = files[f"{DOCS}/runbook.md"]
    paged = runbook.split("## Who is paged")[1].split("\n## ")[0]
    assert f"reach email only ({email})" in paged
    assert "PagerDuty and Slack channel" in paged and "get the CloudWatch alarms only" in paged
    assert "pages by email alone" in paged
    handoff = files[f"{DOCS}/handoff.md"].split("## Monitoring and alerting")[1]
    assert f"reach email only ({email})" in handoff


@pytest.fixture(scope="module", params=["no SLO", "latency SLO only"])
def no_slo(request: pytest.FixtureRequest) -> DeploymentModel:
    """full without api's availability SLO (and without its latency SLO, or with it alone,
    which counts slow gRPC calls, not failing ones): its gRPC status errors are then
    measured by nothing."""
    text = (EXAMPLES / "full.yaml").read_text()
    lines = ["    - {service: api, objective: 99.95, sli: availability}\n"]
    if request.param == "no SLO":
        lines.append("    - {service: api, objective: 99.0, sli: latency, threshold_ms: 250}\n")
    for line in lines:
        assert line in text
        text = text.replace(line, "")
    model = shipspec.plan(shipspec.loads(text), spec_file="full.yaml")
    slis = [slo.sli for slo in model.monitoring.slos if slo.service == "api"]
    assert slis == ([] if request.param == "no SLO" else ["latency"])
    return model


def test_without_an_slo_no_document_says_prometheus_counts_the_grpc_errors(
    no_slo: DeploymentModel,
) -> None:
    """No SLO covers api: no Prometheus rule counts its gRPC calls, so its HTTP alarms and
    the runbook say nothing watches them, and how to change that."""
    http, grpc = _grpc(no_slo)
    unwatched = (
        "no alarm watches its gRPC status errors (gRPC failures travel as HTTP 200); only its "
        "callers' own alarms see them if they turn them into errors; add an availability SLO "
        "for it to count them"
    )
    checked = set()
    for env in no_slo.monitoring.alarms.values():
        for alarm in env.alarms:
            assert "Prometheus SLO" not in alarm.description, alarm.name
            if alarm.target == "service:api" and alarm.check in (
                "5xx-ratio",
                "5xx-sparse",
                "connect-5xx-ratio",
            ):
                checked.add(alarm.check)
                assert f"HTTP port {http} only, not gRPC port {grpc}" in alarm.description
                assert unwatched in alarm.description, alarm.name
    assert checked == {"5xx-ratio", "5xx-sparse", "connect-5xx-ratio"}
    files = dict(render(no_slo))
    runbook = files[f"{DOCS}/runbook.md"]
    assert "Prometheus SLO alone" not in runbook
    assert "only its\n  Prometheus SLO sees" not in runbook
    assert "slo-api-availability" not in runbook
    for title in ("**5xx responses.**", "**5xx to calling services.**"):
        section = runbook.split(title)[1].split("\n\n")[0]
        assert f"Failing gRPC calls: for api, {unwatched}." in section, title
    handoff = files[f"{DOCS}/handoff.md"]
    assert (
        "No availability SLO of the spec covers it, so nothing measures its gRPC status errors."
        in handoff
    )
    readme = files["monitoring/README.md"]
    assert "a failing gRPC port alerts through Prometheus alone" not in readme


def test_with_an_slo_the_runbook_links_the_slo_that_counts_grpc_errors(
    files: dict[str, str],
) -> None:
    runbook = files[f"{DOCS}/runbook.md"]
    for title in ("**5xx responses.**", "**5xx to calling services.**"):
        section = runbook.split(title)[1].split("\n\n")[0]
        assert (
            "Failing gRPC calls: for api, its Prometheus SLO alone counts them "
            "(see [api-availability](#slo-api-availability))"
        ) in section, title
    paged = runbook.split("## Who is paged")[1].split("\n## ")[0]
    assert "A failing gRPC port of api, which only its" in paged
