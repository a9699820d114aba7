"""How slow a statement is before its database logs it: half the tightest p99 latency
target of the services that use the database, at least 100 ms, recorded with its reason."""

from __future__ import annotations

import shipspec
from shipspec.plan.model import DeploymentModel

SERVICE = "    type: web\n    image: nginx:1.27\n    port: 8080\n    health: {path: /healthz}\n"


def _plan(requirements: str = "", slos: str = "", engine: str = "postgres") -> DeploymentModel:
    version = {"postgres": "16", "mysql": "8.0", "mariadb": "10.11", "mongodb": "5.0"}[engine]
    return shipspec.plan(
        shipspec.loads(
            "apiVersion: shipspec/v1\nkind: Handoff\n"
            "metadata: {name: acme, owner: team}\n"
            "cloud: {region: eu-west-1}\n"
            "environments:\n  prod: {production: true}\n"
            "services:\n"
            f"  api:\n{SERVICE}    uses: [db]\n"
            f"  admin:\n{SERVICE}    uses: [db]\n"
            f"datastores:\n  db: {{engine: {engine}, version: '{version}'}}\n"
            + (f"requirements:\n{requirements}" if requirements else "")
            + (f"observability:\n  slos:\n{slos}" if slos else "")
        )
    )


def _decision(model: DeploymentModel) -> tuple[int | None, str]:
    env = model.production
    return env.datastore("db").slow_query_ms, env.decision("datastores.db.slow_query_ms").reason


def test_half_the_tightest_latency_target_of_the_services_using_it() -> None:
    model = _plan(
        "  performance: {latency_p99_ms: 800}\n",
        "    - {service: admin, objective: 99.0, sli: latency, threshold_ms: 500}\n",
    )
    ms, reason = _decision(model)
    assert ms == 250  # admin's SLO (500 ms) is tighter than the spec's 800 ms for api
    assert "500 ms p99 latency target of admin (the tightest of its services): 250 ms" in reason


def test_never_under_100_ms() -> None:
    ms, reason = _decision(_plan("  performance: {latency_p99_ms: 150}\n", engine="mysql"))
    assert ms == 100
    assert "75 ms, raised to the 100 ms floor" in reason


def test_without_a_latency_target_half_the_default_the_latency_alarms_use() -> None:
    model = _plan(engine="mongodb")
    ms, reason = _decision(model)
    assert ms == 500
    assert model.production.service("api").alarms.latency_p99_ms == 1000
    assert "the default 1000 ms p99 latency (no latency target for its services)" in reason


def test_a_worker_or_job_never_owns_the_latency_target() -> None:
    """requirements.performance is the web services' target: a worker (or job) using the
    same database, sorted first, must not be named as its owner (a blind review found
    "the 350 ms p99 latency target of claim-adjudication-worker")."""
    text = (
        "apiVersion: shipspec/v1\nkind: Handoff\n"
        "metadata: {name: acme, owner: team}\n"
        "cloud: {region: eu-west-1}\n"
        "environments:\n  prod: {production: true}\n"
        "services:\n"
        f"  gateway:\n{SERVICE}    uses: [db]\n"
        "  adjudicator:\n    type: worker\n    image: x/worker:1\n    uses: [db]\n"
        "  batch:\n    type: job\n    image: x/job:1\n    schedule: 'rate(1 day)'\n"
        "    uses: [db]\n"
        "datastores:\n  db: {engine: postgres, version: '16'}\n"
        "requirements:\n  performance: {latency_p99_ms: 350}\n"
        "observability:\n  slos:\n"
        "    - {service: gateway, objective: 99.0, sli: latency, threshold_ms: 350}\n"
    )
    model = shipspec.plan(shipspec.loads(text))
    ms, reason = _decision(model)
    assert ms == 175
    assert (
        "half the 350 ms p99 latency target of gateway (the only one of its services with a "
        "latency target): 175 ms" in reason
    )
    assert model.production.decision("datastores.db.slow_query_ms").inputs["service"] == "gateway"
    assert "adjudicator" not in reason and "batch" not in reason


def test_used_by_workers_alone_the_specs_own_target_owned_by_none_of_them() -> None:
    text = (
        "apiVersion: shipspec/v1\nkind: Handoff\n"
        "metadata: {name: acme, owner: team}\n"
        "cloud: {region: eu-west-1}\n"
        "environments:\n  prod: {production: true}\n"
        "services:\n"
        "  adjudicator:\n    type: worker\n    image: x/worker:1\n    uses: [db]\n"
        "datastores:\n  db: {engine: postgres, version: '16'}\n"
        "requirements:\n  performance: {latency_p99_ms: 350}\n"
    )
    model = shipspec.plan(shipspec.loads(text))
    ms, reason = _decision(model)
    assert ms == 175
    assert (
        "half the spec's 350 ms p99 latency target (`requirements.performance`; none of its "
        "services answers requests behind the load balancer): 175 ms" in reason
    )
    assert "adjudicator" not in reason
    assert model.production.decision("datastores.db.slow_query_ms").inputs["service"] is None
