"""CloudWatch alarms per environment: what the stack creates, with thresholds and reasons.

The Prometheus rules cover what the application reports; these cover what AWS sees
whether or not anyone runs Prometheus: the load balancer, ECS (with Service Connect),
SQS, EventBridge, RDS and ElastiCache. Principle: an alarm pages when users are hurt now
or will be within the hour (errors, a full disk, stalled work, a fast SLO burn); causes
and slow trends open a ticket. Non-production alarms notify but never page
(``EnvironmentPlan.alarms_page``).
"""

from __future__ import annotations

import math
from collections import Counter

from . import rules
from .burn_alarms import (
    availability_burn,
    latency_burn,
    ratio_errors,
    ratio_expression,
    ratio_requests,
)
from .certificate_alarms import certificate_alarms, volume_alarms
from .datastore_alarms import cache_alarms, database_alarms, queue_alarms
from .decisions import Decisions
from .ecs_alarms import ecs_alarms
from .engine_alarms import broker_alarms, document_db_alarms, memcached_alarms
from .frozen import derived
from .health_check_alarms import (
    health_check_alarms,
    nlb_check_alarms,
    waf_blocks_alarm,
    waf_share_alarm,
)
from .job_alarms import job_alarms
from .model import EnvironmentPlan, ServicePlan
from .monitoring import (
    RUNBOOK,
    AlarmMetric,
    AlarmPlan,
    Comparison,
    CompositeAlarmPlan,
    EnvironmentAlarms,
    JobFailurePlan,
    SloMonitor,
)
from .search_alarms import search_alarms
from .traffic_alarms import connect_alarms, connect_only, http_only, network_alarms

ELB_ERROR_PERCENT = 5  # of a shared load balancer's requests failing at the load balancer
# Paging ratios count only over this many requests per evaluation period: 1% of a peak
# minute, at least 20 (one error is then at most 5%) and at most 100 (so a quiet night's
# real traffic still pages).
MIN_REQUESTS_FLOOR, MIN_REQUESTS_CAP, MIN_REQUESTS_SHARE = 20, 100, 0.01
# Below that floor, deployments roll back on 3-minute sums: 5+ errors over the error rate
# (the generated program's _deployment.py, SPARSE_PERIOD_SECONDS and SPARSE_MIN_ERRORS).
SPARSE_MINUTES, SPARSE_MIN_ERRORS = 3, 5


def plan_alarms(
    app: str,
    environments: list[EnvironmentPlan],
    slos: list[SloMonitor],
    log: Decisions,
    peak_rps: float | None = None,
) -> dict[str, EnvironmentAlarms]:
    return {env.name: Alarms(app, env, log, peak_rps).build(slos) for env in environments}


def min_requests(peak_rps: float | None) -> tuple[int, str]:
    """The request count below which a paging ratio reads 0, and why."""
    if peak_rps is None:
        return MIN_REQUESTS_FLOOR, (
            f"no performance.peak_rps in the spec: {MIN_REQUESTS_FLOOR} requests, so one "
            "error in 10 requests cannot page"
        )
    share = math.ceil(peak_rps * 60 * MIN_REQUESTS_SHARE)
    n = max(MIN_REQUESTS_FLOOR, min(MIN_REQUESTS_CAP, share))
    return n, (
        f"1% of a peak minute ({peak_rps:g} rps × 60 / 100 = {share}), kept within "
        f"{MIN_REQUESTS_FLOOR}-{MIN_REQUESTS_CAP}: below it a ratio is a few requests' noise "
        "(one error in 10 is 10%) and does not page"
    )


def _m(id: str, namespace: str, metric: str, stat: str, **dimensions: str) -> AlarmMetric:
    return AlarmMetric(
        id=id, namespace=namespace, metric_name=metric, statistic=stat, dimensions=dimensions
    )


