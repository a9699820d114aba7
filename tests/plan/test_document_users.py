"""DocumentDB under PCI DSS, HIPAA or SOC 2: each service's task role is its own user.

A review found every service that used a DocumentDB cluster shared its master user (the
secret's ARN, `secretsmanager:GetSecretValue`) under these frameworks, while the SQL
databases already gave each service its own IAM-authenticated user. DocumentDB offers IAM
authentication (MONGODB-AWS) on instance-based 5.0 clusters only, so under these frameworks
a spec naming another version is refused before anything is generated; without them every
environment keeps the master secret, as the SQL databases do.
"""

from __future__ import annotations

import pytest

import shipspec
from shipspec.errors import SpecError
from shipspec.plan.db_admin import database_users, document_users
from shipspec.plan.model import DeploymentModel
from shipspec.plan.planner import plan
from shipspec.render.targets._pipeline import db_admin_runs
from shipspec.render.targets.pulumi import stack_config

HEADER = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: app, owner: team-app}
cloud: {region: eu-west-1}
environments: {dev: {}, prod: {domain: app.example.com}}
services:
  web: {type: web, image: x:1, port: 80, public: true, uses: [docs], env: ENV}
  billing: {type: worker, image: y:1, uses: [docs]}
  nightly: {type: job, image: y:1, schedule: "rate(1 day)", uses: [docs]}
  other: {type: worker, image: z:1}
"""


def text(compliance: list[str], version: str | None = None, env: str = "{}") -> str:
    store = "engine: mongodb" + (f', version: "{version}"' if version else "")
    security = f"{{compliance: [{', '.join(compliance)}], data_classification: confidential"
    security += ", waf: true}" if "pci-dss" in compliance else "}"
    return (
        HEADER.replace("ENV", env)
        + f"datastores:\n  docs: {{{store}}}\n"
        + f"requirements:\n  security: {security}\n"
        + "observability: {alert_email: oncall@example.com}\n"
    )


def model(compliance: list[str], version: str | None = None) -> DeploymentModel:
    return plan(shipspec.loads(text(compliance, version)), spec_file="handoff.yaml")


@pytest.mark.parametrize("framework", ["pci-dss", "hipaa", "soc2"])
def test_regulated_specs_give_each_consuming_service_its_own_user_everywhere(
    framework: str,
) -> None:
    planned = model([framework])
    for env in planned.environments:
        assert document_users(env) == {"docs": ["billing", "nightly", "web"]}
        assert database_users(env) == {}  # the SQL users' SQL never names DocumentDB
        assert db_admin_runs(env) == ["docs"]  # the deploy job creates them first
        for service in ("web", "billing", "nightly"):
            decision = env.decision(f"services.{service}.uses.docs.credentials")
            assert decision.value == "task-role"
            assert "MONGODB-AWS" in decision.reason and "readWrite" in decision.reason
        config = stack_config(planned, env)["services"]
        assert config["web"]["dbUsers"] == {"DOCS": "web"}
        assert "dbUsers" not in config["other"]


def test_without_those_frameworks_every_environment_keeps_the_master_secret() -> None:
    planned = model([])
    for env in planned.environments:
        assert document_users(env) == {}
        assert db_admin_runs(env) == []  # the task stays, a person's way in
        decision = env.decision("services.web.uses.docs.credentials")
        assert decision.value == "master-secret-arn"
        assert "dbUsers" not in stack_config(planned, env)["services"]["web"]


@pytest.mark.parametrize("version", ["4.0", "8.0"])
@pytest.mark.parametrize("framework", ["pci-dss", "hipaa", "soc2"])
def test_a_version_without_iam_authentication_is_refused_under_the_frameworks(
    framework: str, version: str
) -> None:
    with pytest.raises(SpecError) as caught:
        shipspec.loads(text([framework], version))
    (problem,) = [d for d in caught.value.diagnostics if d.path == "datastores.docs.version"]
    assert f"DocumentDB {version} has no IAM authentication" in problem.message
    assert 'version: "5.0"' in problem.hint
    shipspec.loads(text([], version))  # without them, any version DocumentDB runs


def test_the_master_secret_arn_is_not_referable_under_the_frameworks() -> None:
    env = '{DOCS_SECRET: "${docs.secret_arn}"}'
    with pytest.raises(SpecError) as caught:
        shipspec.loads(text(["soc2"], env=env))
    (problem,) = [d for d in caught.value.diagnostics if d.path.endswith("DOCS_SECRET")]
    assert "MONGODB-AWS" in problem.message and "DOCS_URL" in problem.hint
    shipspec.loads(text([], env=env))
    shipspec.loads(text(["soc2"], env='{DOCS: "${docs.url}", DB: "${docs.name}"}'))


def test_a_service_cannot_take_the_admin_task_s_name() -> None:
    """The cluster's one-off task is `<cluster>-admin`: a service of that name would share its
    log group and task family."""
    spec = text(["soc2"]).replace("  other: {", "  docs-admin: {")
    with pytest.raises(SpecError) as caught:
        shipspec.loads(spec)
    assert any(
        d.path == "services.docs-admin" and "db-admin task" in d.message
        for d in caught.value.diagnostics
    )
