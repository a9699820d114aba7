"""An outside-in check of each public domain: a Route 53 health check and its alarm.

Every other availability signal is measured at or behind the load balancer (its 5xx, the
burn rates, healthy hosts): when the DNS record or the HTTPS listener breaks, no request
reaches the ALB and those alarms stay OK while nobody can reach the service. A Route 53
HTTPS health check requests ``https://<domain><health path>`` from Route 53's checkers on
the internet (resolving the name, negotiating TLS with SNI, through the listener, its rules
and the WAF to a task), and its ``HealthCheckStatus`` (1 healthy, 0 unhealthy; AWS/Route53,
dimension ``HealthCheckId``) is what the alarm watches. Route 53 does not validate the
certificate (the Route 53 guide: HTTPS checks do not fail on an invalid or expired
certificate; UpdateHealthCheck ``EnableSNI``: a checker shown a certificate that does not
cover the name retries the handshake without the name), so a certificate that failed to
renew passes: ``certificate_alarms`` watches ACM's ``DaysToExpiry``.

One check per domain: the environment's domain is served by its internet-facing load
balancer, whose catch-all rule (``/*``) sends ``/`` and anything no other rule claims to
one service, so the check requests that service's own health path, which reaches it as
written (no prefix is stripped from a catch-all). The other public services behind the
same domain share the DNS record, certificate and listener it tests; their own tasks are
watched by their no-healthy-hosts and 5xx alarms. Route 53 answers healthy to any status
from 200 to 399 (the ALB target groups' matcher too).

Route 53 publishes the metric in us-east-1 only, and an alarm may only notify a topic of
its own region, so the alarm lives in us-east-1 and reaches the stack's topics through
EventBridge, as the static sites' CloudFront alarm does (``AlarmPlan.region``). It pages
where the service's other alarms page (``EnvironmentPlan.alarms_page``, production);
elsewhere a ticket.

A public ``tcp`` or ``tls`` service behind its own Network Load Balancer has its own name,
``<service>.<domain>`` (``plan/traffic.nlb_name``), which the domain's check never
resolves: it gets a Route 53 ``TCP`` check of that name on its listener port, the same
alarm in us-east-1 and the same paging (:func:`nlb_check_alarms`). A TCP check only opens
a connection (CreateHealthCheck ``Type`` ``TCP``: "Route 53 tries to establish a TCP
connection"; it takes no ``ResourcePath``, ``SearchString`` or SNI), so for ``tls`` it
proves the name, the listener, the security group and a healthy target, not the TLS
handshake; UDP services get none (Route 53 cannot check UDP).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from . import rules
from .model import ServicePlan
from .monitoring import AlarmMetric, AlarmPlan, OutsideInCheckPlan

if TYPE_CHECKING:
    from .alarms import Alarms

CHECK = "health-check"
# The runbook section of a Network Load Balancer's TCP check (its alarm's check is CHECK,
# so it is named, forwarded through EventBridge and counted among double pages alike).
TCP_ANCHOR = "tcp-health-check"


def probed_service(alarms: Alarms) -> tuple[ServicePlan | None, str]:
    """The service whose health path the domain's check requests, or None, and why."""
    env = alarms.env
    lb = next((b for b in env.load_balancers if b.internet_facing), None)
    if lb is None or lb.domain is None:
        return None, (
            "no domain on an internet-facing load balancer in this environment: nothing "
            "outside the ALB to check (the ALB's own DNS name changes with it)"
        )
    domain = lb.domain
    candidates = [
        s
        for s in env.services
        if s.kind == "web"
        and s.public
        and s.load_balancer == lb.name
        and "/*" in s.path_patterns
        and (not s.host_patterns or any(fnmatchcase(domain, h) for h in s.host_patterns))
    ]
    if not candidates:
        return None, (
            f"no public web service answers / on {domain} (every rule is under a path "
            "prefix or another host): no path to check without guessing"
        )
    service = candidates[0]
    if service.protocol != "http" or service.health_path is None:
        return None, (
            f"{service.name} answers / on {domain} but speaks {service.protocol}: a Route 53 "
            "HTTPS check sends HTTP/1.1 GETs, which a gRPC service does not answer with 2xx"
        )
    return service, (
        f"{service.name} answers / on {domain} (the catch-all rule): its health path "
        f"{service.health_path} checks DNS, the HTTPS listener, WAF and tasks at once (not "
        "the certificate's validity: Route 53 does not validate it)"
    )


