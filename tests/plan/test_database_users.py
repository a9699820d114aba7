"""Which frameworks give each service its own database user, per engine and environment.

A SOC 2 review found every service of a production MariaDB stack, the internet-facing one
included, signed in as the RDS master user: the rule gave services their own users only
under PCI DSS or HIPAA. SOC 2's least privilege (CC6.1, CC6.3) asks the same of production
data, so soc2 now counts too; non-production keeps the shared master secret, and SQL
Server (no IAM database authentication on RDS) and MariaDB before 10.11 keep it everywhere.
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
def test_regulated_production_gives_each_service_its_own_user(engine: str, framework: str) -> None:
    planned = model(engine, [framework])
    prod = planned.environment("prod")
    assert database_users(prod) == {"db": ["billing", "web"]}
    for service in ("web", "billing"):
        (use,) = prod.service(service).uses
        assert use.db_user == service
        decision = prod.decision(f"services.{service}.uses.db.credentials")
        assert decision.value == service
        assert f"production under {framework}" in decision.reason
    # The stack config names the user, so the program grants rds-db:connect on it only.
    config = stack_config(planned, prod)
    assert config["services"]["web"]["dbUsers"] == {"DB": "web"}
    # Outside production: one shared user, the master secret read by its ARN.
    dev = planned.environment("dev")
    assert database_users(dev) == {}
    assert all(u.db_user is None for s in dev.services for u in s.uses)
    assert "non-production" in dev.decision("services.web.uses.db.credentials").reason


@pytest.mark.parametrize("engine", ["postgres", "mysql", "mariadb"])
def test_without_a_framework_production_shares_the_master_secret(engine: str) -> None:
    prod = model(engine, []).environment("prod")
    assert database_users(prod) == {}
    assert stack_config(model(engine, []), prod)["services"]["web"]["dbUsers"] == {"DB": None}


def test_soc2_mariadb_before_10_11_keeps_the_master_secret_and_says_to_upgrade() -> None:
    prod = model("mariadb", ["soc2"], "10.6").environment("prod")
    assert database_users(prod) == {}
    reason = prod.decision("services.web.uses.db.credentials").reason
    assert "soc2 asks for a database user per service" in reason
    assert "only from 10.11" in reason
    assert database_users(model("mariadb", ["soc2"], "10.11").environment("prod")) == {
        "db": ["billing", "web"]
    }


def test_soc2_sql_server_keeps_the_master_secret_and_says_why() -> None:
    prod = model("sqlserver", ["soc2"]).environment("prod")
    (use,) = prod.service("web").uses
    assert use.db_user is None
    decision = prod.decision("services.web.uses.db.credentials")
    assert decision.value == "master-secret-arn"
    assert "no IAM database authentication" in decision.reason
    assert "soc2's user per service is a login the application creates" in decision.reason
