"""How ECS deploys a web service: the strategy settings and the alarms it rolls back on.

The alarms measure what users see through the load balancer: the 5xx ratio, unhealthy
targets and p99 latency (the 5xx and latency thresholds come from the spec's SLO). With
two target groups (blue/green, canary, linear) each metric is taken per target group and
the worst one alarms, so a canary taking 10% of traffic is not averaged away by the 90%.
Alarms have no notification actions: paging is the monitoring stack's job, through a
composite alarm over each of them. Each has an explicit name, ``<project>-<stack>-<service>-
<check>-rollback``, so the composite's rule, ``describe-alarms`` in the runbook and the
console all find it by the name the runbook prints.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from ._names import physical_name

PERIOD_SECONDS = 60
# Below the per-minute floor the 5xx ratio reads 0, so a service at 3 requests a minute
# would promote a revision that fails every request. The low-traffic alarm judges
# 3-minute sums instead: at least SPARSE_MIN_ERRORS 5xx and over the error rate, only while
# traffic is under the floor (above it the minute alarm judges). 3 minutes: the first
# whole period after traffic shifts ends within 6 minutes, inside the bake time.
SPARSE_PERIOD_SECONDS = 180
SPARSE_MIN_ERRORS = 5
# The plan's names for these checks: the monitoring stack notifies through these alarms.
CHECKS = {
    "5xx": "5xx-ratio",
    "sparse": "5xx-sparse",
    "unhealthy": "unhealthy-hosts",
    "latency": "latency-p99",
    "connect": "connect-5xx-ratio",
}
# The Service Connect alarm judges 3 of 5 minutes, as the plan's connect-5xx-ratio does.
CONNECT_PERIODS, CONNECT_DATAPOINTS = 5, 3
# CloudWatch reads at most 10 metrics in one metric math alarm.
MAX_ALARM_METRICS = 10
# The monitoring stack's composite over each alarm is <project>-<stack>-<service>-<check>;
# the alarm itself carries this suffix (shipspec's plan names it the same way).
ROLLBACK_SUFFIX = "-rollback"


def _metric(
    query_id: str,
    metric: str,
    stat: str,
    lb: pulumi.Input[str],
    tg: pulumi.Input[str] | None,
    period: int = PERIOD_SECONDS,
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    dimensions = {"LoadBalancer": lb} if tg is None else {"LoadBalancer": lb, "TargetGroup": tg}
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=query_id,
        return_data=False,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace="AWS/ApplicationELB",
            metric_name=metric,
            stat=stat,
            period=period,
            dimensions=dimensions,
        ),
    )


def _expression(
    query_id: str, expression: str, label: str, *, result: bool = False
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=query_id, expression=expression, label=label, return_data=result
    )


def deployment_alarms(
    owner: pulumi.Resource,
    name: str,
    *,
    load_balancer_arn_suffix: pulumi.Input[str],
    target_group_arn_suffixes: Sequence[pulumi.Input[str]],
    error_rate_percent: float,
    latency_p99_ms: int,
    min_requests: int = 0,
    load_balancer_errors: bool = False,
) -> dict[str, aws.cloudwatch.MetricAlarm]:
    """5xx ratio, unhealthy hosts and p99 latency alarms over the service's target groups.

    The 5xx ratio reads 0 below ``min_requests`` a minute (one error in ten requests is no
    outage); below it, the low-traffic alarm judges 3-minute sums (``SPARSE_MIN_ERRORS``+
    5xx and over the rate), so a revision failing every request of a quiet service still
    rolls back. With ``load_balancer_errors`` (the service is alone on its load balancer) the
    load balancer's own 5xx count too: ``HTTPCode_ELB_5XX_Count`` has no TargetGroup
    dimension, and a service with no healthy target answers only through them.
    """
    lb = load_balancer_arn_suffix
    groups = list(enumerate(target_group_arn_suffixes))

    def worst(ids: list[str]) -> str:
        return ids[0] if len(ids) == 1 else f"MAX([{', '.join(ids)}])"

    def ratio(period: int, judged: str) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
        """The worst target group's 5xx percentage over ``period``, 0 where ``judged``
        (given ``{errors}`` and ``{requests}`` of a group) is false."""
        queries: list[aws.cloudwatch.MetricAlarmMetricQueryArgs] = []
        elb = " + FILL(elb_errors, 0)" if load_balancer_errors else ""
        if load_balancer_errors:
            queries.append(_metric("elb_errors", "HTTPCode_ELB_5XX_Count", "Sum", lb, None, period))
        rates = []
        for i, tg in groups:
            queries += [
                _metric(f"errors{i}", "HTTPCode_Target_5XX_Count", "Sum", lb, tg, period),
                _metric(f"requests{i}", "RequestCount", "Sum", lb, tg, period),
            ]
            # A period without requests has no errors either: FILL makes missing data 0.
            requests, bad = f"FILL(requests{i}, 0){elb}", f"FILL(errors{i}, 0){elb}"
            condition = judged.format(errors=bad, requests=requests)
            rates.append(f"IF({condition}, 100 * ({bad}) / ({requests}), 0)")
        if len(rates) > 1:
            queries += [_expression(f"rate{i}", r, f"5xx % {i}") for i, r in enumerate(rates)]
            rates = [f"rate{i}" for i in range(len(rates))]
        queries.append(_expression("worst", worst(rates), "5xx %", result=True))
        return queries

    errors = ratio(PERIOD_SECONDS, f"{{requests}} >= {min_requests}")
    per_period = min_requests * SPARSE_PERIOD_SECONDS // PERIOD_SECONDS
    sparse = ratio(
        SPARSE_PERIOD_SECONDS,
        f"IF({per_period} > {{requests}}, {{errors}} >= {SPARSE_MIN_ERRORS}, 0)",
    )

    unhealthy = [
        _metric(f"unhealthy{i}", "UnHealthyHostCount", "Maximum", lb, tg) for i, tg in groups
    ]
    ids = [f"unhealthy{i}" for i, _ in groups]
    unhealthy.append(
        _expression(
            "worst", worst(ids) if len(ids) > 1 else f"FILL({ids[0]}, 0)", "unhealthy", result=True
        )
    )

    latency = [_metric(f"p99s{i}", "TargetResponseTime", "p99", lb, tg) for i, tg in groups]
    latency.append(
        _expression(
            "worst", f"1000 * {worst([f'p99s{i}' for i, _ in groups])}", "p99 ms", result=True
        )
    )

    specs = [
        ("5xx", errors, error_rate_percent, f"5xx responses above {error_rate_percent}%"),
        (
            "sparse",
            sparse,
            error_rate_percent,
            f"at low traffic, {SPARSE_MIN_ERRORS}+ 5xx and above {error_rate_percent}% "
            f"in {SPARSE_PERIOD_SECONDS // 60} minutes",
        ),
        ("unhealthy", unhealthy, 0, "a target failed its health check"),
        ("latency", latency, latency_p99_ms, f"p99 latency above {latency_p99_ms} ms"),
    ]
    return {
        CHECKS[suffix]: aws.cloudwatch.MetricAlarm(
            f"{name}-{suffix}",
            name=physical_name(f"{name}-{CHECKS[suffix]}{ROLLBACK_SUFFIX}", max_length=255),
            alarm_description=f"{name} deployment rollback: {what}",
            metric_queries=queries,
            comparison_operator="GreaterThanThreshold",
            threshold=threshold,
            # 2 of 3 one-minute periods: a single slow request burst does not roll back.
            # The low-traffic alarm's one 3-minute period already sums 3 minutes.
            evaluation_periods=1 if suffix == "sparse" else 3,
            datapoints_to_alarm=1 if suffix == "sparse" else 2,
            treat_missing_data="notBreaching",
            opts=pulumi.ResourceOptions(parent=owner),
        )
        for suffix, queries, threshold, what in specs
    }


def connect_alarm(
    owner: pulumi.Resource,
    name: str,
    *,
    cluster_name: pulumi.Input[str],
    discovery_name: str,
    callers: Sequence[str],
    error_rate_percent: float,
    min_requests: int,
    load_balancer_arn_suffix: pulumi.Input[str] | None = None,
    target_group_arn_suffixes: Sequence[pulumi.Input[str]] = (),
) -> aws.cloudwatch.MetricAlarm:
    """The 5xx ratio of the calls other services make through Service Connect, which ECS
    rolls back on, counted where the calls are made: the 5xx each caller's proxy got back
    over the requests it sent (``AWS/ECS`` ``HTTPCode_Target_5XX_Count`` and
    ``RequestCount`` by ``ClusterName``, the caller's ``ServiceName`` and this service's
    ``TargetDiscoveryName``) and, given ``target_group_arn_suffixes`` (a service its
    callers reach only through Service Connect), its target groups' 5xx over the requests
    the load balancer sent them. Not over the requests this service's own proxy received
    (``DiscoveryName``): when calls cannot reach the tasks, the callers' proxies (Envoy)
    answer them 503 themselves and count it against this target, while this service's
    proxy counts nothing, and such a ratio would read 0 when every call fails. When the
    callers' metrics do not fit one alarm (``MAX_ALARM_METRICS``), by
    ``TargetDiscoveryName`` alone (every caller in the account). 0 below
    ``min_requests`` a minute. ``callers`` (their spec names) become the ECS service names
    ``create_service`` gives them, as plain strings, since ECS needs the alarm's name
    before the service exists.
    """
    callers = [physical_name(c, max_length=255) for c in callers]
    groups = list(target_group_arn_suffixes) if load_balancer_arn_suffix is not None else []
    if 2 * len(callers) + 2 * len(groups) <= MAX_ALARM_METRICS:
        targets: list[dict[str, pulumi.Input[str]]] = [
            {
                "ClusterName": cluster_name,
                "ServiceName": caller,
                "TargetDiscoveryName": discovery_name,
            }
            for caller in callers
        ]
    else:
        targets = [{"TargetDiscoveryName": discovery_name}]
    queries: list[aws.cloudwatch.MetricAlarmMetricQueryArgs] = []
    errors: list[str] = []
    requests: list[str] = []
    for i, dimensions in enumerate(targets):
        for query_id, metric in (
            (f"errors{i}", "HTTPCode_Target_5XX_Count"),
            (f"calls{i}", "RequestCount"),
        ):
            queries.append(
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id=query_id,
                    return_data=False,
                    metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                        namespace="AWS/ECS",
                        metric_name=metric,
                        stat="Sum",
                        period=PERIOD_SECONDS,
                        dimensions=dimensions,
                    ),
                )
            )
        errors.append(f"FILL(errors{i}, 0)")
        requests.append(f"FILL(calls{i}, 0)")
    lb = load_balancer_arn_suffix
    for i, tg in enumerate(groups):
        assert lb is not None
        queries.append(_metric(f"lb_errors{i}", "HTTPCode_Target_5XX_Count", "Sum", lb, tg))
        queries.append(_metric(f"lb_requests{i}", "RequestCount", "Sum", lb, tg))
        errors.append(f"FILL(lb_errors{i}, 0)")
        requests.append(f"FILL(lb_requests{i}, 0)")
    total, failed = " + ".join(requests), " + ".join(errors)
    queries.append(
        _expression(
            "ratio",
            f"IF(({total}) >= {min_requests}, 100 * ({failed}) / ({total}), 0)",
            "Service Connect 5xx %",
            result=True,
        )
    )
    check = CHECKS["connect"]
    return aws.cloudwatch.MetricAlarm(
        f"{name}-connect",
        name=physical_name(f"{name}-{check}{ROLLBACK_SUFFIX}", max_length=255),
        alarm_description=f"{name} deployment rollback: more than {error_rate_percent}% of "
        f"calls from {', '.join(callers)} (Service Connect) get a 5xx",
        metric_queries=queries,
        comparison_operator="GreaterThanThreshold",
        threshold=error_rate_percent,
        evaluation_periods=CONNECT_PERIODS,
        datapoints_to_alarm=CONNECT_DATAPOINTS,
        treat_missing_data="notBreaching",
        opts=pulumi.ResourceOptions(parent=owner),
    )


def deployment_configuration(
    strategy: str,
    *,
    bake_time_minutes: int,
    canary_percent: float,
    canary_bake_minutes: int,
    linear_step_percent: float,
    linear_step_bake_minutes: int,
) -> aws.ecs.ServiceDeploymentConfigurationArgs:
    """ECS-native strategy settings; bake times are strings in the ECS API."""
    if strategy == "ROLLING":
        return aws.ecs.ServiceDeploymentConfigurationArgs(strategy="ROLLING")
    for label, minutes in (
        ("bake_time_minutes", bake_time_minutes),
        ("canary_bake_minutes", canary_bake_minutes),
        ("linear_step_bake_minutes", linear_step_bake_minutes),
    ):
        if not 0 <= minutes <= 1440:
            raise ValueError(f"{label} must be 0-1440, got {minutes}")
    canary = linear = None
    if strategy == "CANARY":
        if not 0.1 <= canary_percent <= 100:
            raise ValueError(f"canary_percent must be 0.1-100, got {canary_percent}")
        canary = aws.ecs.ServiceDeploymentConfigurationCanaryConfigurationArgs(
            canary_percent=float(canary_percent),
            canary_bake_time_in_minutes=str(canary_bake_minutes),  # the API takes strings
        )
    if strategy == "LINEAR":
        if not 3 <= linear_step_percent <= 100:
            raise ValueError(f"linear_step_percent must be 3-100, got {linear_step_percent}")
        linear = aws.ecs.ServiceDeploymentConfigurationLinearConfigurationArgs(
            step_percent=float(linear_step_percent),
            step_bake_time_in_minutes=str(linear_step_bake_minutes),
        )
    return aws.ecs.ServiceDeploymentConfigurationArgs(
        strategy=strategy,
        bake_time_in_minutes=str(bake_time_minutes),
        canary_configuration=canary,
        linear_configuration=linear,
    )
