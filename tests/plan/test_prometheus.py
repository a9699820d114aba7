"""The managed Prometheus path in the plan: which stack, what each task becomes."""

from __future__ import annotations

import yaml

from shipspec.plan.planner import plan
from shipspec.spec.fargate import MEMORY_BY_CPU
from shipspec.spec.loader import loads
from tests.conftest import EXAMPLES

SHOP = yaml.safe_load((EXAMPLES / "shop.yaml").read_text())


def shop(**services: dict) -> str:  # type: ignore[type-arg]
    spec = yaml.safe_load(yaml.safe_dump(SHOP))
    spec["observability"]["prometheus"] = "managed"
    for name, changes in services.items():
        spec["services"][name].update(changes)
    return yaml.safe_dump(spec)


def test_only_the_monitored_stack_gets_the_collector_sized_into_a_fargate_task() -> None:
    model = plan(loads(shop()))
    monitored = model.monitoring.environment
    for env in model.environments:
        assert (env.prometheus is not None) == (env.name == monitored)
    off = plan(loads(yaml.safe_dump(SHOP))).environment(monitored)
    on = model.environment(monitored)
    for before, after in zip(off.services, on.services, strict=True):
        assert after.memory in MEMORY_BY_CPU[after.cpu / 1024]
        assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in before.env
        if after.kind == "job":
            continue  # test_a_scheduled_job_gets_no_collector
        assert after.memory >= before.memory + 128
        assert after.env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://localhost:4318"


def test_a_scheduled_job_gets_no_collector() -> None:
    """A collector beside a job is stopped with the task when the job exits 0 (exit code
    143 or 137), and the job's failed-runs rule reads every container's exit code: the job
    keeps its own size and settings, and the decision says why."""
    model = plan(loads(shop()))
    monitored = model.monitoring.environment
    off = plan(loads(yaml.safe_dump(SHOP))).environment(monitored).service("nightly")
    on = model.environment(monitored).service("nightly")
    assert on.kind == "job"
    assert (on.cpu, on.memory, on.env) == (off.cpu, off.memory, off.env)
    decision = model.environment(monitored).decision("services.nightly.collector")
    assert decision.value is None and "failed-runs rule" in decision.reason


def test_a_full_cpu_size_moves_up_to_the_next_cpu() -> None:
    # 0.25 vCPU allows at most 2 GiB: 2 GiB for the app plus the collector needs 0.5 vCPU.
    model = plan(loads(shop(web={"cpu": 0.25, "memory": "2GiB"})))
    web = model.environment(model.monitoring.environment).service("web")
    assert (web.cpu, web.memory) == (512, 3072)


def test_the_spec_s_own_otlp_settings_win() -> None:
    model = plan(
        loads(
            shop(
                web={"env": {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}},
                mailer={"env": {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel.internal:4318"}},
            )
        )
    )
    env = model.environment(model.monitoring.environment)
    assert env.service("web").env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://localhost:4317"
    assert env.service("mailer").env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel.internal:4318"


def test_an_unknown_prometheus_mode_is_refused_with_its_location(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from shipspec.cli import app

    spec = tmp_path / "handoff.yaml"
    spec.write_text(shop().replace("prometheus: managed", "prometheus: manged"))
    result = CliRunner().invoke(app, ["validate", str(spec)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "observability.prometheus: must be one of" in result.stderr
    assert "handoff.yaml:42:15" in result.stderr and "did you mean `managed`" in result.stderr
