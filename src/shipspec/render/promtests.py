"""promtool unit tests for the SLO rules: synthetic traffic at known burn rates, expected alerts.

A :class:`Scenario` is a sequence of phases (minutes at a burn rate, in multiples of the
error budget) and checks (at minute N, exactly these alerts fire, by long window).
Expressed in burn rates, the expectations hold for every objective, so one set of
scenarios tests every SLO; a scenario needing more errors than requests (a 16× burn of
a 10% budget) is left out for that SLO. Traffic is 1000 requests a minute.

The file evaluates rules every 5 minutes: the 5-minute rates then tile time exactly, and
3 days of history simulate in about a second instead of ten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..plan.model import DeploymentModel
from ..plan.monitoring import MetricConvention, SloMonitor, seconds
from .prometheus import bucket_missing_alert_name, no_data_alert_name, rule_groups
from .promql import NO_DATA_WINDOW, rpc_bucket_le

REQUESTS_PER_MINUTE = 1000
EVALUATION_INTERVAL = "5m"
DAY = 1440


@dataclass(frozen=True)
class Scenario:
    name: str
    phases: tuple[tuple[int, float], ...]  # (minutes, burn rate; an error share with `shares`)
    checks: tuple[tuple[int, tuple[str, ...]], ...]  # (minute, long windows of firing alerts)
    requests: int = REQUESTS_PER_MINUTE  # a minute
    shares: bool = False  # phases give the share of failing requests, not a burn rate

    def error_shares(self, budget: float) -> list[float]:
        return [rate if self.shares else rate * budget for _, rate in self.phases]


# The shipped set; the ratios in the comments are in multiples of the budget.
SCENARIOS = (
    Scenario("0.9x for 6h: under budget, nothing fires", ((360, 0.9),), ((360, ()),)),
    Scenario(
        # At +50m the 1h window has burned 13.3x; at +65m 16x; 15m after the burn stops
        # the 5m window is clean, so the page resolves though the 1h window is still hot.
        "16x after a quiet day: pages within the hour, resolves when the burn stops",
        ((DAY, 0), (70, 16), (30, 0)),
        ((DAY + 50, ()), (DAY + 65, ("1h",)), (DAY + 85, ())),
    ),
    Scenario(
        # +4h: 6h at 5.3x (no page), 3d at 1.14x (ticket); +5h: 6h at 6.7x pages as well.
        "8x after a quiet day: a ticket after 4h, a page once 5% of the budget is gone",
        ((DAY, 0), (300, 8)),
        ((DAY + 240, ("3d",)), (DAY + 300, ("3d", "6h"))),
    ),
    Scenario(
        # 3d window: 0.91x after 10h of burn, 1.08x after 14h; never a page.
        "2x after a quiet half day: no page, a ticket after 14h",
        ((720, 0), (900, 2)),
        ((720 + 600, ()), (720 + 840, ("3d",))),
    ),
    Scenario(
        # Half of every request fails, but 4 requests a minute is under any floor.
        "2 errors in 4 requests a minute for 6h: under the request floor, nothing fires",
        ((360, 0.5),),
        ((60, ()), (360, ())),
        requests=4,
        shares=True,
    ),
    Scenario(
        # 150 requests a minute is over every floor (at most 100): a 16x burn from the
        # start fires all four alerts within a quarter of an hour.
        "16x at 150 requests a minute: over the floor, pages within 15 minutes",
        ((30, 16),),
        ((15, ("1h", "6h", "1d", "3d")),),
        requests=150,
    ),
)


# A failing gRPC port: its calls end in UNAVAILABLE at 16× the budget's rate (of all
# requests, HTTP and gRPC alike) while every HTTP request succeeds, as when the port's
# callers' proxies cannot reach it. Calls answered NOT_FOUND (the caller's mistake) ride
# along and must not count. Pages within the hour, as the HTTP scenario of the same burn.
GRPC_SCENARIO = Scenario(
    "gRPC calls fail at 16x (UNAVAILABLE, or slow), HTTP all good: pages within the hour",
    ((DAY, 0), (70, 16), (30, 0)),
    ((DAY + 50, ()), (DAY + 65, ("1h",)), (DAY + 85, ())),
)
GRPC_NOT_FOUND_SHARE = 0.1  # of the gRPC calls, every minute
GRPC_MAX_SHARE = (1 - GRPC_NOT_FOUND_SHARE) / 2  # bad gRPC calls are twice the total share


def rule_tests(model: DeploymentModel, scenarios: tuple[Scenario, ...] = SCENARIOS) -> dict:
    """The promtool test file for the model's rules file, as data."""
    alerts = {
        (rule["labels"]["slo"], rule["labels"].get("window", rule["alert"])): rule
        for group in rule_groups(model)
        for rule in group["rules"]
        if "alert" in rule
    }
    mon = model.monitoring
    tests = [
        _test_group(mon.metrics, slo, scenario, alerts)
        for slo in mon.slos
        for scenario in scenarios
        if max(scenario.error_shares(slo.error_budget)) <= 1
    ]
    tests += [
        _test_group(mon.metrics, slo, GRPC_SCENARIO, alerts, grpc=True)
        for slo in mon.slos
        if slo.grpc_ports and max(GRPC_SCENARIO.error_shares(slo.error_budget)) <= GRPC_MAX_SHARE
    ]
    tests += [_no_data_test(mon.metrics, slo, alerts) for slo in mon.slos]
    tests += [
        t
        for slo in mon.slos
        if slo.sli == "latency"
        for t in _bucket_tests(mon.metrics, slo, alerts)
    ]
    return {
        "rule_files": [f"{model.app}-slos.rules.yml"],
        "evaluation_interval": EVALUATION_INTERVAL,
        "tests": tests,
    }


