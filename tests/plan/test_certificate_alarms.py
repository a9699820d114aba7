"""Expiry alarms of the ACM certificates a stack creates, and the EFS volumes' I/O alarm.

The Route 53 health check does not validate certificates, so only ``DaysToExpiry``
notices a certificate whose renewal failed; EFS General Purpose file systems have an I/O
operations limit that nothing else watches.
"""

from __future__ import annotations

import shipspec
from shipspec.plan.model import DeploymentModel
from tests.conftest import EXAMPLES


def _spec(environments: str, extra: str = "") -> DeploymentModel:
    return shipspec.plan(
        shipspec.loads(
            "apiVersion: shipspec/v1\nkind: Handoff\n"
            "metadata: {name: acme, owner: team}\n"
            "cloud: {region: eu-west-1}\n"
            f"environments:\n{environments}"
            "services:\n"
            "  web: {type: web, image: x/web:1, port: 8080, public: true}\n" + extra
        )
    )


def _checks(model: DeploymentModel, env: str) -> dict[str, tuple[float, bool, str | None]]:
    return {
        a.name: (a.threshold, a.pages, a.region)
        for a in model.monitoring.alarms[env].alarms
        if "certificate" in a.check or a.check == "io-limit"
    }


def test_a_domain_gets_a_renewal_ticket_everywhere_and_an_expiry_page_in_production() -> None:
    model = _spec(
        "  dev: {domain: dev.example.com, hosted_zone: example.com}\n"
        "  prod: {production: true, domain: app.example.com, hosted_zone: example.com}\n"
    )
    assert _checks(model, "dev") == {"acme-dev-public-certificate-renewal": (30, False, None)}
    assert _checks(model, "prod") == {
        "acme-prod-public-certificate-renewal": (30, False, None),
        "acme-prod-public-certificate-expiry": (7, True, None),
    }
    alarm = model.monitoring.alarms["prod"].alarm("acme-prod-public-certificate-expiry")
    assert (alarm.period_seconds, alarm.evaluation_periods) == (86400, 1)  # a daily metric
    assert alarm.comparison == "LessThanThreshold"
    [metric] = alarm.metrics
    assert (metric.namespace, metric.metric_name, metric.statistic) == (
        "AWS/CertificateManager",
        "DaysToExpiry",
        "Minimum",
    )
    assert metric.dimensions == {"CertificateArn": "load_balancer:public.certificate"}


def test_no_domain_no_certificate_no_alarm() -> None:
    model = _spec("  prod: {production: true}\n")
    assert _checks(model, "prod") == {}


def test_static_sites_certificates_are_watched_in_us_east_1() -> None:
    full = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"))
    checks = _checks(full, "main")
    assert checks["atlas-main-storefront-site-certificate-renewal"] == (30, False, "us-east-1")
    assert checks["atlas-main-storefront-site-certificate-expiry"] == (7, True, "us-east-1")
    assert checks["atlas-main-public-certificate-expiry"] == (7, True, None)


def test_a_volume_gets_an_io_limit_ticket_naming_who_mounts_it() -> None:
    full = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"))
    alarm = full.monitoring.alarms["main"].alarm("atlas-main-uploads-io-limit")
    assert (alarm.threshold, alarm.pages, alarm.period_seconds, alarm.evaluation_periods) == (
        90,
        False,
        300,
        3,
    )
    [metric] = alarm.metrics
    assert (metric.namespace, metric.metric_name) == ("AWS/EFS", "PercentIOLimit")
    assert metric.dimensions == {"FileSystemId": "volume:uploads.id"}
    assert "mounted by api at /srv/uploads, indexer at /data/uploads" in alarm.description
    assert alarm.treat_missing_data == "notBreaching"  # no I/O publishes nothing
