"""Service decisions for one environment: size, task counts, routing, deployment, alarms."""

from __future__ import annotations

from ..spec.capacity import availability_floor, explicit_max, peak_tasks
from ..spec.fargate import cpu_units, fargate_size
from ..spec.models import HandoffSpec, Service
from ..spec.traffic import NETWORK_PROTOCOLS
from . import rules
from .access import plan_uses
from .decisions import Decisions
from .egress import plan_egress
from .env_refs import plan_env_refs
from .model import AlarmThresholds, DeploymentPlan, RoutePlan, ServicePlan, Strategy
from .operations import plan_exec
from .traffic import note_protocol, on_alb, plan_health, plan_ports


def plan_service(
    spec: HandoffSpec,
    name: str,
    service: Service,
    production: bool,
    az_count: int,
    routing: dict[str, RoutePlan],
    log: Decisions,
    *,
    env_scaling: bool = False,
) -> ServicePlan:
    """``env_scaling``: the environment's own ``scaling`` (spec) replaces the service's, and
    outside production is used as given instead of the non-production sizes."""
    key = f"services.{name}"
    kind = service.type
    if kind == "static":
        raise ValueError(f"{name} is a static site: plan it with plan.static")
    vcpu, memory = fargate_size(service.cpu, service.memory)  # the spec validated that it fits
    size = {"cpu": cpu_units(vcpu), "memory": memory}
    if service.memory is None:
        log.decide(
            f"{key}.size",
            size,
            f"no memory given: the smallest Fargate memory for {vcpu:g} vCPU, {memory} MiB",
            cpu=service.cpu,
        )
    elif (vcpu, memory) != (service.cpu, service.memory):
        log.decide(
            f"{key}.size",
            size,
            f"requested {service.cpu:g} vCPU / {service.memory} MiB, rounded up to the Fargate "
            f"size {vcpu:g} vCPU / {memory} MiB",
            cpu=service.cpu,
            memory=service.memory,
        )
    else:
        log.decide(
            f"{key}.size",
            size,
            f"as requested: {vcpu:g} vCPU / {memory} MiB is a valid Fargate size",
            cpu=service.cpu,
            memory=service.memory,
        )
    low, high, desired = _task_counts(
        spec, name, service, production, az_count, log, env_scaling=env_scaling
    )
    deployment = _deployment(spec, name, service, production, log)
    alarms = _alarms(spec, name, log) if on_alb(service) else None
    route = routing.get(name)
    callers = [n for n, other in spec.services.items() if name in other.calls]
    _discovery(name, service, callers, log)
    note_protocol(name, service, log)
    health_check = plan_health(name, service, log)
    env_template, env_datastores, datastore_secrets = plan_env_refs(spec, name, service, log)
    return ServicePlan(
        name=name,
        renamed_from=service.renamed_from,
        kind=kind,
        image=service.image,
        build_context=service.build.context if service.build else None,
        dockerfile=service.build.dockerfile if service.build else None,
        port=service.port,
        public=service.public,
        # The path people and the pipeline's smoke test can GET through the load balancer.
        health_path=health_check.path
        if health_check is not None and service.protocol == "http"
        else None,
        health_grace_seconds=service.health.grace_seconds if service.health else 30,
        cpu=cpu_units(vcpu),
        memory=memory,
        desired_count=desired,
        min_count=low,
        max_count=high,
        cpu_target=service.scaling.cpu_target if service.scaling else 60,
        env=dict(sorted(service.env.items())),
        secrets=sorted(service.secret_names()),
        image_credentials=service.image_credentials,
        migrate=list(service.migrate or []),
        uses=plan_uses(spec, name, service, production, log),
        calls=list(service.calls),
        callers=callers,
        schedule=service.schedule,
        on_failure=service.on_failure,
        # The shared ALB it is routed on; a tcp/udp service has a Network Load Balancer of
        # its own instead (see `protocol`).
        load_balancer=("public" if service.public else "internal") if on_alb(service) else None,
        listener_priority=route.priority if route else None,
        path_patterns=route.paths if route else [],
        host_patterns=route.hosts if route else [],
        path_rewrite=route.rewrite if route else None,
        deployment=deployment,
        alarms=alarms,
        capacity_rps=service.capacity_rps,
        protocol=service.protocol,
        app_tls=service.app_tls,
        ports=plan_ports(name, service, log),
        health_check=health_check,
        execute_command=plan_exec(name, service, production, log),
        egress=plan_egress(name, service, log),
        env_template=env_template,
        env_datastores=env_datastores,
        datastore_secrets=datastore_secrets,
    )