def _test_group(
    metrics: MetricConvention,
    slo: SloMonitor,
    scenario: Scenario,
    alerts: dict,
    *,
    grpc: bool = False,
) -> dict[str, Any]:
    windows = {a.long_window for a in slo.alerts}
    checks = []
    for minute, firing in scenario.checks:
        expected = [alerts[(slo.name, w)] for w in sorted(set(firing) & windows, key=seconds)]
        checks.append(
            {
                "eval_time": f"{minute}m",
                "alertname": slo.alert_name,
                "exp_alerts": [
                    {"exp_labels": rule["labels"], "exp_annotations": rule["annotations"]}
                    for rule in expected
                ],
            }
        )
    return {
        "name": f"{slo.name}: {scenario.name}",
        "interval": "1m",
        "input_series": grpc_series(metrics, slo, scenario)
        if grpc
        else series(metrics, slo, scenario),
        "alert_rule_test": checks,
    }


def _no_data_test(metrics: MetricConvention, slo: SloMonitor, alerts: dict) -> dict[str, Any]:
    """Traffic for an hour, then none: the no-data ticket is quiet while requests arrive and
    fires once the counter has been gone for the whole window."""
    rule = alerts[(slo.name, no_data_alert_name(slo))]
    traffic = Scenario("", ((60, 0.0),), ())
    stale = 60 + seconds(NO_DATA_WINDOW) // 60 + 10  # Prometheus' 5-minute staleness, and some
    return {
        "name": f"{slo.name}: its series stop after an hour: the no-data ticket fires",
        "interval": "1m",
        "input_series": series(metrics, slo, traffic)
        + (_rpc_series(metrics, slo, traffic) if slo.grpc_ports else []),
        "alert_rule_test": [
            {"eval_time": "55m", "alertname": rule["alert"], "exp_alerts": []},
            {
                "eval_time": f"{stale}m",
                "alertname": rule["alert"],
                # absent_over_time() returns the selector's equality matchers as labels.
                "exp_alerts": [
                    {
                        "exp_labels": {**slo.selector, **rule["labels"]},
                        "exp_annotations": rule["annotations"],
                    }
                ],
            },
        ],
    }


def _bucket_tests(metrics: MetricConvention, slo: SloMonitor, alerts: dict) -> list[dict[str, Any]]:
    """The latency SLO's threshold bucket: quiet while it is exported, a ticket while only
    the request counter is (a histogram without that boundary)."""
    rule = alerts[(slo.name, bucket_missing_alert_name(slo))]
    traffic = Scenario("", ((60, 0.0),), ())
    full = series(metrics, slo, traffic) + (
        _rpc_series(metrics, slo, traffic) if slo.grpc_ports else []
    )
    count_only = [s for s in full if not s["series"].startswith(metrics.bucket_metric + "{")]
    # absent_over_time() returns the selector's equality matchers as labels; an integer
    # bound is matched by a regex (le_matcher), which gives no label.
    le = {} if float(slo.bucket_le or 0).is_integer() else {"le": f"{slo.bucket_le:g}"}
    return [
        {
            "name": f"{slo.name}: its {slo.threshold_ms} ms bucket is exported: no bucket ticket",
            "interval": "1m",
            "input_series": full,
            "alert_rule_test": [{"eval_time": "30m", "alertname": rule["alert"], "exp_alerts": []}],
        },
        {
            "name": f"{slo.name}: requests counted, no {slo.threshold_ms} ms bucket: a ticket",
            "interval": "1m",
            "input_series": count_only,
            "alert_rule_test": [
                {
                    "eval_time": "30m",
                    "alertname": rule["alert"],
                    "exp_alerts": [
                        {
                            "exp_labels": {**slo.selector, **le, **rule["labels"]},
                            "exp_annotations": rule["annotations"],
                        }
                    ],
                }
            ],
        },
    ]


