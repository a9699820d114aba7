"""CloudWatch alarms per environment: what the stack creates, with thresholds and reasons.

The Prometheus rules cover what the application reports; these cover what AWS sees
whether or not anyone runs Prometheus: the load balancer, ECS (with Service Connect),
SQS, EventBridge, RDS and ElastiCache. Principle: an alarm pages when users are hurt now
or will be within the hour (errors, a full disk, stalled work, a fast SLO burn); causes
and slow trends open a ticket. Non-production alarms notify but never page
(``EnvironmentPlan.alarms_page``).
"""

from __future__ import annotations

from .datastore_alarms import cache_alarms, database_alarms, job_alarms, queue_alarms
from .decisions import Decisions
from .engine_alarms import broker_alarms, document_db_alarms, memcached_alarms
from .model import EnvironmentPlan, ServicePlan
from .monitoring import (
    RUNBOOK,
    AlarmMetric,
    AlarmPlan,
    Comparison,
    CompositeAlarmPlan,
    EnvironmentAlarms,
    SloMonitor,
    seconds,
)

# ECS CPU held this far above the autoscaling target means scaling is at max_count.
CPU_ABOVE_TARGET = 30
MEMORY_PERCENT = 90  # memory does not autoscale; a task is killed at 100%
# 5xx share of Service Connect calls to a worker (no SLO of its own) that opens a ticket.
CALLED_ERROR_RATE_PERCENT = 5.0


def plan_alarms(
    app: str, environments: list[EnvironmentPlan], slos: list[SloMonitor], log: Decisions
) -> dict[str, EnvironmentAlarms]:
    return {env.name: Alarms(app, env, log).build(slos) for env in environments}


def _m(id: str, namespace: str, metric: str, stat: str, **dimensions: str) -> AlarmMetric:
    return AlarmMetric(
        id=id, namespace=namespace, metric_name=metric, statistic=stat, dimensions=dimensions
    )


