"""Which frameworks give each service its own database user, per engine and environment.

A SOC 2 review found every service of a production MariaDB stack, the internet-facing one
included, signed in as the RDS master user: the rule gave services their own users only
under PCI DSS or HIPAA. SOC 2's least privilege (CC6.1, CC6.3) asks the same of production
data, so soc2 now counts too. SQL Server (no IAM database authentication on RDS) and MariaDB
before 10.11 keep the master secret everywhere.

A second review found that non-production still shared the master secret, so staging never
ran the sign-in path production relies on (IAM authentication, the db-admin task's grants,
rds-db:connect, token generation): the first production deploy was its first run. Under
these frameworks every environment now gives each service its own user; without them every
environment, production included, keeps the master secret.
"""

from __future__ import annotations

import pytest

import shipspec
from shipspec.plan.db_admin import database_users
from shipspec.plan.model import DeploymentModel
from shipspec.plan.planner import plan
from shipspec.render.targets.pulumi import stack_config

HEADER = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: app, owner: team-app}
cloud: {region: eu-west-1}
environments: {dev: {}, prod: {domain: app.example.com}}
services:
  web: {type: web, image: x:1, port: 80, public: true, uses: [db]}
  billing: {type: worker, image: y:1, uses: [db]}
"""


def model(engine: str, compliance: list[str], version: str | None = None) -> DeploymentModel:
    store = f"engine: {engine}" + (f', version: "{version}"' if version else "")
    security = f"{{compliance: [{', '.join(compliance)}], data_classification: confidential"
    security += ", waf: true}" if "pci-dss" in compliance else "}"
    return plan(
        shipspec.loads(
            HEADER
            + f"datastores:\n  db: {{{store}}}\n"
            + f"requirements:\n  security: {security}\n"
            + "observability: {alert_email: oncall@example.com}\n"
        ),
        spec_file="handoff.yaml",
    )


@pytest.mark.parametrize("engine", ["postgres", "mysql", "mariadb"])
@pytest.mark.parametrize("framework", ["pci-dss", "hipaa", "soc2"])
def test_regulated_specs_give_each_service_its_own_user_in_every_environment(
    engine: str, framework: str
) -> None:
    planned = model(engine, [framework])
    reasons = {"prod": f"production under {framework}", "dev": f"{framework} in every environment"}
    for env_name, says in reasons.items():
        env = planned.environment(env_name)
        assert database_users(env) == {"db": ["billing", "web"]}, env_name
        for service in ("web", "billing"):
            (use,) = env.service(service).uses
            assert use.db_user == service
            decision = env.decision(f"services.{service}.uses.db.credentials")
            assert decision.value == service
            assert says in decision.reason
            assert "its own database user" in decision.reason
        # The stack config names the user, so the program grants rds-db:connect on it only.
        config = stack_config(planned, env)
        assert config["services"]["web"]["dbUsers"] == {"DB": "web"}
    # Non-production says why it does what production does.
    dev_reason = planned.environment("dev").decision("services.web.uses.db.credentials").reason
    assert "before production does" in dev_reason
    assert "production under" not in dev_reason


@pytest.mark.parametrize("engine", ["postgres", "mysql", "mariadb"])
def test_without_a_framework_every_environment_shares_the_master_secret(engine: str) -> None:
    planned = model(engine, [])
    for env_name in ("dev", "prod"):
        env = planned.environment(env_name)
        assert database_users(env) == {}
        assert stack_config(planned, env)["services"]["web"]["dbUsers"] == {"DB": None}
        decision = env.decision("services.web.uses.db.credentials")
        assert decision.value == "master-secret-arn"
        assert "master user in every environment, production included" in decision.reason


@pytest.mark.parametrize("env_name", ["dev", "prod"])
def test_soc2_mariadb_before_10_11_keeps_the_master_secret_and_says_to_upgrade(
    env_name: str,
) -> None:
    env = model("mariadb", ["soc2"], "10.6").environment(env_name)
    assert database_users(env) == {}
    reason = env.decision("services.web.uses.db.credentials").reason
    assert "soc2 asks for a database user per service" in reason
    assert "only from 10.11" in reason
    assert database_users(model("mariadb", ["soc2"], "10.11").environment(env_name)) == {
        "db": ["billing", "web"]
    }


@pytest.mark.parametrize("env_name", ["dev", "prod"])
def test_soc2_sql_server_keeps_the_master_secret_and_says_why(env_name: str) -> None:
    env = model("sqlserver", ["soc2"]).environment(env_name)
    (use,) = env.service("web").uses
    assert use.db_user is None
    decision = env.decision("services.web.uses.db.credentials")
    assert decision.value == "master-secret-arn"
    assert "no IAM database authentication" in decision.reason
    assert "soc2's user per service is a login the application creates" in decision.reason
