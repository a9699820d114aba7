"""The generated rules under promtool: syntax, the shipped unit tests, and burn-rate scenarios.

Scenarios feed synthetic counters at a burn rate (a multiple of the error budget) and
state which alerts fire, by long window, at which minute: exactly those, no others.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shipspec.render.engine import environment
from shipspec.render.promtests import DAY, Scenario, rule_tests
from tests.monitoring.monitoring_support import (
    EXAMPLES,
    model_from,
    model_of,
    otel_prometheus_labels,
    run,
    write,
)

TEMPLATE = "monitoring/monitoring/prometheus/{app}-slos.test.yml.j2"


def scenario_file(model, folder: Path, *scenarios: Scenario) -> Path:
    """Write a promtool test file for ``scenarios`` beside the model's rules file."""
    text = (
        environment()
        .get_template(TEMPLATE)
        .render(model=model, rule_tests=rule_tests(model, scenarios))
    )
    path = folder / "prometheus" / "scenario.test.yml"
    path.write_text(text)
    return path


def promtool_test(promtool: str, path: Path):
    return run(promtool, "test", "rules", path.name, cwd=path.parent)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory):
    model = model_of("shop")
    return model, write(model, tmp_path_factory.mktemp("shop"))


@pytest.mark.parametrize("example", EXAMPLES)
def test_rules_pass_promtool_check(example: str, rendered, promtool: str) -> None:
    result = run(
        promtool,
        "check",
        "rules",
        str(next((rendered[example] / "prometheus").glob("*.rules.yml"))),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize("example", EXAMPLES)
def test_shipped_unit_tests_pass(example: str, shipped_tests) -> None:
    result = shipped_tests[example]
    assert result.returncode == 0, result.stdout
    assert "SUCCESS" in result.stdout


def test_every_slo_alert_is_exercised_by_the_shipped_tests(rendered) -> None:
    text = (rendered["shop"] / "prometheus" / "shop-slos.test.yml").read_text()
    for window in ("1h", "6h", "3d"):
        assert f"window: '{window}'" in text
    assert text.count("exp_alerts: []") >= 4  # and the quiet checks that nothing else fires


@pytest.mark.parametrize(
    ("burn", "firing"),
    [(14.0, ()), (15.0, ("1h",))],
    ids=["14x stays quiet", "15x pages"],
)
def test_the_fast_page_fires_above_14_4x_within_the_hour(shop, promtool, burn, firing) -> None:
    model, folder = shop
    scenario = Scenario(f"{burn}x", ((DAY, 0), (65, burn)), ((DAY + 65, firing),))
    result = promtool_test(promtool, scenario_file(model, folder, scenario))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_2x_burn_never_pages_and_opens_the_3_day_ticket_in_time(shop, promtool) -> None:
    model, folder = shop
    quiet: tuple = tuple((720 + h * 60, ()) for h in (1, 6, 10))
    checks = (*quiet, (720 + 14 * 60, ("3d",)))
    scenario = Scenario("2x", ((720, 0), (900, 2)), checks)
    result = promtool_test(promtool, scenario_file(model, folder, scenario))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_3_5x_burn_opens_the_1_day_ticket_but_never_pages(shop, promtool) -> None:
    model, folder = shop
    # 1d window after 22h: 3.5 × 1320/1440 = 3.2 > 3; the 3d window crossed 1 long before
    scenario = Scenario("3.5x", ((DAY, 0), (1320, 3.5)), ((DAY + 1320, ("1d", "3d")),))
    result = promtool_test(promtool, scenario_file(model, folder, scenario))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_expectation_fails(shop, promtool) -> None:
    """The harness can fail: claim a 2x burn pages, and promtool must disagree."""
    model, folder = shop
    scenario = Scenario("2x pages?", ((60, 2),), ((60, ("1h",)),))
    result = promtool_test(promtool, scenario_file(model, folder, scenario))
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("requests", "firing"),
    [(99, ()), (100, ("1h", "6h", "1d", "3d"))],
    ids=["under-the-floor", "at-the-floor"],
)
def test_burn_alerts_judge_only_minutes_over_the_request_floor(
    shop, promtool, requests, firing
) -> None:
    """shop's floor is 100 requests a minute (1% of a 900 rps peak minute, capped), the
    CloudWatch burn alarms' own: a 50% error share at 99 a minute stays quiet, at 100 every
    burn-rate alert fires."""
    model, folder = shop
    assert model.monitoring.decision("alarms.prod.min_requests").value == 100
    scenario = Scenario("floor", ((60, 0.5),), ((30, firing),), requests=requests, shares=True)
    result = promtool_test(promtool, scenario_file(model, folder, scenario))
    assert result.returncode == 0, result.stdout + result.stderr