def _discovery(name: str, service: Service, callers: list[str], log: Decisions) -> None:
    """How other services and people reach this one: Service Connect, a load balancer, or both.

    Every ECS service is a Service Connect client; one with a port is also a server under
    its spec name, so ``http://<name>:<port>`` works as it did in compose. ``type: web``
    is the spec's way to say people reach it: it keeps its load balancer (internal when
    ``public: false``, e.g. an admin tool). A service only other services call is a
    ``worker`` with a ``port``: reached through Service Connect alone, no load balancer
    hop and no load balancer to pay for.
    """
    if service.type == "job":
        return
    called_by = f"called by {', '.join(callers)}" if callers else "called by no service yet"
    value = "service-connect" if service.type != "web" else "service-connect+load-balancer"
    if service.port is None:
        how = "Service Connect client only: it has no port, so nothing calls it"
    elif service.type == "web" and service.protocol == "udp":
        value = "network-load-balancer"
        how = (
            f"its {'internet-facing' if service.public else 'internal'} Network Load Balancer "
            "only: Service Connect proxies TCP, so it is a client, never a server, for UDP"
        )
    elif service.type == "web" and service.protocol in ("tcp", "tls"):
        value = "service-connect+network-load-balancer"
        how = (
            f"Service Connect server as {name}:{service.port} ({called_by}), and its own "
            f"{'internet-facing' if service.public else 'internal'} Network Load Balancer"
        )
    elif service.type == "web":
        how = (
            f"Service Connect server as {name}:{service.port} ({called_by}), and the "
            f"{'public' if service.public else 'internal'} load balancer: `type: web` says "
            "people reach it"
        )
    else:
        how = (
            f"Service Connect server as {name}:{service.port} only ({called_by}): a worker "
            "with a port is called by services, not people, so no load balancer"
        )
    log.decide(
        f"services.{name}.discovery",
        value,
        how,
        kind=service.type,
        port=service.port,
        callers=callers,
    )


