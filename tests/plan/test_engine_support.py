"""RDS major versions past the end of standard support: the plan's warning, the handoff's
datastore note and the cost estimate's Extended Support line, judged by the support table's
own date (never the clock), so the output stays the same on every day."""

from __future__ import annotations

import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import shipspec
from shipspec.cost import estimate
from shipspec.cost.estimate import EXTENDED_SUPPORT, RDS_VCPUS
from shipspec.plan import rules
from shipspec.plan.engine_support import (
    STANDARD_SUPPORT,
    TABLE_DATE,
    standard_support,
    support_warnings,
    upgrade_target,
)
from shipspec.plan.engine_versions import version_note
from shipspec.plan.model import DeploymentModel

SPEC = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {{name: ledger, owner: team-ledger}}
cloud: {{region: {region}}}
environments:
  staging: {{}}
  prod: {{production: true, approval: required}}
requirements: {{availability: 99.95}}
services:
  api:
    {{type: web, image: ghcr.io/example/api:1.0.0, port: 8080, public: true,
     health: {{path: /healthz}}, uses: [db]}}
datastores:
  db: {{engine: {engine}, version: "{version}"}}
"""


def plan(engine: str, version: str, region: str = "us-east-1") -> DeploymentModel:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "handoff.yaml"
        path.write_text(
            SPEC.format(engine=engine, version=version, region=region), encoding="utf-8"
        )
        return shipspec.plan(shipspec.load(path))


def test_mysql_8_0_is_past_standard_support_and_the_plan_warns_once() -> None:
    model = plan("mysql", "8.0")
    for env in model.environments:
        decision = env.decision("datastores.db.standard_support")
        assert decision.value == "2026-07-31" and decision.inputs["warning"] is True
        assert decision.inputs["table_date"] == TABLE_DATE.isoformat()
    (warning,) = support_warnings(model)  # one datastore, both environments: said once
    assert warning.startswith("datastore db: RDS bills Extended Support for MySQL 8.0, per ")
    assert 'set version: "8.4" on datastore db before the first deploy' in warning
    assert "a later major upgrade of a Multi-AZ production database is an outage window" in (
        warning
    )
    assert "past as of 2026-12-07" in warning  # the table's date, not today's
    assert '"MySQL on Amazon RDS versions"' in warning  # the source of the date


@pytest.mark.parametrize(
    ("engine", "version"), [("mysql", "8.4"), ("postgres", "16.4"), ("mariadb", "10.11")]
)
def test_versions_in_standard_support_are_not_warned_about(engine: str, version: str) -> None:
    model = plan(engine, version)
    assert support_warnings(model) == []
    assert not any(d.key.endswith("standard_support") for d in model.production.decisions)
    assert "standard support" not in version_note(model.production.datastore("db"))


def test_a_minor_version_is_judged_by_its_major() -> None:
    assert standard_support("mysql", "8.0.39") == standard_support("mysql", "8.0")
    assert standard_support("postgres", "13.16") == standard_support("postgres", "13")
    (warning,) = support_warnings(plan("postgres", "13.16"))
    assert "Extended Support for PostgreSQL 13" in warning and 'version: "17"' in warning


def test_mariadb_has_no_extended_support_rds_upgrades_it() -> None:
    (warning,) = support_warnings(plan("mariadb", "10.6"))
    assert "RDS offers no Extended Support for MariaDB 10.6" in warning
    assert "bills" not in warning
    result = estimate(plan("mariadb", "10.6"), "prod")
    assert not [i for i in result.items if i.component == "RDS Extended Support"]


def test_the_table_is_judged_on_its_own_date_not_the_clock() -> None:
    row = standard_support("postgres", "14")
    assert row is not None and row.ends == date(2027, 2, 28)
    assert not row.past()  # as of the table's date, whatever day it is
    assert row.past(date(2027, 3, 1))
    assert all(r.source for r in STANDARD_SUPPORT)
    # every default version the planner picks is in standard support
    for engine, version in rules.DB_DEFAULT_VERSION.items():
        default = standard_support(engine, version)
        assert default is not None, engine
    assert upgrade_target("mysql") == "8.4"


def test_the_handoff_datastore_note_says_it() -> None:
    model = plan("mysql", "8.0")
    note = version_note(model.production.datastore("db"))
    assert (
        "past RDS end of standard support (2026-07-31): Extended Support billed per vCPU-hour; "
        'set version "8.4"'
    ) in note


def test_the_estimate_bills_extended_support_per_vcpu_hour_standby_included() -> None:
    """Production at 99.95%: db.m7g.large (2 vCPU), Multi-AZ, so the standby is billed too:
    2 instances × 2 vCPU × 730 h × $0.100 (us-east-1, years 1-2) = $292.00."""
    model = plan("mysql", "8.0")
    db = model.production.datastore("db")
    assert db.multi_az and RDS_VCPUS[db.instance_class or ""] == 2
    result = estimate(model, "prod")
    (item,) = [i for i in result.items if i.component == "RDS Extended Support"]
    assert item.price_key == EXTENDED_SUPPORT and item.unit_price == Decimal("0.100")
    assert item.monthly == Decimal("292.000")
    assert "primary and standby" in item.detail and item.verified
    staging = estimate(model, "staging")
    (single,) = [i for i in staging.items if i.component == "RDS Extended Support"]
    assert single.monthly == Decimal("146.000")  # one db.t4g.micro, 2 vCPU


def test_a_region_without_the_price_is_priced_at_us_east_1_and_says_so() -> None:
    result = estimate(plan("mysql", "8.0", region="eu-west-1"), "prod")
    assert result.region == "eu-west-1"
    (item,) = [i for i in result.items if i.component == "RDS Extended Support"]
    assert item.unit_price == Decimal("0.100") and not item.verified
    assert "the us-east-1 price: the table has none for eu-west-1" in item.detail


def test_generate_prints_the_warning(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from shipspec.cli import app

    spec = tmp_path / "handoff.yaml"
    spec.write_text(SPEC.format(engine="mysql", version="8.0", region="us-east-1"))
    result = CliRunner().invoke(app, ["generate", str(spec), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.count("warning: datastore db: RDS bills Extended Support") == 1