def health_check_alarms(alarms: Alarms) -> OutsideInCheckPlan | None:
    """The environment's outside-in check and its alarm, if it has a public domain."""
    env = alarms.env
    key = f"alarms.{env.name}.outside_in"
    service, why = probed_service(alarms)
    if service is None:
        alarms.log.decide(key, None, why)
        return None
    lb = next(b for b in env.load_balancers if b.internet_facing)
    assert lb.domain is not None and service.health_path is not None
    interval, failures = rules.OUTSIDE_IN_REQUEST_INTERVAL, rules.OUTSIDE_IN_FAILURE_THRESHOLD
    alarms.log.decide(
        key,
        f"https://{lb.domain}{service.health_path}",
        f"{why}; a Route 53 HTTPS health check every {interval} s from Route 53's "
        f"checkers, unhealthy after {failures} failures in a row",
        service=service.name,
    )
    alarm = _status_alarm(
        alarms,
        service,
        f"{service.name}: https://{lb.domain}{service.health_path} fails from the internet "
        "(Route 53 health check)",
        reason=f"Route 53's checkers cannot get a 2xx or 3xx from https://{lb.domain}"
        f"{service.health_path} (DNS record, HTTPS listener, WAF, or no task) in 2 "
        "of 3 minutes: no request reaches the service, so the load balancer's alarms see "
        "nothing; in us-east-1 (Route 53's metrics), notifying through EventBridge; a "
        "missing datapoint keeps the state (the check reports every minute while it exists, "
        "and a new check has none yet)",
    )
    return OutsideInCheckPlan(
        service=service.name,
        fqdn=lb.domain,
        port=rules.OUTSIDE_IN_PORT,
        path=service.health_path,
        request_interval=interval,
        failure_threshold=failures,
        alarm=alarm.name,
        reason=why,
    )


def _status_alarm(
    alarms: Alarms,
    service: ServicePlan,
    description: str,
    *,
    reason: str,
    anchor: str | None = None,
) -> AlarmPlan:
    """The alarm on a Route 53 health check's status, in us-east-1 where Route 53 publishes
    it: unhealthy in 2 of 3 minutes pages (where alarms page); a missing datapoint keeps the
    state. The domain's HTTPS check and each TCP service's own share it."""
    metric = AlarmMetric(
        id="status",
        namespace="AWS/Route53",
        metric_name="HealthCheckStatus",
        statistic="Minimum",
        dimensions={"HealthCheckId": f"health_check:{service.name}.id"},
    )
    return alarms.add(
        f"service:{service.name}",
        CHECK,
        description,
        [metric],
        threshold=1,
        comparison="LessThanThreshold",
        period=60,
        evaluations=3,
        datapoints=2,
        missing="missing",
        page=True,
        anchor=anchor,
        region=rules.ROUTE53_METRICS_REGION,
        reason=reason,
    )


def nlb_check_alarms(alarms: Alarms) -> list[OutsideInCheckPlan]:
    """A Route 53 TCP check of each public TCP or TLS service's own name, and its alarm."""
    env = alarms.env
    checks = []
    interval, failures = rules.OUTSIDE_IN_REQUEST_INTERVAL, rules.OUTSIDE_IN_FAILURE_THRESHOLD
    for service in env.services:
        if not (service.public and service.protocol in ("tcp", "tls")):
            continue
        key = f"alarms.{env.name}.outside_in.{service.name}"
        if service.domain is None or service.port is None:
            alarms.log.decide(
                key,
                None,
                "no name of its own (no domain in this environment): clients use the load "
                "balancer's AWS-generated name, which changes with it; nothing to check",
                service=service.name,
            )
            continue
        endpoint = f"{service.domain}:{service.port}"
        why = (
            f"{service.name}'s clients connect to {endpoint}, a name the domain's check "
            "never resolves: a Route 53 TCP check opens a connection to it (DNS record, "
            f"{service.protocol.upper()} listener, security group and a healthy target"
            + (
                "; not the TLS handshake: a TCP check sends no bytes"
                if service.protocol == "tls"
                else ""
            )
            + ")"
        )
        alarms.log.decide(
            key,
            f"tcp://{endpoint}",
            f"{why}; every {interval} s from Route 53's checkers, unhealthy after "
            f"{failures} failures in a row",
            service=service.name,
        )
        alarm = _status_alarm(
            alarms,
            service,
            f"{service.name}: no TCP connection to {endpoint} from the internet "
            "(Route 53 health check)",
            anchor=TCP_ANCHOR,
            reason=f"Route 53's checkers cannot open a TCP connection to {endpoint} (DNS "
            "record deleted or changed, listener, security group or delegation broken, or no "
            "healthy target) in 2 of 3 minutes: clients cannot connect while the tasks may "
            "stay healthy, so the service's own alarms see nothing; in us-east-1 (Route 53's "
            "metrics), notifying through EventBridge; a missing datapoint keeps the state",
        )
        checks.append(
            OutsideInCheckPlan(
                service=service.name,
                fqdn=service.domain,
                port=service.port,
                path=None,
                type="TCP",
                request_interval=interval,
                failure_threshold=failures,
                alarm=alarm.name,
                reason=why,
            )
        )
    return checks