LATENCY_AT_1S = """
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: lat, owner: team}
cloud: {region: eu-west-1}
environments: {prod: {}}
services:
  web: {type: web, image: x/web:1, port: 8080, public: true}
observability:
  slos: [{service: web, objective: 99, sli: latency, threshold_ms: 1000}]
"""


@pytest.mark.parametrize("le", ["1", "1.0"])
def test_an_integer_bucket_matches_both_spellings_of_le(tmp_path, promtool, le) -> None:
    """Go exporters write le="1", Python ones and Prometheus 3 le="1.0"; both must count.

    Were the bucket unmatched, the SLI would have no data and nothing could fire; with
    one hour of history every window sees the 16x burn, so all four alerts fire.
    """
    model = model_from(LATENCY_AT_1S)
    folder = write(model, tmp_path)
    burn = Scenario("16x slow", ((60, 16),), ((60, ("1h", "6h", "1d", "3d")),))
    path = scenario_file(model, folder, burn)
    path.write_text(re.sub(r'le="1"', f'le="{le}"', path.read_text()))
    assert f'le="{le}"' in path.read_text()
    result = promtool_test(promtool, path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_recording_rules_compute_the_error_ratio(tmp_path, promtool) -> None:
    """0.25% errors against a 0.5% budget: the ratio is 0.0025 and half the budget is left.
    Series carry the labels the OpenTelemetry pipeline derives from the task's variables;
    the dev environment's errors, in the same Prometheus, do not count."""
    model = model_of("webapp")  # one SLO: 99.5% availability
    folder = write(model, tmp_path)
    series = "http_server_request_duration_seconds_count"
    task = otel_prometheus_labels(model.production.service("web").env)
    fed = ", ".join(f'{k}="{v}"' for k, v in sorted(task.items()))
    selector = 'app="webapp", slo="web-availability"'
    labels = '{app="webapp", service="web", sli="availability", slo="web-availability"}'
    text = f"""
rule_files: [webapp-slos.rules.yml]
evaluation_interval: 5m
tests:
  - interval: 1m
    input_series:
      - series: '{series}{{{fed}, http_response_status_code="200"}}'
        values: '0+997.5x360'
      - series: '{series}{{{fed}, http_response_status_code="503"}}'
        values: '0+2.5x360'
      - series: '{series}{{job="webapp/webapp-web", deployment_environment_name="dev",
          http_response_status_code="503"}}'
        values: '0+500x360'
    promql_expr_test:
      - expr: slo:sli_error:ratio_rate1h{{{selector}}}
        eval_time: 6h
        exp_samples: [{{labels: 'slo:sli_error:ratio_rate1h{labels}', value: 0.0025}}]
      - expr: round(slo:error_budget:remaining_ratio{{{selector}}}, 0.0001)
        eval_time: 6h
        exp_samples: [{{labels: '{labels}', value: 0.5}}]
      - expr: service:http_server_errors:ratio_rate5m
        eval_time: 6h
        exp_samples:
          - labels: 'service:http_server_errors:ratio_rate5m{{app="webapp", service="web"}}'
            value: 0.0025
"""
    path = folder / "prometheus" / "ratio.test.yml"
    path.write_text(text)
    result = promtool_test(promtool, path)
    assert result.returncode == 0, result.stdout + result.stderr


ODD = """
apiVersion: shipspec/v1
kind: Handoff
metadata: {{name: odd, owner: team}}
cloud: {{region: eu-west-1}}
environments: {{prod: {{}}}}
services:
  web: {{type: web, image: x/web:1, port: 8080, public: true}}
  api: {{type: web, image: x/api:1, port: 8080}}
observability:
  slos:
    - {{service: web, objective: {low}, sli: availability}}
    - {{service: api, objective: 99.999, sli: latency, threshold_ms: 7}}
"""


def test_extreme_objectives_generate_rules_and_tests_that_pass(tmp_path, promtool) -> None:
    """A 10% budget drops the 14.4x page and the scenarios it cannot run; 99.999% still works."""
    model = model_from(ODD.format(low=90))
    folder = write(model, tmp_path) / "prometheus"
    check = run(promtool, "check", "rules", "odd-slos.rules.yml", cwd=folder)
    assert check.returncode == 0, check.stdout + check.stderr
    result = run(promtool, "test", "rules", "odd-slos.test.yml", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    tests = (folder / "odd-slos.test.yml").read_text()
    assert "web-availability: 16x" not in tests and "web-availability: 8x" in tests
    assert "api-latency: 16x" in tests


GRPC_PORT = """
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: trk, owner: team}
cloud: {region: eu-west-1}
environments: {prod: {}}
services:
  api: {type: web, image: x/api:1, port: 8080, public: true, calls: [tracking]}
  tracking:
    type: web
    image: x/tracking:1
    port: 8081
    public: false
    ports: [{port: 50051, protocol: grpc, name: rpc}]
observability:
  slos:
    - {service: tracking, objective: 99.9, sli: availability}
    - {service: tracking, objective: 99, sli: latency, threshold_ms: 250}
"""


def test_failing_grpc_calls_page_through_the_slo(tmp_path, promtool) -> None:
    """A service with a gRPC port: its calls end in UNAVAILABLE (HTTP 200 on the wire, so no
    5xx anywhere) while every HTTP request succeeds. The shipped tests have the SLO page for
    it (and not for NOT_FOUND, the caller's mistake); with the gRPC side dropped from the SLI
    the same tests fail, so they test the gRPC side."""
    model = model_from(GRPC_PORT)
    availability = model.monitoring.slo("tracking-availability")
    assert availability.grpc_ports == [50051]
    folder = write(model, tmp_path)
    prom = folder / "prometheus"
    names = [t["name"] for t in rule_tests(model)["tests"]]
    assert any(n.startswith("tracking-availability: gRPC calls fail") for n in names)
    assert any(n.startswith("tracking-latency: gRPC calls fail") for n in names)
    shipped = prom / "trk-slos.test.yml"
    result = promtool_test(promtool, shipped)
    assert result.returncode == 0, result.stdout + result.stderr

    rules = prom / "trk-slos.rules.yml"
    text = rules.read_text()
    assert 'rpc_grpc_status_code=~"2|4|13|14|15"' in text
    rules.write_text(
        text.replace('rpc_grpc_status_code=~"2|4|13|14|15"', 'rpc_grpc_status_code="x"')
    )
    blind = promtool_test(promtool, shipped)
    assert blind.returncode != 0
    assert "tracking-availability: gRPC calls fail" in blind.stdout + blind.stderr


def test_a_missing_latency_bucket_opens_a_ticket(tmp_path, promtool) -> None:
    """Requests counted but no series at the threshold's boundary: the latency SLI has no
    errors expression result, so its burn-rate alerts can never fire; a ticket says so
    (quiet while the bucket is exported, quiet while everything is gone: no-data says that)."""
    model = model_from(LATENCY_AT_1S)
    folder = write(model, tmp_path)
    rules = (folder / "prometheus" / "lat-slos.rules.yml").read_text()
    assert "alert: LatWebLatencyBucketMissing" in rules
    tests = rule_tests(model, ())["tests"]
    bucket = [t for t in tests if "bucket" in t["name"]]
    assert [bool(t["alert_rule_test"][0]["exp_alerts"]) for t in bucket] == [False, True]
    result = promtool_test(promtool, folder / "prometheus" / "lat-slos.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
