"""The outside-in check: a Route 53 health check of each public domain, and its alarm.

Without it, a deleted DNS record or a certificate gone from the listener stops every
request before the load balancer, where every other availability alarm measures.
"""

from __future__ import annotations

import shipspec
from shipspec.plan.model import DeploymentModel
from tests.conftest import EXAMPLES


def _spec(services: str) -> DeploymentModel:
    return shipspec.plan(
        shipspec.loads(
            "apiVersion: shipspec/v1\nkind: Handoff\n"
            "metadata: {name: acme, owner: team}\n"
            "cloud: {region: eu-west-1}\n"
            "environments:\n"
            "  dev: {domain: dev.example.com, hosted_zone: example.com}\n"
            "  prod: {production: true, domain: app.example.com, hosted_zone: example.com}\n"
            f"services:\n{services}"
        )
    )


def test_the_domain_is_checked_through_the_service_answering_slash() -> None:
    full = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"))
    # api holds the catch-all (/*); docs is routed under /docs: the check asks api's path.
    main = full.monitoring.alarms["main"]
    [check] = main.health_checks
    assert (check.service, check.fqdn, check.port, check.path) == (
        "api",
        "atlas.example.com",
        443,
        "/healthz",
    )
    alarm = main.alarm(check.alarm)
    assert alarm.name == "atlas-main-api-health-check"
    assert alarm.region == "us-east-1"  # Route 53 publishes its metrics there only
    [metric] = alarm.metrics
    assert (metric.namespace, metric.metric_name, metric.statistic) == (
        "AWS/Route53",
        "HealthCheckStatus",
        "Minimum",
    )
    assert metric.dimensions == {"HealthCheckId": "health_check:api.id"}
    assert (alarm.comparison, alarm.threshold) == ("LessThanThreshold", 1)
    assert alarm.pages and alarm.notify and not alarm.rollback
    assert alarm.runbook.endswith("#alarm-health-check")


def test_it_pages_only_where_the_service_s_alarms_page() -> None:
    full = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"))
    staging = full.monitoring.alarms["staging"]
    [check] = staging.health_checks
    assert check.fqdn == "staging.atlas.example.com"
    assert not staging.alarm(check.alarm).pages  # non-production: a ticket
    # dev has no domain: nothing outside the ALB to check.
    assert full.monitoring.alarms["dev"].health_checks == []
    reason = full.monitoring.decision("alarms.dev.outside_in").reason
    assert reason.startswith("no domain")


def test_a_grpc_service_on_the_domain_gets_no_check() -> None:
    model = _spec("  api: {type: web, image: x/api:1, port: 50051, public: true, protocol: grpc}\n")
    assert model.monitoring.alarms["prod"].health_checks == []
    assert "grpc" in model.monitoring.decision("alarms.prod.outside_in").reason
    assert not [a for a in model.monitoring.alarms["prod"].alarms if a.check == "health-check"]


def test_an_internal_service_alone_gets_no_check() -> None:
    model = _spec("  api: {type: web, image: x/api:1, port: 8080}\n")
    assert model.monitoring.alarms["prod"].health_checks == []


def test_a_public_tcp_or_tls_service_s_own_name_gets_a_tcp_check() -> None:
    """Each public NLB service's alias <service>.<domain> on its listener port: a Route 53
    TCP check (no path), its alarm in us-east-1, paging where alarms page; UDP (Route 53
    cannot check it) and internal NLB services get none."""
    model = _spec(
        "  gateway: {type: web, image: x/g:1, port: 7000, public: true, protocol: tls,"
        " health: {port: 8081}}\n"
        "  relay: {type: web, image: x/r:1, port: 6000, public: true, protocol: tcp}\n"
        "  voice: {type: web, image: x/v:1, port: 5060, public: true, protocol: udp,"
        " health: {port: 8080}}\n"
        "  inner: {type: web, image: x/i:1, port: 6379, protocol: tcp}\n"
    )
    prod = model.monitoring.alarms["prod"]
    checks = {c.service: c for c in prod.health_checks}
    assert set(checks) == {"gateway", "relay"}
    gateway = checks["gateway"]
    assert (gateway.type, gateway.fqdn, gateway.port, gateway.path) == (
        "TCP",
        "gateway.app.example.com",
        7000,
        None,
    )
    assert "not the TLS handshake" in gateway.reason
    alarm = prod.alarm(gateway.alarm)
    assert alarm.name == "acme-prod-gateway-health-check"
    assert alarm.region == "us-east-1" and alarm.pages
    assert alarm.metrics[0].dimensions == {"HealthCheckId": "health_check:gateway.id"}
    assert alarm.runbook.endswith("#alarm-tcp-health-check")
    dev = model.monitoring.alarms["dev"]
    assert {c.fqdn for c in dev.health_checks} == {
        "gateway.dev.example.com",
        "relay.dev.example.com",
    }
    assert not any(dev.alarm(c.alarm).pages for c in dev.health_checks)  # tickets


def test_a_tcp_service_without_a_domain_gets_no_check() -> None:
    model = shipspec.plan(
        shipspec.loads(
            "apiVersion: shipspec/v1\nkind: Handoff\n"
            "metadata: {name: acme, owner: team}\n"
            "cloud: {region: eu-west-1}\n"
            "environments: {prod: {production: true}}\n"
            "services:\n"
            "  relay: {type: web, image: x/r:1, port: 6000, public: true, protocol: tcp}\n"
        )
    )
    assert model.monitoring.alarms["prod"].health_checks == []
    reason = model.monitoring.decision("alarms.prod.outside_in.relay").reason
    assert reason.startswith("no name of its own")