# Blocks by the rate-limit rule in each of 3 five-minute periods: sustained, not a burst.
WAF_BLOCK_PERIODS = 3
WAF_ANCHOR = "waf"  # the runbook's WAF section (``#alarm-waf``)


def waf_blocks_alarm(self: Alarms, lb: str) -> None:
    """A ticket when the ALB's web ACL keeps blocking clients on its per-IP rate limit.

    WAF answers a blocked request with 403 before it reaches a task: no 5xx, so neither
    the SLO nor the error alarms see legitimate clients shut out. The metric is
    ``AWS/WAFV2`` ``BlockedRequests`` with dimensions ``WebACL`` and ``Rule`` (the ACL's
    and the rule's visibility metric names, ``components/_waf.py``) and ``Region``; WAF
    publishes it only for periods with a block, so missing data is not breaching.
    """
    ref = f"load_balancer:{lb}"
    self.add(
        ref,
        "waf-rate-limit",
        f"{lb}: WAF rate limit blocking requests for {WAF_BLOCK_PERIODS * 5} minutes",
        [
            AlarmMetric(
                id="blocked",
                namespace="AWS/WAFV2",
                metric_name="BlockedRequests",
                statistic="Sum",
                dimensions={
                    "WebACL": f"{ref}.waf_acl",
                    "Rule": f"{ref}.waf_rate_rule",
                    "Region": f"{ref}.region",
                },
            )
        ],
        threshold=0,
        period=300,
        evaluations=WAF_BLOCK_PERIODS,
        missing="notBreaching",
        anchor=WAF_ANCHOR,
        reason=f"the per-IP rate limit blocked requests in each of {WAF_BLOCK_PERIODS} "
        "five-minute periods: a client (or many behind one NAT) is shut out with 403s that "
        "no 5xx alarm or SLO sees; a ticket, since an attack blocked is the rule working",
    )


WAF_SHARE_CHECK = "waf-blocked-share"


def waf_share_expression(floor: int) -> str:
    """Blocked requests as a percentage of all the ACL judged, 0 below ``floor`` requests a
    minute. WAF publishes a count only when it is non-zero, so each is filled with 0."""
    blocked, allowed = "FILL(blocked, 0)", "FILL(allowed, 0)"
    total = f"({blocked} + {allowed})"
    return f"IF({total} >= {floor}, 100 * {blocked} / {total}, 0)"


def waf_share_alarm(
    self: Alarms, target: str, owner: str, *, floor: int, region: str | None = None
) -> None:
    """A page (production) when a web ACL blocks a large share of its requests.

    ``AWS/WAFV2`` ``BlockedRequests`` and ``AllowedRequests`` with ``Rule`` ``ALL`` (every
    rule of the ACL and its default action) and ``WebACL`` (its visibility metric name),
    plus ``Region`` for a regional ACL; a CloudFront ACL's metrics have no ``Region`` and
    live in us-east-1 (AWS WAF Developer Guide, "AWS WAF metrics and dimensions": Region is
    "required for all protected resource types except for Amazon CloudFront
    distributions"). Each request ends allowed or blocked (the program's ACLs use no CAPTCHA
    or Challenge action), so the two add up to all the ACL judged; ``CountedRequests`` are
    not added: a counted request goes on to one of them.
    """
    blocked_percent = rules.WAF_BLOCKED_PERCENT
    minutes, of = rules.WAF_BLOCKED_MINUTES, rules.WAF_BLOCKED_OF_MINUTES
    dims = {"WebACL": f"{target}.waf_acl", "Rule": f"{target}.waf_all_rules"}
    if region is None:
        dims["Region"] = f"{target}.region"
    metrics = [
        AlarmMetric(
            id=id,
            namespace="AWS/WAFV2",
            metric_name=metric,
            statistic="Sum",
            dimensions=dims,
        )
        for id, metric in (("blocked", "BlockedRequests"), ("allowed", "AllowedRequests"))
    ]
    self.add(
        target,
        WAF_SHARE_CHECK,
        f"{owner}: WAF blocks more than {blocked_percent:g}% of requests",
        metrics,
        expression=waf_share_expression(floor),
        threshold=blocked_percent,
        period=60,
        evaluations=of,
        datapoints=minutes,
        missing="notBreaching",
        page=True,
        anchor=WAF_ANCHOR,
        region=region,
        reason=f"the web ACL blocked more than {blocked_percent:g}% of the requests it judged "
        f"in {minutes} of {of} minutes, counted only over {floor}+ requests a minute: "
        "a WAF block is a 403 before any task, outside the availability SLI, the 5xx "
        "alarms and the Route 53 check, so a managed rule or the rate limit shutting users "
        "out would otherwise page nobody; a healthy ACL blocks scanners and bots, well "
        f"under {blocked_percent:g}% of real traffic, and a flood large enough to pass it "
        "is worth a look too"
        + (
            "; in us-east-1 (a CloudFront ACL's metrics), notifying through EventBridge"
            if region
            else ""
        ),
    )