def _task_counts(
    spec: HandoffSpec,
    name: str,
    service: Service,
    production: bool,
    az_count: int,
    log: Decisions,
    *,
    env_scaling: bool = False,
) -> tuple[int, int, int]:
    key = f"services.{name}"
    if service.type == "job":
        reason = "a job runs no standing tasks: its schedule starts one task per run"
        for count in ("min_count", "max_count", "desired_count"):
            log.decide(f"{key}.{count}", 0, reason, schedule=service.schedule)
        return 0, 0, 0
    scaling = service.scaling
    spec_min, spec_max = (scaling.min, scaling.max) if scaling else (1, 4)
    if not production and env_scaling:
        low = log.decide(f"{key}.min_count", spec_min, "scaling.min", spec_min=spec_min)
        high = log.decide(f"{key}.max_count", max(low, spec_max), "scaling.max", spec_max=spec_max)
        desired = log.decide(
            f"{key}.desired_count", low, "deploys start at the minimum", min_count=low
        )
        return low, high, desired
    if not production:
        low = log.decide(
            f"{key}.min_count", 1, "non-production: one task is enough to test", spec_min=spec_min
        )
        high = log.decide(
            f"{key}.max_count",
            max(low, min(spec_max, rules.NON_PROD_MAX_TASKS)),
            f"non-production: capped at {rules.NON_PROD_MAX_TASKS} tasks",
            spec_max=spec_max,
        )
        desired = log.decide(
            f"{key}.desired_count", low, "deploys start at the minimum", min_count=low
        )
        return low, high, desired
    availability = spec.requirements.availability
    floor, reason = availability_floor(spec, service)
    if spec_min > floor:
        reason = f"scaling.min is {spec_min}, above the availability floor of {floor}"
    low = log.decide(
        f"{key}.min_count",
        max(spec_min, floor, 1),
        reason,
        availability=availability,
        az_count=az_count,
        spec_min=spec_min,
    )
    # An explicit scaling.max is a bound: the loader refused a spec whose requirements
    # need more (spec.capacity.scaling_conflicts), so it is never raised here.
    bound = explicit_max(service)
    high = max(spec_max, low)
    high_reason = (
        f"scaling.max is {spec_max}" if bound else f"no scaling.max: the default {spec_max}"
    )
    peak = spec.requirements.performance.peak_rps
    needed = peak_tasks(spec, service)
    if needed is not None and service.capacity_rps:
        if needed > high and bound is None:
            high, high_reason = (
                needed,
                f"no scaling.max: peak {peak:g} rps ÷ {service.capacity_rps:g} rps per task × "
                f"{rules.PEAK_HEADROOM} headroom = {needed} tasks",
            )
        else:
            headroom = int((rules.PEAK_HEADROOM - 1) * 100)
            high_reason += (
                f", enough for peak {peak:g} rps at {service.capacity_rps:g} rps per task with "
                f"{headroom}% headroom ({needed} tasks)"
            )
    if spec_max < low and bound is None:
        high_reason = f"no scaling.max: the default {spec_max} is below the minimum {low}; raised"
    high = log.decide(
        f"{key}.max_count",
        high,
        high_reason,
        peak_rps=peak,
        capacity_rps=service.capacity_rps,
        spec_max=spec_max,
    )
    desired = log.decide(
        f"{key}.desired_count",
        low,
        "deploys start at the minimum; autoscaling owns the count afterwards (ignore_changes on "
        "desired_count)",
        min_count=low,
    )
    return low, high, desired


def resolve_strategy(spec: HandoffSpec, service: Service, production: bool) -> tuple[Strategy, str]:
    asked = spec.delivery.strategy
    if service.type == "job":
        return "ROLLING", "a job starts a fresh task each run: the next run takes the new image"
    if service.type != "web":
        return (
            "ROLLING",
            f"a {service.type} has no load balancer to shift traffic on: rolling with the circuit "
            "breaker",
        )
    if service.protocol in NETWORK_PROTOCOLS:
        return (
            "ROLLING",
            f"{service.protocol} behind a Network Load Balancer: rolling with the circuit breaker "
            "(no listener rules to shift traffic with)",
        )
    if asked != "auto":
        return asked.upper().replace("-", "_"), f"delivery.strategy is {asked}"  # type: ignore[return-value]
    if not production:
        return "ROLLING", "auto: non-production deploys roll, fastest feedback"
    if spec.requirements.availability >= rules.TWO_TASK_AVAILABILITY:
        return (
            "CANARY",
            f"auto: availability {spec.requirements.availability}% ≥ "
            f"{rules.TWO_TASK_AVAILABILITY}%, so production shifts {rules.CANARY_PERCENT:g}% of "
            "traffic first and rolls back on alarm",
        )
    return (
        "ROLLING",
        f"auto: availability {spec.requirements.availability}% < {rules.TWO_TASK_AVAILABILITY}%: "
        "rolling with the circuit breaker is enough",
    )