class Alarms:
    """Collects one environment's alarms; every threshold is also a Decision."""

    def __init__(self, app: str, env: EnvironmentPlan, log: Decisions) -> None:
        self.app, self.env, self.log = app, env, log
        self.alarms: list[AlarmPlan] = []
        self.composites: list[CompositeAlarmPlan] = []

    def build(self, slos: list[SloMonitor]) -> EnvironmentAlarms:
        consumed: set[str] = set()
        burned = {slo.service for slo in slos if slo.sli == "availability"}
        for service in self.env.services:
            if service.kind == "web":
                self._web(service, burn_rate_pages=self.env.production and service.name in burned)
            if service.kind in ("web", "worker"):
                self._ecs(service)
            if service.callers:
                self._called(service)
            if service.kind == "worker":
                consumed.update(u.datastore for u in service.uses if u.engine == "sqs")
            if service.kind == "job":
                job_alarms(self, service)
        for store in self.env.datastores:
            if store.name in consumed:
                queue_alarms(self, store)
            if store.engine in ("postgres", "mysql", "mariadb"):
                database_alarms(self, store)
            if store.engine == "redis":
                cache_alarms(self, store)
            if store.engine == "mongodb":
                document_db_alarms(self, store)
            if store.engine == "rabbitmq":
                broker_alarms(self, store)
            if store.engine == "memcached":
                memcached_alarms(self, store)
        if self.env.production:
            for slo in slos:
                if slo.sli == "availability":
                    self._burn(slo)
        return EnvironmentAlarms(
            environment=self.env.name,
            production=self.env.production,
            alarms=self.alarms,
            composites=self.composites,
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
        reason: str,
    ) -> AlarmPlan:
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
            runbook=f"{RUNBOOK}#alarm-{check.split('-burn')[0]}",
            reason=reason,
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
        self.add(
            target,
            "5xx-ratio",
            f"{s.name}: more than {rate:g}% of responses are 5xx",
            [
                _m("errors", elb, "HTTPCode_Target_5XX_Count", "Sum", **dims),
                _m("requests", elb, "RequestCount", "Sum", **dims),
            ],
            expression="100 * FILL(errors, 0) / FILL(requests, 1)",
            threshold=rate,
            period=60,
            evaluations=3,
            datapoints=2,
            missing="notBreaching",
            # With an availability SLO, its 1h/5m burn-rate alarm pages on the same fast burn;
            # paging here too would wake the on-call twice for one incident.
            page=not burn_rate_pages,
            rollback=True,
            reason=self.env.decision(f"services.{s.name}.alarms.error_rate_percent").reason
            + (
                "; 2 of 3 minutes; rolls deployments back, and a ticket, since the "
                "availability SLO's burn-rate alarm pages"
                if burn_rate_pages
                else "; 2 of 3 minutes, so one bad minute does not page"
            ),
        )
        ms = s.alarms.latency_p99_ms
        latency_reason = self.env.decision(f"services.{s.name}.alarms.latency_p99_ms").reason
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
            reason=f"p99 above {ms} ms ({latency_reason}) in 2 of 3 minutes; a ticket, since "
            "the latency SLO's burn rate pages",
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
            "around it, so a ticket: the 5xx alarm pages if users notice",
        )

    def _ecs(self, s: ServicePlan) -> None:
        dims = {"ClusterName": "cluster.name", "ServiceName": f"service:{s.name}.name"}
        target = f"service:{s.name}"
        cpu = min(95, s.cpu_target + CPU_ABOVE_TARGET)
        self.add(
            target,
            "cpu",
            f"{s.name}: CPU above {cpu}% for 15 minutes",
            [_m("cpu", "AWS/ECS", "CPUUtilization", "Average", **dims)],
            threshold=cpu,
            period=300,
            evaluations=3,
            reason=f"autoscaling holds CPU near {s.cpu_target}%; {CPU_ABOVE_TARGET} points "
            f"above it for 15 minutes means the service is at max_count ({s.max_count}) or "
            "cannot scale",
        )
        self.add(
            target,
            "memory",
            f"{s.name}: memory above {MEMORY_PERCENT}% for 15 minutes",
            [_m("memory", "AWS/ECS", "MemoryUtilization", "Average", **dims)],
            threshold=MEMORY_PERCENT,
            period=300,
            evaluations=3,
            reason="memory does not autoscale and a task is killed at 100%: raise `memory` "
            "or find the leak before it is",
        )
        insights = "ECS/ContainerInsights"
        self.add(
            target,
            "running-tasks",
            f"{s.name}: fewer tasks running than desired",
            [
                _m("running", insights, "RunningTaskCount", "Average", **dims),
                _m("desired", insights, "DesiredTaskCount", "Average", **dims),
            ],
            expression="desired - FILL(running, 0)",
            threshold=0,
            period=60,
            evaluations=10,
            reason="tasks missing for 10 minutes: failing to start or crash-looping (needs "
            "Container Insights on the cluster); deployments start replacements within "
            "minutes, so a shorter window would ring on every deploy",
        )

    def _called(self, s: ServicePlan) -> None:
        """Errors other services get from this one through Service Connect.

        The server-side proxy reports them in AWS/ECS under the service's DiscoveryName;
        a load balancer never sees these calls, so without this alarm a service that
        fails only its callers stays silent.
        """
        dims = {
            "ClusterName": "cluster.name",
            "ServiceName": f"service:{s.name}.name",
            "DiscoveryName": f"service:{s.name}.discovery",
        }
        rate = s.alarms.error_rate_percent if s.alarms is not None else CALLED_ERROR_RATE_PERCENT
        self.add(
            f"service:{s.name}",
            "connect-5xx-ratio",
            f"{s.name}: more than {rate:g}% of calls from {', '.join(s.callers)} get a 5xx",
            [
                _m("errors", "AWS/ECS", "HTTPCode_Target_5XX_Count", "Sum", **dims),
                _m("requests", "AWS/ECS", "RequestCount", "Sum", **dims),
            ],
            expression="100 * FILL(errors, 0) / FILL(requests, 1)",
            threshold=rate,
            period=60,
            evaluations=5,
            datapoints=3,
            missing="notBreaching",
            reason=(
                "the web alarm's rate, for the calls its load balancer does not see"
                if s.alarms is not None
                else f"{CALLED_ERROR_RATE_PERCENT:g}%: a worker's callers have no SLO of their own"
            )
            + f"; 3 of 5 minutes; a ticket: {', '.join(s.callers)} alarm on what their "
            "users see",
        )

    def _burn(self, slo: SloMonitor) -> None:
        s = self.env.service(slo.service)
        assert s.load_balancer is not None
        dims = {
            "LoadBalancer": f"load_balancer:{s.load_balancer}",
            "TargetGroup": f"service:{s.name}.target_group",
        }
        elb = "AWS/ApplicationELB"
        target = f"slo:{slo.name}"
        for alert in slo.alerts:
            members = []
            for window in (alert.long_window, alert.short_window):
                members.append(
                    self.add(
                        target,
                        f"burn-{alert.long_window}-{window}",
                        f"{slo.name}: 5xx ratio over {window} above {alert.error_ratio:g}",
                        [
                            _m("errors", elb, "HTTPCode_Target_5XX_Count", "Sum", **dims),
                            _m("requests", elb, "RequestCount", "Sum", **dims),
                        ],
                        expression="FILL(errors, 0) / FILL(requests, 1)",
                        threshold=alert.error_ratio,
                        period=seconds(window),
                        evaluations=1,
                        missing="notBreaching",
                        notify=False,
                        reason=f"{alert.burn_rate:g}× the error budget {slo.error_budget:g} over "
                        f"{window}; notifies through its composite alarm",
                    ).name
                )
            pages = alert.severity == "page" and self.env.alarms_page
            check = f"burn-{alert.long_window}"
            name = f"{self.app}-{self.env.name}-{slo.name}-{check}"
            reason = (
                f"{alert.severity}: {alert.budget_spent_percent:g}% of the {slo.window_days}-day "
                f"budget of {slo.name} in {alert.long_window}, confirmed over {alert.short_window}"
            )
            self.log.decide(
                f"alarms.{self.env.name}.{name}", alert.error_ratio, reason, pages=pages
            )
            self.composites.append(
                CompositeAlarmPlan(
                    name=name,
                    target=target,
                    check=check,
                    description=f"{slo.name}: error budget burning {alert.burn_rate:g}× too fast",
                    members=members,
                    rule=" AND ".join(f'ALARM("{m}")' for m in members),
                    pages=pages,
                    runbook=slo.runbook,
                    reason=reason,
                )
            )