class Alarms:
    """Collects one environment's alarms; every threshold is also a Decision."""

    def __init__(
        self, app: str, env: EnvironmentPlan, log: Decisions, peak_rps: float | None = None
    ) -> None:
        self.app, self.env, self.log = app, env, log
        self.alarms: list[AlarmPlan] = []
        self.composites: list[CompositeAlarmPlan] = []
        self.job_failures: list[JobFailurePlan] = []
        self.latency_slos: set[str] = set()
        # Services with an availability SLO, whose Prometheus rules count their gRPC status
        # errors too (a latency SLO counts slow calls only).
        self.grpc_slos: set[str] = set()
        n, why = min_requests(peak_rps)
        self.min_requests = log.decide(f"alarms.{env.name}.min_requests", n, why)

    def build(self, slos: list[SloMonitor]) -> EnvironmentAlarms:
        consumed: set[str] = set()
        webs = {s.name for s in self.env.services if s.kind == "web"}
        burned = {slo.service for slo in slos if slo.sli == "availability"}
        self.latency_slos = {s.service for s in slos if s.sli == "latency" and s.threshold_ms}
        self.grpc_slos = {s.service for s in slos if s.grpc_ports and s.sli == "availability"}
        shared = {s.load_balancer for s in self.env.services if s.kind == "web"}  # ALBs
        for lb in sorted(x for x in shared if x is not None):
            if len([s for s in self.env.services if s.load_balancer == lb]) > 1:
                self._shared_load_balancer(lb)
        for service in self.env.services:
            if service.kind == "web" and service.load_balancer is None:
                network_alarms(self, service)  # tcp/udp: its own Network Load Balancer
            elif service.kind == "web":
                self._web(service, burn_rate_pages=self.env.production and service.name in burned)
            if service.kind in ("web", "worker"):
                ecs_alarms(self, service)
            if service.callers:
                connect_alarms(
                    self,
                    service,
                    burn_rate_pages=self.env.production and service.name in burned,
                )
            if service.kind == "worker":
                consumed.update(u.datastore for u in service.uses if u.engine == "sqs")
            if service.kind == "job":
                job_alarms(self, service)
        for balancer in self.env.load_balancers:
            if balancer.waf:
                waf_blocks_alarm(self, balancer.name)
                waf_share_alarm(
                    self,
                    f"load_balancer:{balancer.name}",
                    f"{balancer.name} load balancer",
                    floor=self.min_requests,
                )
        for site in self.env.static_sites:
            if site.waf:
                waf_share_alarm(
                    self,
                    f"static_site:{site.name}",
                    f"{site.name} static site",
                    floor=site.min_requests,
                    region=rules.ROUTE53_METRICS_REGION,
                )
        outside_in = health_check_alarms(self)
        endpoints = nlb_check_alarms(self)
        certificate_alarms(self)
        for volume in self.env.volumes:
            volume_alarms(self, volume)
        for store in self.env.datastores:
            if store.name in consumed:
                queue_alarms(self, store)
            if store.engine in ("postgres", "mysql", "mariadb", "sqlserver"):
                database_alarms(self, store)
            if store.engine == "redis":
                cache_alarms(self, store)
            if store.engine == "mongodb":
                document_db_alarms(self, store)
            if store.engine == "rabbitmq":
                broker_alarms(self, store)
            if store.engine == "memcached":
                memcached_alarms(self, store)
            if store.engine == "opensearch":
                search_alarms(self, store)
        if self.env.production:
            for slo in slos:
                if slo.service not in webs:
                    continue  # only web services have a load balancer that measures them
                if slo.sli == "availability":
                    availability_burn(self, slo)
                elif slo.service in self.latency_slos:
                    latency_burn(self, slo)
        self._suppress_waits()
        return EnvironmentAlarms(
            environment=self.env.name,
            production=self.env.production,
            alarms=self.alarms,
            composites=self.composites,
            job_failures=self.job_failures,
            health_checks=[*([outside_in] if outside_in else []), *endpoints],
        )

    def add(
        self,
        target: str,
        check: str,
        description: str,
        metrics: list[AlarmMetric],
        *,
        threshold: float,
        period: int,
        evaluations: int,
        datapoints: int | None = None,
        comparison: Comparison = "GreaterThanThreshold",
        expression: str | None = None,
        missing: str = "missing",
        page: bool = False,
        rollback: bool = False,
        notify: bool = True,
        suppressed_by: str | None = None,
        anchor: str | None = None,
        region: str | None = None,
        reason: str,
    ) -> AlarmPlan:
        """One metric alarm. ``anchor``: its runbook section (``#alarm-<anchor>``) when the
        check means different work per engine (free storage on RDS, SQL Server, OpenSearch);
        else the check's own."""
        name = f"{self.app}-{self.env.name}-{target.split(':')[1]}-{check}"
        pages = page and self.env.alarms_page
        if page and not pages:
            reason += "; non-production: notifies, never pages"
        self.log.decide(f"alarms.{self.env.name}.{name}", threshold, reason, pages=pages)
        alarm = AlarmPlan(
            name=name,
            target=target,
            check=check,
            description=description,
            metrics=metrics,
            expression=expression,
            period_seconds=period,
            evaluation_periods=evaluations,
            datapoints_to_alarm=datapoints or evaluations,
            threshold=threshold,
            comparison=comparison,
            treat_missing_data=missing,  # type: ignore[arg-type]
            notify=notify,
            pages=pages,
            rollback=rollback,
            runbook=f"{RUNBOOK}#alarm-{anchor or check.split('-burn')[0]}",
            reason=reason,
            suppressed_by=suppressed_by if pages else None,
            region=region,
        )
        self.alarms.append(alarm)
        return alarm

    def _web(self, s: ServicePlan, *, burn_rate_pages: bool) -> None:
        assert s.alarms is not None and s.load_balancer is not None
        dims = {
            "LoadBalancer": f"load_balancer:{s.load_balancer}",
            "TargetGroup": f"service:{s.name}.target_group",
        }
        elb = "AWS/ApplicationELB"
        target = f"service:{s.name}"
        rate = s.alarms.error_rate_percent
        own = self.owns_load_balancer(s)
        metrics = [
            _m("errors", elb, "HTTPCode_Target_5XX_Count", "Sum", **dims),
            _m("requests", elb, "RequestCount", "Sum", **dims),
        ]
        if own:
            metrics.append(
                _m(
                    "elb_errors",
                    elb,
                    "HTTPCode_ELB_5XX_Count",
                    "Sum",
                    LoadBalancer=dims["LoadBalancer"],
                )
            )
        down = self.down_name(s)
        self.add(
            target,
            "5xx-ratio",
            f"{s.name}: more than {rate:g}% of responses are 5xx"
            + (" (its own and the load balancer's)" if own else "")
            + http_only(s, s.name in self.grpc_slos),
            metrics,
            expression=ratio_expression(own, self.min_requests, percent=True),
            threshold=rate,
            period=60,
            evaluations=3,
            datapoints=2,
            missing="notBreaching",
            # With an availability SLO, its 1h/5m burn-rate alarm pages on the same fast burn;
            # paging here too would wake the on-call twice for one incident. A service called
            # only through Service Connect pages on its connect-5xx-ratio, which counts these.
            page=not burn_rate_pages and not connect_only(s),
            rollback=True,
            suppressed_by=down,
            reason=self.env.decision(f"services.{s.name}.alarms.error_rate_percent").reason
            + f"; only over {self.min_requests}+ requests a minute"
            + ("; counts the load balancer's own 5xx (no healthy target, timeouts)" if own else "")
            + (
                "; 2 of 3 minutes; rolls deployments back, and a ticket, since the "
                "availability SLO's burn-rate alarm pages"
                if burn_rate_pages
                else (
                    "; 2 of 3 minutes; rolls deployments back, and a ticket: "
                    f"{', '.join(s.callers)} call it through Service Connect, past this "
                    "load balancer, so its connect-5xx-ratio (which counts these 5xx too) pages"
                    if connect_only(s)
                    else "; 2 of 3 minutes, so one bad minute does not page"
                )
            ),
        )
        per_period = self.min_requests * SPARSE_MINUTES
        self.add(
            target,
            "5xx-sparse",
            f"{s.name}: at low traffic, {SPARSE_MIN_ERRORS}+ 5xx and more than {rate:g}% of "
            f"responses in {SPARSE_MINUTES} minutes" + http_only(s, s.name in self.grpc_slos),
            metrics,
            expression=f"IF({per_period} > {ratio_requests(own)}, "
            f"IF({ratio_errors(own)} >= {SPARSE_MIN_ERRORS}, "
            f"100 * ({ratio_errors(own)}) / ({ratio_requests(own)}), 0), 0)",
            threshold=rate,
            period=SPARSE_MINUTES * 60,
            evaluations=1,
            missing="notBreaching",
            rollback=True,
            anchor="5xx-ratio",
            reason=f"below {self.min_requests} requests a minute the 5xx ratio reads 0, so "
            f"a revision failing every request of a quiet service would promote: over "
            f"{SPARSE_MINUTES}-minute sums under {per_period} requests, {SPARSE_MIN_ERRORS}+ "
            f"5xx above {rate:g}% roll the deployment back (the first whole period after "
            "traffic shifts ends within the bake time); a ticket, as a few errors at night "
            "are no page",
        )
        ms = s.alarms.latency_p99_ms
        latency_reason = self.env.decision(f"services.{s.name}.alarms.latency_p99_ms").reason
        latency_burns = self.env.production and s.name in self.latency_slos and not connect_only(s)
        self.add(
            target,
            "latency-p99",
            f"{s.name}: p99 response time above {ms} ms",
            [_m("p99", elb, "TargetResponseTime", "p99", **dims)],
            threshold=ms / 1000,
            period=60,
            evaluations=3,
            datapoints=2,
            missing="notBreaching",
            rollback=True,
            reason=f"p99 above {ms} ms ({latency_reason}) in 2 of 3 minutes; a ticket"
            + (
                ": the latency SLO's burn-rate alarms page"
                if latency_burns
                else ": no latency SLO burn rate watches this service in this stack"
            ),
        )
        self.add(
            target,
            "unhealthy-hosts",
            f"{s.name}: a target fails its health check",
            [_m("unhealthy", elb, "UnHealthyHostCount", "Maximum", **dims)],
            threshold=0,
            period=60,
            evaluations=3,
            datapoints=2,
            missing="notBreaching",
            rollback=True,
            reason="a task failing health checks in 2 of 3 minutes; the load balancer routes "
            "around it, so a ticket: the service-down composite pages when none is healthy, "
            "and the SLO burn rates (or, without an availability SLO, the 5xx ratio) when "
            "users see errors",
        )
        self.add(
            target,
            "no-healthy-hosts",
            f"{s.name}: no target passes its health check",
            [_m("healthy", elb, "HealthyHostCount", "Maximum", **dims)],
            threshold=1,
            comparison="LessThanThreshold",
            period=60,
            evaluations=3,
            datapoints=2,
            missing="notBreaching",
            page=s.public,
            notify=down is None,
            reason="no healthy target in 2 of 3 minutes: every request fails at the load "
            "balancer (502/503)"
            + (
                "; pages through the service-down composite"
                if s.public
                else "; an internal service, so a ticket: its callers' alarms page"
            ),
        )

    def _suppress_waits(self) -> None:
        """Each muted alarm waits for its suppressor only as long as that suppressor needs
        to fire (its fastest member), known once every alarm is planned: the suppressor
        of a rollback alarm (service-down) is planned after it."""
        # The alarms by name, once: looking each suppressor up by scanning some 1,200
        # alarms was a sixth of planning 200 services.
        metric = {a.name: a for a in self.alarms}
        composites: dict[str, CompositeAlarmPlan] = {}
        for c in self.composites:
            composites.setdefault(c.name, c)

        def detection(name: str) -> int:
            return self.detection_seconds(name, metric, composites)

        self.alarms = [
            a.model_copy(update={"suppress_wait_seconds": detection(a.suppressed_by)})
            if a.suppressed_by
            else a
            for a in self.alarms
        ]
        self.composites = [
            c.model_copy(update={"suppress_wait_seconds": detection(c.suppressed_by)})
            if c.suppressed_by
            else c
            for c in self.composites
        ]

    def detection_seconds(
        self,
        name: str,
        metric: dict[str, AlarmPlan],
        composites: dict[str, CompositeAlarmPlan],
    ) -> int:
        """How long alarm ``name`` takes to go to ALARM once its signal starts: a metric
        alarm's ``datapoints_to_alarm`` periods, plus one period for the last datapoint to
        be published and evaluated (CloudWatch evaluates a period once it has ended); a
        composite's fastest member for ``OR`` (service-down: no healthy hosts, 2 of 3
        one-minute periods, 3 minutes, before half the tasks missing for 10, 11), its
        slowest for ``AND``.
        ``metric`` and ``composites`` are the planned alarms by name."""
        if name in metric:
            a = metric[name]
            return a.period_seconds * (a.datapoints_to_alarm + 1)
        composite = composites[name]
        members = [self.detection_seconds(m, metric, composites) for m in composite.members]
        return min(members) if " OR " in composite.rule else max(members)

    def down_name(self, s: ServicePlan) -> str | None:
        """The service-down composite of a public web service or of a TCP/UDP service behind
        its own Network Load Balancer (whoever connects to it, inside the VPC or not, fails
        when it is down); None for other services."""
        network = s.kind == "web" and s.protocol in ("tcp", "udp", "tls")
        if s.kind == "web" and (s.public or network):
            return f"{self.app}-{self.env.name}-{s.name}-down"
        return None

    def owns_load_balancer(self, s: ServicePlan) -> bool:
        """Whether the load balancer's own 5xx are this service's: ``HTTPCode_ELB_5XX_Count``
        has no TargetGroup dimension, so they are attributable only to a service alone on it."""
        return _services_behind(self.env)[s.load_balancer] == 1

    def _shared_load_balancer(self, lb: str) -> None:
        """A load balancer several services share: its own 5xx cannot be told apart by
        service, so one ratio alarm watches the load balancer as a whole."""
        dims = {"LoadBalancer": f"load_balancer:{lb}"}
        elb = "AWS/ApplicationELB"
        sharing = ", ".join(s.name for s in self.env.services if s.load_balancer == lb)
        self.add(
            f"load_balancer:{lb}",
            "elb-5xx",
            f"{lb} load balancer: more than {ELB_ERROR_PERCENT}% of requests fail at the "
            "load balancer (5xx it generates itself)",
            [
                _m("errors", elb, "HTTPCode_Target_5XX_Count", "Sum", **dims),
                _m("requests", elb, "RequestCount", "Sum", **dims),
                _m("elb_errors", elb, "HTTPCode_ELB_5XX_Count", "Sum", **dims),
            ],
            expression=f"IF(FILL(requests, 0) + FILL(elb_errors, 0) >= {self.min_requests}, "
            "100 * FILL(elb_errors, 0) / (FILL(requests, 0) + FILL(elb_errors, 0)), 0)",
            threshold=ELB_ERROR_PERCENT,
            period=60,
            evaluations=3,
            datapoints=2,
            missing="notBreaching",
            page=True,
            reason=f"shared by {sharing}: the load balancer's own 5xx (no healthy target, "
            "timeouts) have no target group dimension, so they are watched here, over "
            f"{self.min_requests}+ requests a minute, 2 of 3 minutes",
        )


def _services_behind(env: EnvironmentPlan) -> Counter[str | None]:
    """How many of the environment's services each load balancer (None: none) fronts, counted
    once per plan: every web service asks, and counting anew each time grew with the square
    of the services."""
    return derived(
        env,
        "services per load balancer",
        lambda plan: Counter(x.load_balancer for x in plan.services),
    )
