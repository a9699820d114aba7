"""What watches a service its callers reach through Service Connect, in the plan."""

from __future__ import annotations

from pathlib import Path

import pytest

import shipspec
from tests.preview.test_connect_scenarios import SPEC


def _model(tmp_path: Path, spec: str) -> shipspec.DeploymentModel:
    (tmp_path / "handoff.yaml").write_text(spec, encoding="utf-8")
    return shipspec.plan(shipspec.load(tmp_path / "handoff.yaml"), spec_file="handoff.yaml")


def _alarms(model: shipspec.DeploymentModel) -> dict[str, object]:
    planned = model.monitoring.alarms["prod"]
    return {a.name: a for a in [*planned.alarms, *planned.composites]}


CALLER = ("ClusterName", "ServiceName", "TargetDiscoveryName")
LB = ("LoadBalancer", "TargetGroup")


def test_the_availability_burn_reads_the_callers_proxies(tmp_path: Path) -> None:
    """Errors and requests from the same places: what gateway's proxy sent renderer and
    got back, and what the load balancer sent its target group and got back; never the
    requests renderer's own proxy received (DiscoveryName), which stop when calls cannot
    reach it while the callers' 503s go on."""
    alarms = _alarms(_model(tmp_path, SPEC))
    burn = alarms["freight-prod-renderer-availability-burn-1h-5m"]
    metrics = {
        m.id: (m.namespace, m.metric_name, tuple(sorted(m.dimensions)))
        for m in burn.metrics  # type: ignore[attr-defined]
    }
    assert metrics == {
        "errors0": ("AWS/ECS", "HTTPCode_Target_5XX_Count", CALLER),
        "calls0": ("AWS/ECS", "RequestCount", CALLER),
        "lb_errors": ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", LB),
        "lb_requests": ("AWS/ApplicationELB", "RequestCount", LB),
    }
    gateway_side = [m for m in burn.metrics if m.id in ("errors0", "calls0")]  # type: ignore[attr-defined]
    assert {m.dimensions["ServiceName"] for m in gateway_side} == {"service:gateway.name"}
    assert burn.expression == (  # type: ignore[attr-defined]
        "IF((FILL(calls0, 0) + FILL(lb_requests, 0)) >= 60, "
        "(FILL(errors0, 0) + FILL(lb_errors, 0)) / (FILL(calls0, 0) + FILL(lb_requests, 0)), 0)"
    )
    # gateway's burn still reads its public load balancer.
    gateway = alarms["freight-prod-gateway-availability-burn-1h-5m"]
    assert {m.namespace for m in gateway.metrics} == {"AWS/ApplicationELB"}  # type: ignore[attr-defined]


@pytest.mark.parametrize("slo", [True, False], ids=["with-slo", "without-slo"])
def test_the_connect_ratio_rolls_back_and_pages_where_the_alb_ratio_would(
    tmp_path: Path, slo: bool
) -> None:
    spec = (
        SPEC
        if slo
        else SPEC.replace("    - {service: renderer, objective: 99.9, sli: availability}\n", "")
    )
    alarms = _alarms(_model(tmp_path, spec))
    connect = alarms["freight-prod-renderer-connect-5xx-ratio"]
    alb = alarms["freight-prod-renderer-5xx-ratio"]
    assert connect.rollback and alb.rollback  # type: ignore[attr-defined]
    assert connect.pages is (not slo), "the burn rate pages where there is an SLO"  # type: ignore[attr-defined]
    assert alb.pages is False, "its load balancer sees none of the calls"  # type: ignore[attr-defined]


def test_a_latency_slo_of_a_connect_only_service_says_why_cloudwatch_has_no_burn(
    tmp_path: Path,
) -> None:
    spec = SPEC + "    - {service: renderer, objective: 99.0, sli: latency, threshold_ms: 500}\n"
    model = _model(tmp_path, spec)
    assert not any("renderer-latency-burn" in name for name in _alarms(model))
    decision = model.monitoring.decision("alarms.prod.freight-prod-renderer-latency-burn")
    assert decision.value is None
    assert "per caller" in decision.reason


def test_callers_past_one_alarms_metrics_are_read_by_the_discovery_name_alone(
    tmp_path: Path,
) -> None:
    """Two metrics a caller and two of the load balancer: five callers would need 12, past
    CloudWatch's 10 in one metric math alarm, so the ratio reads renderer's
    TargetDiscoveryName alone (every caller's proxy), and the decision says so."""
    callers = [f"caller{i}" for i in range(5)]
    extra = "".join(
        f"  {c}:\n    type: worker\n    image: ghcr.io/example/{c}:1.0\n    calls: [renderer]\n"
        for c in callers
    )
    spec = SPEC.replace("  renderer:\n", extra + "  renderer:\n")
    model = _model(tmp_path, spec)
    alarms = _alarms(model)
    ratio = alarms["freight-prod-renderer-connect-5xx-ratio"]
    metrics = {(m.id, tuple(sorted(m.dimensions))) for m in ratio.metrics}  # type: ignore[attr-defined]
    assert metrics == {
        ("errors0", ("TargetDiscoveryName",)),
        ("calls0", ("TargetDiscoveryName",)),
        ("lb_errors", LB),
        ("lb_requests", LB),
    }
    decision = model.monitoring.decision("alarms.prod.freight-prod-renderer-connect-5xx-ratio")
    assert "TargetDiscoveryName alone" in decision.reason
