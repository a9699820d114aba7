"""``environments.<env>.services/datastores.<name>``: one environment's own sizes."""

from __future__ import annotations

from pathlib import Path

import pytest

import shipspec
from shipspec.errors import SpecError

SPEC = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: ovr, owner: team}
cloud: {region: eu-west-1}
environments:
  staging:
    services:
      web: {cpu: 1, memory: 2GiB, scaling: {min: 2, max: 3}, env: {LOG_LEVEL: debug}}
    datastores:
      db: {instance_class: db.t4g.small, storage_gb: 40, backup_days: 3}
  prod: {}
services:
  web:
    {type: web, image: example/web:1.0, port: 8080, env: {LOG_LEVEL: info, A: b}, uses: [db]}
datastores:
  db: {engine: postgres}
"""


def _plan(tmp_path: Path, text: str) -> shipspec.DeploymentModel:
    path = tmp_path / "handoff.yaml"
    path.write_text(text)
    return shipspec.plan(shipspec.load(path))


def test_an_environment_sets_its_own_sizes_and_the_plan_says_so(tmp_path: Path) -> None:
    model = _plan(tmp_path, SPEC)
    staging, prod = model.environment("staging"), model.environment("prod")
    web = staging.service("web")
    assert (web.cpu, web.memory, web.min_count, web.max_count) == (1024, 2048, 2, 3)
    # The override merges over the service's env; main's telemetry names stay per environment.
    assert {k: v for k, v in web.env.items() if not k.startswith("OTEL_")} == {
        "A": "b",
        "LOG_LEVEL": "debug",
    }
    assert "deployment.environment.name=staging" in web.env["OTEL_RESOURCE_ATTRIBUTES"]
    db = staging.datastore("db")
    assert (db.instance_class, db.storage_gb, db.backup_days) == ("db.t4g.small", 40, 3)
    reasons = {d.key: d.reason for d in staging.decisions}
    for key in ("services.web.size", "services.web.min_count", "datastores.db.instance_class"):
        assert "set in the spec for staging: environments.staging." in reasons[key], key
    assert [d.key for d in staging.decisions].count("datastores.db.instance_class") == 1
    # The other environment keeps the service's own values and the plan's rules.
    prod_env = prod.service("web").env
    assert {k: v for k, v in prod_env.items() if not k.startswith("OTEL_")} == {
        "A": "b",
        "LOG_LEVEL": "info",
    }
    assert prod.service("web").cpu == 256 and prod.datastore("db").instance_class != "db.t4g.small"


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        ("      wbe: {cpu: 1}", "environments.staging.services.wbe", "did you mean `web`?"),
        (
            "      web: {cpu: 0.25, memory: 16GiB}",
            "environments.staging.services.web.memory",
            "Fargate",
        ),
    ],
)
def test_override_mistakes_are_located(
    tmp_path: Path, change: str, where: str, message: str
) -> None:
    text = SPEC.replace(
        "      web: {cpu: 1, memory: 2GiB, scaling: {min: 2, max: 3}, env: {LOG_LEVEL: debug}}",
        change,
    )
    path = tmp_path / "handoff.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as raised:
        shipspec.load(path)
    (problem,) = raised.value.diagnostics
    assert problem.path == where and message in str(problem) and problem.line == 8


def test_datastore_override_mistakes_are_located(tmp_path: Path) -> None:
    path = tmp_path / "handoff.yaml"
    path.write_text(SPEC.replace("db: {instance_class", "dbb: {instance_class"))
    with pytest.raises(SpecError) as raised:
        shipspec.load(path)
    (problem,) = raised.value.diagnostics
    assert problem.path == "environments.staging.datastores.dbb" and problem.line == 10
    assert problem.hint == "did you mean `db`?"
    path.write_text(SPEC.replace("instance_class: db.t4g.small", "instance_class: cache.t4g.small"))
    with pytest.raises(SpecError) as raised:
        shipspec.load(path)
    (problem,) = raised.value.diagnostics
    assert problem.path == "environments.staging.datastores.db.instance_class"
    assert "not an instance class for engine postgres" in problem.message
