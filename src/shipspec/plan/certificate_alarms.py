"""Expiry alarms of the ACM certificates the stack creates, and the EFS volumes' I/O alarm.

A Route 53 HTTPS health check does not validate the certificate it is shown (Route 53's
``EnableSNI`` documentation: a checker given a certificate that does not cover the name
retries, it does not fail), so nothing else notices an ACM certificate that stopped
renewing. ACM publishes ``DaysToExpiry`` (AWS/CertificateManager, dimension
``CertificateArn``) once a day for each certificate, in the certificate's region, and
renews a managed certificate 60 days before it expires: below 30 days renewal has failed
(its DNS validation record deleted, a CAA record that no longer admits Amazon), a ticket;
below 7 days, in production, a page. The metric is daily, so the alarm's period is one
day (86400 s: one evaluation, within CloudWatch's seven-day evaluation range). Missing
data is not breaching: a new certificate has no datapoint before ACM's first daily one
(breaching would page on the first deploy); once a certificate has expired ACM stops
publishing and the alarms go to INSUFFICIENT_DATA, which sends no OK, so the page of 7
days earlier stays open.

The load balancers' certificates (the ALBs', and a ``tls`` service's NLB's) live in the
stack's region, the static sites' in
us-east-1 (CloudFront reads no other), so those alarms live there and reach the topics
through EventBridge, as the health check's does (``AlarmPlan.region``).

An EFS volume is General Purpose with elastic throughput (``FileSystem``): no burst
credits to run out of (``BurstCreditBalance`` is the bursting mode's), but General
Purpose has an I/O operations limit, whose share ``PercentIOLimit`` (AWS/EFS, dimension
``FileSystemId``) EFS publishes for General Purpose file systems only. Above 90% for 15
minutes the mounting services' file operations are about to queue: a ticket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import rules
from .container_model import VolumePlan
from .monitoring import AlarmMetric

if TYPE_CHECKING:
    from .alarms import Alarms

RENEWAL_CHECK = "certificate-renewal"
EXPIRY_CHECK = "certificate-expiry"
# A static site's alarms live in us-east-1: checks of their own, so the runbook's sections
# (and their `describe-alarms --region` look-ups) do not mix regions.
SITE_PREFIX = "site-"
EFS_IO_CHECK = "io-limit"
DAY_SECONDS = 86400
CERTIFICATE_REGION = rules.ROUTE53_METRICS_REGION  # us-east-1: CloudFront's certificates


def certificate_alarms(alarms: Alarms) -> None:
    """Each certificate the environment creates: a ticket below 30 days, a page below 7."""
    env = alarms.env
    for lb in env.load_balancers:
        if lb.domain is not None and lb.https:
            _certificate(alarms, f"load_balancer:{lb.name}", lb.domain, None, "")
    for site in env.static_sites:
        if site.domain is not None:
            _certificate(
                alarms, f"static_site:{site.name}", site.domain, CERTIFICATE_REGION, SITE_PREFIX
            )
    for s in env.services:  # a TLS listener's certificate (network_service.py)
        if s.protocol == "tls" and s.domain is not None:
            _certificate(alarms, f"service:{s.name}", s.domain, None, "")


def _certificate(alarms: Alarms, target: str, domain: str, region: str | None, prefix: str) -> None:
    metric = AlarmMetric(
        id="days",
        namespace="AWS/CertificateManager",
        metric_name="DaysToExpiry",
        statistic="Minimum",
        dimensions={"CertificateArn": f"{target}.certificate"},
    )
    where = (
        "in us-east-1 (CloudFront's certificates and their metrics), notifying through EventBridge"
        if region
        else "in the stack's region"
    )
    renewal, expiry = rules.CERTIFICATE_RENEWAL_DAYS, rules.CERTIFICATE_EXPIRY_DAYS
    alarms.add(
        target,
        prefix + RENEWAL_CHECK,
        f"ACM certificate for {domain} expires in under {renewal} days: its renewal "
        "(60 days ahead) failed",
        [metric],
        threshold=renewal,
        comparison="LessThanThreshold",
        period=DAY_SECONDS,
        evaluations=1,
        missing="missing",
        region=region,
        reason=f"ACM renews a managed certificate 60 days before it expires: below {renewal} "
        "days its renewal failed (DNS validation record missing, CAA); DaysToExpiry is "
        "published once a day, so a one-day period; no datapoint (a new certificate, an "
        f"expired one) is INSUFFICIENT_DATA, never an OK; {where}",
    )
    if not alarms.env.alarms_page:
        alarms.log.decide(
            f"alarms.{alarms.env.name}.{target}.{prefix}{EXPIRY_CHECK}",
            None,
            f"non-production does not page: the {renewal}-day ticket is its only alarm",
        )
        return
    alarms.add(
        target,
        prefix + EXPIRY_CHECK,
        f"ACM certificate for {domain} expires in under {expiry} days: "
        f"{'TLS' if target.startswith('service:') else 'HTTPS'} to it fails once it does",
        [metric],
        threshold=expiry,
        comparison="LessThanThreshold",
        period=DAY_SECONDS,
        evaluations=1,
        missing="missing",
        page=True,
        region=region,
        reason=f"below {expiry} days the renewal ticket has gone unanswered for over three "
        "weeks and browsers will refuse the name within the week; DaysToExpiry is "
        f"published once a day, so a one-day period; {where}",
    )


def volume_alarms(alarms: Alarms, volume: VolumePlan) -> None:
    """A ticket when an EFS volume nears General Purpose mode's I/O limit."""
    limit = rules.EFS_IO_LIMIT_PERCENT
    mounts = [
        f"{s.name} at {m.path}"
        for s in alarms.env.services
        for m in s.container.mounts
        if m.volume == volume.name
    ]
    where = f" (mounted by {', '.join(mounts)})" if mounts else ""
    alarms.add(
        f"volume:{volume.name}",
        EFS_IO_CHECK,
        f"{volume.name}{where}: EFS file system above {limit}% of General Purpose mode's I/O "
        "limit for 15 minutes",
        [
            AlarmMetric(
                id="io",
                namespace="AWS/EFS",
                metric_name="PercentIOLimit",
                statistic="Maximum",
                dimensions={"FileSystemId": f"volume:{volume.name}.id"},
            )
        ],
        threshold=limit,
        period=300,
        evaluations=3,
        missing="notBreaching",
        reason=f"PercentIOLimit (General Purpose mode only; the volume is General Purpose with "
        "elastic throughput, so no burst credits to watch) above "
        f"{limit}% in three 5-minute periods: the mounting services' file operations are "
        "about to wait; no datapoint while nothing reads or writes",
    )
