"""The engines the compose importer brings: MariaDB, DocumentDB, Amazon MQ, Memcached.

Their sizing follows the same production and availability thresholds as RDS and Redis;
what AWS would refuse (a version it does not run, DocumentDB without backups) is refused
when the spec is loaded, located, every problem at once; each engine gets its CloudWatch
alarms and its stack config.
"""

from __future__ import annotations

from typing import get_args

import pytest

import shipspec
from shipspec.errors import SpecError
from shipspec.plan.db_admin import DOCUMENT_SCRIPT
from shipspec.plan.model import DeploymentModel
from shipspec.plan.monitoring import AlarmPlan
from shipspec.plan.planner import plan
from shipspec.render.targets.pulumi import DATASTORE_COMPONENTS, stack_config
from shipspec.spec.models import Datastore

HEADER = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: app, owner: team-app}
cloud: {region: eu-west-1}
environments: {dev: {}, prod: {}}
"""


def model(datastores: str, *, availability: float = 99.95) -> DeploymentModel:
    uses = ", ".join(line.split(":")[0].strip() for line in datastores.strip().splitlines())
    return plan(
        shipspec.loads(
            HEADER
            + f"services:\n  web: {{type: web, image: x:1, port: 80, uses: [{uses}]}}\n"
            + f"datastores:\n{datastores}"
            + f"requirements: {{availability: {availability}}}\n"
        ),
        spec_file="handoff.yaml",
    )


def refused(datastores: str) -> list[tuple[str, str, str]]:
    with pytest.raises(SpecError) as caught:
        model(datastores)
    assert all(d.line > 0 for d in caught.value.diagnostics), "each refusal names its line"
    return [(d.path, d.code, d.hint) for d in caught.value.diagnostics]


def test_every_engine_the_spec_accepts_has_a_plan_and_a_component() -> None:
    engines = set(get_args(Datastore.model_fields["engine"].annotation))
    assert engines == set(DATASTORE_COMPONENTS)
    for engine in engines:  # each one plans (an engine without a plan raises)
        model(f"  store: {{engine: {engine}}}\n")


def test_mariadb_is_planned_like_the_other_rds_engines() -> None:
    planned = model("  ledger: {engine: mariadb, storage_gb: 40}\n  pg: {engine: postgres}\n")
    dev, prod = planned.environment("dev"), planned.environment("prod")
    ledger, pg = prod.datastore("ledger"), prod.datastore("pg")
    assert (ledger.version, ledger.storage_gb, ledger.max_storage_gb) == ("11.4", 40, 80)
    assert (ledger.instance_class, ledger.multi_az) == (pg.instance_class, pg.multi_az)
    assert ledger.deletion_protection and ledger.backup_days == 7
    assert dev.datastore("ledger").instance_class == "db.t4g.micro"
    assert not dev.datastore("ledger").deletion_protection
    checks = {a.check for a in planned.monitoring.alarms["prod"].alarms if "ledger" in a.target}
    assert checks == {"cpu", "free-storage", "connections"}


def test_document_db_is_redundant_and_protected_only_where_production_needs_it() -> None:
    planned = model("  docs: {engine: mongodb, backup_days: 10}\n")
    dev, prod = planned.environment("dev").datastore("docs"), planned.production.datastore("docs")
    assert (prod.version, prod.instance_class, prod.replicas, prod.multi_az) == (
        "5.0",
        "db.r6g.large",
        2,  # 99.95%: three AZs, a replica in each other one
        True,
    )
    assert (prod.backup_days, prod.deletion_protection) == (10, True)
    assert (dev.instance_class, dev.replicas, dev.multi_az) == ("db.t4g.medium", 0, False)
    assert (dev.backup_days, dev.deletion_protection) == (1, False)  # the least DocumentDB keeps
    low = model("  docs: {engine: mongodb}\n", availability=99.5).production.datastore("docs")
    assert (low.replicas, low.backup_days) == (0, 7)
    reason = model("  docs: {engine: mongodb}\n", availability=99.5).production.decision(
        "datastores.docs.replicas"
    )
    assert "99.5%" in reason.reason


def test_rabbitmq_clusters_across_azs_only_in_highly_available_production() -> None:
    planned = model("  mq: {engine: rabbitmq}\n")
    dev, prod = planned.environment("dev").datastore("mq"), planned.production.datastore("mq")
    assert (prod.version, prod.instance_class, prod.multi_az) == ("4.2", "mq.m7g.large", True)
    assert prod.deletion_protection and prod.backup_days == 0
    assert (dev.instance_class, dev.multi_az, dev.deletion_protection) == (
        "mq.m7g.medium",
        False,
        False,
    )
    single = model("  mq: {engine: rabbitmq, version: '3.13'}\n", availability=99.5)
    assert single.production.datastore("mq").multi_az is False
    assert single.production.datastore("mq").version == "3.13"


def test_memcached_gets_a_full_tls_capable_version_and_a_node_per_az() -> None:
    planned = model(
        "  memo: {engine: memcached, version: '1.6'}\n"
        "  pinned: {engine: memcached, version: '1.6.17'}\n"
    )
    prod, dev = planned.production, planned.environment("dev")
    assert prod.datastore("memo").version == "1.6.22"
    assert "1.6.22" in prod.decision("datastores.memo.version").reason
    assert prod.datastore("pinned").version == "1.6.17"
    # Production at >= 99.9%: never a burstable (t*) node.
    assert (prod.datastore("memo").nodes, prod.datastore("memo").instance_class) == (
        3,
        "cache.m7g.large",
    )
    assert (dev.datastore("memo").nodes, dev.datastore("memo").instance_class) == (
        1,
        "cache.t4g.micro",
    )


def test_what_aws_would_refuse_is_refused_when_loading_all_at_once() -> None:
    problems = refused(
        "  docs: {engine: mongodb, version: '7.0'}\n"
        "  nobackup: {engine: mongodb, version: '3.6', backup_days: 0}\n"
        "  mq: {engine: rabbitmq, version: '3.12'}\n"
        "  memo: {engine: memcached, version: '1.6.6'}\n"
        "  fine: {engine: mongodb, version: '8.0'}\n"
    )
    assert sorted(problems) == [
        ("datastores.docs.version", "unsupported-version", "use one of: 4.0, 5.0, 8.0"),
        (
            "datastores.memo.version",
            "unsupported-version",
            "use one of: 1.6, 1.6.12, 1.6.17, 1.6.22",
        ),
        ("datastores.mq.version", "unsupported-version", "use one of: 3.13, 4.2"),
        # One datastore, two problems: both reported.
        (
            "datastores.nobackup.backup_days",
            "unsupported-setting",
            "set backup_days between 1 and 35, or leave it out",
        ),
        ("datastores.nobackup.version", "unsupported-version", "use one of: 4.0, 5.0, 8.0"),
    ]


def alarms(planned: DeploymentModel, env: str, name: str) -> dict[str, AlarmPlan]:
    return {
        a.check: a for a in planned.monitoring.alarms[env].alarms if a.target == f"datastore:{name}"
    }


def test_each_new_engine_is_watched_by_its_own_metrics() -> None:
    planned = model(
        "  docs: {engine: mongodb}\n  mq: {engine: rabbitmq}\n  memo: {engine: memcached}\n"
    )
    docs, mq, memo = (alarms(planned, "prod", n) for n in ("docs", "mq", "memo"))
    assert set(docs) == {"cpu", "free-memory", "connections"}
    assert set(mq) == {"memory", "disk-free", "ready-messages", "no-consumers"}
    assert set(memo) == {"cpu", "evictions"}
    for name, found in (("docs", docs), ("mq", mq), ("memo", memo)):
        for alarm in found.values():
            for metric in alarm.metrics:
                assert list(metric.dimensions.values()) == [f"datastore:{name}.id"]
    assert {m.namespace for a in docs.values() for m in a.metrics} == {"AWS/DocDB"}
    assert docs["connections"].threshold == 1360  # 80% of r6g.large's 1,700
    assert docs["free-memory"].comparison == "LessThanThreshold"
    assert mq["memory"].expression == "100 * used / limit"
    # Free disk against the limit at which RabbitMQ blocks publishers: pages with room left.
    disk = mq["disk-free"]
    assert [m.metric_name for m in disk.metrics] == ["RabbitMQDiskFree", "RabbitMQDiskFreeLimit"]
    assert (disk.expression, disk.comparison, disk.threshold) == (
        "free / limit",
        "LessThanThreshold",
        2,
    )
    assert disk.pages is True and disk.runbook.endswith("#alarm-broker-disk")
    # The broker's memory pages in production; the same alarm only notifies in dev.
    assert mq["memory"].pages is True
    assert alarms(planned, "dev", "mq")["memory"].pages is False
    assert alarms(planned, "dev", "docs")["connections"].threshold == 400


def broker_model(*uses: str) -> DeploymentModel:
    """A broker and one service per ``(type, uses entry)``: ``"web:mq"``, ``"worker:{...}"``."""
    lines = []
    for index, entry in enumerate(uses):
        kind, use = entry.split(":", 1)
        extra = " port: 80," if kind == "web" else ""
        extra += " schedule: 'rate(1 day)'," if kind == "job" else ""
        lines.append(f"  s{index}: {{type: {kind}, image: x:1,{extra} uses: [{use}]}}\n")
    return plan(
        shipspec.loads(
            HEADER + "services:\n" + "".join(lines) + "datastores:\n  mq: {engine: rabbitmq}\n"
        ),
        spec_file="handoff.yaml",
    )


def test_a_broker_a_service_consumes_from_pages_when_no_consumer_is_connected() -> None:
    """A consumer that stays RUNNING but closed its channel: only ConsumerCount shows it."""
    planned = broker_model("web:{name: mq, access: produce}", "worker:{name: mq, access: consume}")
    prod, dev = alarms(planned, "prod", "mq"), alarms(planned, "dev", "mq")
    consumers = prod["no-consumers"]
    [metric] = consumers.metrics
    assert (metric.namespace, metric.metric_name, metric.dimensions) == (
        "AWS/AmazonMQ",
        "ConsumerCount",
        {"Broker": "datastore:mq.id"},
    )
    # Below 1 in 5 of 5 one-minute periods: pages in production, a ticket in dev.
    assert (consumers.comparison, consumers.threshold) == ("LessThanThreshold", 1)
    assert (consumers.period_seconds, consumers.evaluation_periods) == (60, 5)
    assert consumers.datapoints_to_alarm == 5
    assert consumers.pages is True and dev["no-consumers"].pages is False
    assert consumers.runbook.endswith("#alarm-no-consumers")
    assert (
        "s1 says it consumes from the broker"
        in planned.monitoring.decision("alarms.prod.app-prod-mq-no-consumers").reason
    )
    # produce-consume consumes too.
    both = broker_model("worker:{name: mq, access: produce-consume}")
    assert alarms(both, "prod", "mq")["no-consumers"].pages is True


def test_a_broker_only_publishers_use_has_no_consumers_alarm() -> None:
    """A web API that only publishes keeps ConsumerCount at 0: the alarm would fire from
    the first deploy, all night."""
    planned = broker_model("web:{name: mq, access: produce}", "worker:{name: mq, access: produce}")
    assert "no-consumers" not in alarms(planned, "prod", "mq")
    assert "ready-messages" in alarms(planned, "prod", "mq")
    # The access grants nothing: the program passes the broker itself, no Use(access=...).
    for service in planned.production.services:
        assert [(u.access, u.iam_access) for u in service.uses] == [("produce", None)]


def test_a_broker_whose_users_do_not_say_they_consume_opens_a_ticket() -> None:
    planned = broker_model("web:mq", "worker:{name: mq, access: produce}")
    consumers = alarms(planned, "prod", "mq")["no-consumers"]
    assert consumers.pages is False and consumers.notify is True
    decision = planned.monitoring.decision("alarms.prod.app-prod-mq-no-consumers")
    assert "s0 uses the broker without `access`" in decision.reason
    assert "unknown" in decision.reason and "access: consume}" in decision.reason


def test_a_broker_only_jobs_use_has_no_consumers_alarm() -> None:
    planned = broker_model("web:{name: mq, access: produce}", "job:{name: mq, access: consume}")
    assert "no-consumers" not in alarms(planned, "prod", "mq")
    assert "ready-messages" in alarms(planned, "prod", "mq")


def test_broker_access_is_checked_against_the_engine() -> None:
    with pytest.raises(SpecError) as caught:
        broker_model("worker:{name: mq, access: read}")
    [problem] = caught.value.diagnostics
    assert (problem.path, problem.code) == ("services.s0.uses[0].access", "access-not-for-engine")
    assert problem.hint == "use one of: produce, consume, produce-consume"
    assert problem.line == 7


def test_stack_config_carries_each_engine_s_settings() -> None:
    planned = model(
        "  docs: {engine: mongodb}\n  mq: {engine: rabbitmq}\n  memo: {engine: memcached}\n"
        "  ledger: {engine: mariadb}\n"
    )
    prod = stack_config(planned, planned.production)["datastores"]
    admin = prod["docs"].pop("admin")  # the db-admin task: mongosh, and curl for the CA bundle
    assert admin["image"].startswith("mongo:7.0@sha256:")
    assert admin["caImage"].startswith("curlimages/curl:")
    assert admin["caBundleUrl"].startswith("https://truststore.pki.rds.amazonaws.com/")
    assert (admin["database"], admin["script"]) == ("app", DOCUMENT_SCRIPT)
    assert prod["docs"] == {
        "version": "5.0",
        "instanceClass": "db.r6g.large",
        "instances": 3,
        "backupDays": 7,
        "deletionProtection": True,
        "slowQueryMs": 500,  # the profiler's threshold: half the default 1000 ms p99
        "protect": True,
    }
    assert prod["ledger"]["slowQueryMs"] == 500  # the slow query log's
    assert "slowQueryMs" not in prod["mq"] and "slowQueryMs" not in prod["memo"]
    assert prod["mq"] == {
        "version": "4.2",
        "instanceType": "mq.m7g.large",
        "cluster": True,
        "deletionProtection": True,
    }
    assert prod["memo"] == {"version": "1.6.22", "nodeType": "cache.m7g.large", "nodes": 3}
    assert prod["ledger"]["version"] == "11.4" and prod["ledger"]["multiAz"] is True
    dev = stack_config(planned, planned.environment("dev"))["datastores"]
    assert (dev["docs"]["instances"], dev["mq"]["cluster"], dev["memo"]["nodes"]) == (1, False, 1)
