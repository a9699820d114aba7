"""``plan(spec) -> DeploymentModel``: the requirements analysis, one environment at a time.

Pure: no I/O, no clock, no randomness; the same spec gives the same model.
"""

from __future__ import annotations

from ..spec.models import HandoffSpec
from . import rules
from .accounts import with_production_accounts
from .call_order import plan_call_order
from .container import plan_container, plan_volumes, volume_owners
from .datastores import plan_datastore
from .decisions import Decisions
from .existing_network import plan_existing_network
from .model import DeploymentModel, DevelopmentHandoff, EnvironmentPlan, SecretPlan, SloPlan
from .network import plan_load_balancers, plan_network
from .observability import plan_monitoring
from .overrides import apply_datastore_override, note_service_override, overridden_service
from .prometheus import no_collector, plan_prometheus, with_collector
from .queue_scaling import consumed_queues, plan_queue_scaling
from .services import plan_service, resolve_strategy, telemetry_env
from .static import plan_static_site, static_site_names
from .traffic import nlb_name, routing_table


def plan(spec: HandoffSpec, *, spec_file: str = "handoff.yaml") -> DeploymentModel:
    """Decide what each environment gets, recording why, and return the model renderers read."""
    environments = with_production_accounts(
        [_environment(spec, name, index) for index, name in enumerate(spec.environments)]
    )
    dev = spec.development
    return DeploymentModel(
        app=spec.metadata.name,
        owner=spec.metadata.owner,
        region=spec.cloud.region,
        state_backend=spec.cloud.state,
        spec_file=spec_file,
        ci=spec.delivery.ci,
        test_command=spec.delivery.test_command,
        repository_url=spec.delivery.repository_url,
        alert_email=spec.observability.alert_email,
        availability=spec.requirements.availability,
        peak_rps=spec.requirements.performance.peak_rps,
        latency_p99_ms=spec.requirements.performance.latency_p99_ms,
        compliance=sorted(spec.requirements.security.compliance),
        data_classification=spec.requirements.security.data_classification,
        slos=[
            SloPlan(
                service=s.service, sli=s.sli, objective=s.objective, threshold_ms=s.threshold_ms
            )
            for s in spec.observability.slos
        ],
        development=DevelopmentHandoff(
            phase=dev.phase,
            status=dev.status,
            approved_by=dev.approved_by,
            deliverables=[d.name for d in dev.deliverables],
            evidence={d.name: d.evidence for d in dev.deliverables if d.evidence},
        )
        if dev
        else None,
        environments=environments,
        monitoring=plan_monitoring(spec, environments),
    )


def is_production(spec: HandoffSpec, name: str) -> tuple[bool, str]:
    env = spec.environments[name]
    if env.production is not None:
        return env.production, f"production is set to {str(env.production).lower()} in the spec"
    if name in rules.PRODUCTION_NAMES:
        return True, f"named {name!r}: production"
    if len(spec.environments) == 1:
        return True, "the only environment: sized as production"
    return (
        False,
        f"not named {'/'.join(sorted(rules.PRODUCTION_NAMES))}: non-production, sized down",
    )


def monitored_environment(spec: HandoffSpec) -> str:
    """The environment the SLO rules describe: the last production one (as the monitoring
    plan picks it), or the last environment when none is production."""
    prods = [n for n in spec.environments if is_production(spec, n)[0]]
    return (prods or list(spec.environments))[-1]


def _environment(spec: HandoffSpec, name: str, index: int) -> EnvironmentPlan:
    log = Decisions()
    env = spec.environments[name]
    production = log.decide("production", *is_production(spec, name))
    network = plan_existing_network(spec, name, production, log) or plan_network(
        spec, production, log
    )
    routing = routing_table(spec)
    owners = volume_owners(spec, log)
    services = []
    for s, svc in spec.services.items():
        if svc.type == "static":
            continue
        override = env.services.get(s)
        effective = overridden_service(svc, override)
        service = telemetry_env(
            spec.metadata.name,
            name,
            plan_queue_scaling(
                spec,
                plan_service(
                    spec,
                    s,
                    effective,
                    production,
                    network.az_count,
                    routing,
                    log,
                    env_scaling=override is not None and override.scaling is not None,
                ),
                effective,
                production,
                log,
            ),
            log,
        )
        note_service_override(name, s, override, service, log)
        container = plan_container(
            s,
            svc,
            production,
            service.min_count,
            log,
            owners,
            consumes_queue=bool(consumed_queues(spec, effective)),
        )
        # A Network Load Balancer's alias <service>.<domain> (and its TLS certificate's name).
        named = nlb_name(s, effective, env, log)
        services.append(service.model_copy(update={"container": container, **named}))
    prometheus = plan_prometheus(spec, name, monitored_environment(spec), log)
    if prometheus is not None:
        services = [
            with_collector(spec, s, prometheus, log) if s.kind != "job" else no_collector(s, log)
            for s in services
        ]
    services, creation_order = plan_call_order(services, log)
    needs_test = {s.name: s.deployment.strategy != "ROLLING" for s in services}
    balancers = plan_load_balancers(spec, env, production, needs_test, log)
    datastores = [
        apply_datastore_override(
            name,
            plan_datastore(spec, d, store, production, network.az_count, log),
            env.datastores.get(d),
            production,
            log,
        )
        for d, store in spec.datastores.items()
    ]
    regulated = sorted(set(spec.requirements.security.compliance) & rules.REGULATED)
    if regulated:
        retention = log.decide(
            "log_retention_days",
            rules.LOG_RETENTION_REGULATED,
            f"{', '.join(regulated)}: a year of log history (PCI DSS 4.0 req 10.5.1)",
            compliance=regulated,
        )
    else:
        retention = log.decide(
            "log_retention_days",
            rules.LOG_RETENTION_PROD if production else rules.LOG_RETENTION_NON_PROD,
            "production: 90 days of logs for incident review"
            if production
            else "non-production: two weeks of logs",
        )
    page = log.decide(
        "alarms_page",
        production,
        "production alarms page the on-call"
        if production
        else "non-production alarms notify but never page",
    )
    classification = spec.requirements.security.data_classification
    customer_key = log.decide(
        "encryption.customer_managed_key",
        classification == "restricted",
        "restricted data: a customer-managed KMS key (rotated yearly) encrypts the databases, "
        "cache, buckets, queues, secrets and logs, so its key policy decides who can ever read "
        "them and disabling it locks the data at once"
        if classification == "restricted"
        else f"{classification} data: AWS-managed encryption keys",
        data_classification=classification,
    )
    secret_users: dict[str, list[str]] = {}
    for s, svc in spec.services.items():
        for secret in sorted({*svc.secret_names(), *filter(None, [svc.image_credentials])}):
            secret_users.setdefault(secret, []).append(s)
    static_sites = [
        plan_static_site(spec, s, spec.services[s], env, production, log)
        for s in static_site_names(spec)
    ]
    return EnvironmentPlan(
        name=name,
        production=production,
        approval_required=env.approval == "required",
        domain=env.domain,
        network=network,
        load_balancers=balancers,
        services=services,
        datastores=datastores,
        secrets=[SecretPlan(name=k, used_by=sorted(v)) for k, v in sorted(secret_users.items())],
        log_retention_days=retention,
        alarms_page=page,
        prometheus=prometheus,
        static_sites=static_sites,
        decisions=log.records,
        customer_managed_key=customer_key,
        volumes=plan_volumes(spec, production, log, owners),
        creation_order=creation_order,
    )


__all__ = ["is_production", "plan", "resolve_strategy"]