def grpc_series(
    metrics: MetricConvention, slo: SloMonitor, scenario: Scenario
) -> list[dict[str, str]]:
    """HTTP requests that all succeed (fast), and as many gRPC calls a minute of which the
    scenario's failures (twice its share, so the share of all requests is the scenario's)
    end UNAVAILABLE (availability) or are slow (latency), and a tenth NOT_FOUND."""
    per_minute = scenario.requests
    minutes = [m for m, _ in scenario.phases]
    steady = Scenario("", tuple((m, 0.0) for m in minutes), ())
    http = series(metrics, slo, Scenario("", steady.phases, (), requests=per_minute))
    return http + _rpc_series(metrics, slo, scenario, share=2)


def _rpc_series(
    metrics: MetricConvention, slo: SloMonitor, scenario: Scenario, share: float = 1
) -> list[dict[str, str]]:
    per_minute = scenario.requests
    minutes = [m for m, _ in scenario.phases]
    bad = [share * s * per_minute for s in scenario.error_shares(slo.error_budget)]
    not_found = GRPC_NOT_FOUND_SHARE * per_minute
    base = dict(slo.selector)
    status = metrics.rpc_status_label
    if slo.sli == "availability":
        return [
            {
                "series": _name(metrics.rpc_count_metric, base, status, "0"),
                "values": _counter(minutes, [per_minute - not_found - b for b in bad]),
            },
            {
                "series": _name(metrics.rpc_count_metric, base, status, "5"),
                "values": _counter(minutes, [not_found] * len(minutes)),
            },
            {
                "series": _name(metrics.rpc_count_metric, base, status, "14"),
                "values": _counter(minutes, bad),
            },
        ]
    return [
        {
            "series": _name(metrics.rpc_count_metric, base, status, "0"),
            "values": _counter(minutes, [per_minute] * len(minutes)),
        },
        {
            "series": _name(
                metrics.rpc_bucket_metric,
                {**base, status: "0"},
                "le",
                f"{rpc_bucket_le(metrics, slo):g}",
            ),
            "values": _counter(minutes, [per_minute - b for b in bad]),
        },
    ]


def series(metrics: MetricConvention, slo: SloMonitor, scenario: Scenario) -> list[dict[str, str]]:
    """Counters for the scenario's phases: good and bad requests (availability) or all and
    fast (latency)."""
    per_minute = scenario.requests
    bad = [share * per_minute for share in scenario.error_shares(slo.error_budget)]
    minutes = [m for m, _ in scenario.phases]
    good = _counter(minutes, [per_minute - b for b in bad])
    base = dict(slo.selector)
    if slo.sli == "availability":
        return [
            {
                "series": _name(metrics.count_metric, base, metrics.status_label, "200"),
                "values": good,
            },
            {
                "series": _name(metrics.count_metric, base, metrics.status_label, "500"),
                "values": _counter(minutes, bad),
            },
        ]
    assert slo.bucket_le is not None
    return [
        {
            "series": _name(metrics.count_metric, base, metrics.status_label, "200"),
            "values": _counter(minutes, [per_minute] * len(minutes)),
        },
        {
            "series": _name(
                metrics.bucket_metric,
                {**base, metrics.status_label: "200"},
                "le",
                f"{slo.bucket_le:g}",
            ),
            "values": good,
        },
    ]


def _counter(minutes: list[int], per_minute: list[float]) -> str:
    """promtool's expanding notation: a counter rising ``per_minute[i]`` for ``minutes[i]``."""
    value, parts = 0.0, ["0"]
    for count, step in zip(minutes, per_minute, strict=True):
        parts.append(f"{_num(value + step)}+{_num(step)}x{count - 1}")
        value += step * count
    return " ".join(parts)


def _name(metric: str, labels: dict[str, str], key: str, value: str) -> str:
    pairs = sorted({**labels, key: value}.items())
    return metric + "{" + ", ".join(f'{k}="{v}"' for k, v in pairs) + "}"


def _num(value: float) -> str:
    return f"{round(value, 6):.6f}".rstrip("0").rstrip(".")