def _deployment(
    spec: HandoffSpec, name: str, service: Service, production: bool, log: Decisions
) -> DeploymentPlan:
    strategy, reason = resolve_strategy(spec, service, production)
    log.decide(
        f"services.{name}.strategy",
        strategy,
        reason,
        asked=spec.delivery.strategy,
        kind=service.type,
    )
    return DeploymentPlan(
        strategy=strategy,
        bake_time_minutes=rules.BAKE_TIME_MINUTES if strategy != "ROLLING" else 0,
        canary_percent=rules.CANARY_PERCENT,
        canary_bake_minutes=rules.CANARY_BAKE_MINUTES,
        linear_step_percent=rules.LINEAR_STEP_PERCENT,
        linear_step_bake_minutes=rules.LINEAR_STEP_BAKE_MINUTES,
    )


def latency_target(spec: HandoffSpec, name: str) -> int | None:
    """The service's p99 latency target in ms: its latency SLO's threshold, else the spec's
    ``performance.latency_p99_ms``; None where the spec states neither."""
    slos = [s for s in spec.observability.slos if s.service == name]
    return (
        next((s.threshold_ms for s in slos if s.sli == "latency" and s.threshold_ms), None)
        or spec.requirements.performance.latency_p99_ms
    )


def _alarms(spec: HandoffSpec, name: str, log: Decisions) -> AlarmThresholds:
    slos = [s for s in spec.observability.slos if s.service == name]
    availability = next(
        (s.objective for s in slos if s.sli == "availability"), spec.requirements.availability
    )
    latency = latency_target(spec, name)
    rate = max(rules.MIN_ERROR_RATE_PERCENT, round((100 - availability) * rules.FAST_BURN_RATE, 2))
    log.decide(
        f"services.{name}.alarms.error_rate_percent",
        rate,
        f"{rules.FAST_BURN_RATE}× the error budget of {availability}% (the fast-burn rate), at "
        f"least {rules.MIN_ERROR_RATE_PERCENT:g}%",
        objective=availability,
    )
    latency_ms = latency or rules.DEFAULT_LATENCY_P99_MS
    log.decide(
        f"services.{name}.alarms.latency_p99_ms",
        latency_ms,
        "the spec's latency target"
        if latency
        else f"no latency target in the spec: {rules.DEFAULT_LATENCY_P99_MS} ms",
        latency_p99_ms=latency,
    )
    return AlarmThresholds(latency_p99_ms=latency_ms, error_rate_percent=rate)


ENVIRONMENT_ATTRIBUTE = "deployment.environment.name"


def resource_attributes(app: str, environment: str) -> str:
    """The ``OTEL_RESOURCE_ATTRIBUTES`` every task carries. The one generated program
    serves every stack, so it writes this value as ``otel_resource_attributes``, built
    from ``pulumi.get_stack()`` (the stack is named after the environment)."""
    return f"service.namespace={app},{ENVIRONMENT_ATTRIBUTE}={environment}"


def telemetry_env(app: str, environment: str, s: ServicePlan, log: Decisions) -> ServicePlan:
    """Every task names itself to OpenTelemetry: ``OTEL_SERVICE_NAME=<app>-<service>`` and
    ``OTEL_RESOURCE_ATTRIBUTES`` (namespace = app, and the environment) become the
    Prometheus labels the SLO rules select by: ``job="<app>/<app>-<service>"`` and
    ``deployment_environment_name``. A value the spec sets wins."""
    wanted = {
        "OTEL_SERVICE_NAME": f"{app}-{s.name}",
        "OTEL_RESOURCE_ATTRIBUTES": resource_attributes(app, environment),
    }
    added = {k: v for k, v in wanted.items() if k not in s.env}
    kept = sorted(set(wanted) - set(added))
    log.decide(
        f"services.{s.name}.telemetry",
        added,
        "OpenTelemetry SDKs read these: namespace/service name is the `job` label of its "
        "metrics and the environment their `deployment_environment_name`, which the SLO "
        "rules select by" + (f"; the spec's own {', '.join(kept)} kept" if kept else ""),
    )
    return s.model_copy(update={"env": dict(sorted({**s.env, **added}.items()))})
