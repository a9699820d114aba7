"""Pulumi target: ``infra/`` — one program, one stack config per environment.

Writes ``infra/Pulumi.yaml``, ``infra/__main__.py``, ``infra/requirements.txt``,
``infra/Pulumi.<env>.yaml`` and the component library ``infra/components/``. The
program imports only ``pulumi`` and ``pulumi_aws``; every value that differs between
environments lives in the stack config, commented with the plan's reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...plan.access import SQL_ENGINES
from ...plan.db_admin import ADMIN_ENGINES
from ...plan.frozen import derived
from ...plan.key_uses import describe_gaps, describe_uses, key_gaps, key_uses
from ...plan.model import DeploymentModel, EnvironmentPlan
from ...plan.monitoring import PAGERDUTY_URL_KEYS, routing_marker
from ...plan.traffic_alarms import connect_only
from ...plan.urns import DATA_KEY
from . import target
from ._pulumi_components import select_components
from ._pulumi_containers import container_config, customized, volume_config
from ._pulumi_datastores import datastore_config
from ._pulumi_monitoring import (
    alarm_entries,
    components_by_name,
    describe,
    monitoring_config,
    rollback_ratio,
    yaml_scalar,
)
from ._pulumi_prometheus import prometheus_config

# The SDK versions the generated program is tested against (under mocks, in CI).
PULUMI_VERSION = "3.272.0"
PULUMI_AWS_VERSION = "7.51.1"


def _select(
    model: DeploymentModel, templates: list[str], read: Callable[[str], str]
) -> dict[str, str | None]:
    """Only the components some environment's program imports reach ``infra/components/``."""
    return select_components(program_imports(model), templates, read)


@target("pulumi", select=_select)
def context(model: DeploymentModel) -> dict[str, Any]:
    """infra/Pulumi.yaml, __main__.py, requirements.txt, Pulumi.<env>.yaml and components/."""
    return {
        "pulumi_version": PULUMI_VERSION,
        "pulumi_aws_version": PULUMI_AWS_VERSION,
        "reasons": reasons_by_key,
        "first": model.environments[0],
        "stack_config": stack_config,
        "component_for_kind": SERVICE_COMPONENTS,
        "program_imports": program_imports(model),
        "pagerduty_url_keys": PAGERDUTY_URL_KEYS,
        "managed_prometheus": any(env.prometheus for env in model.environments),
        "health_checked": any(a.health_checks for a in model.monitoring.alarms.values()),
        "key_claim": key_claim(model),
        "data_key": DATA_KEY,
        "endpoint_attribute": ENDPOINT_ATTRIBUTE,
        "scalar": yaml_scalar,
        "alarm_entries": alarm_entries,
        "by_name": components_by_name,
        "queue_scaled": lambda name: queue_scaled(model, name),
        "consumed_queues": consumed_queues,
        "connect_callers": lambda s: connect_callers(model, s),
        "connect_only": connect_only,
        # Whether the program passes a service a Container: when some stack customizes it
        # (the stop timeout of Spot tasks, say, differs between stacks). A stack that does
        # not has no `container` key: the program reads it with .get then.
        "customized": lambda name: container_stacks(model, name) > 0,
        "customized_everywhere": lambda name: (
            container_stacks(model, name) == _stacks_with(model, name)
        ),
        "env_datastores": lambda name: env_datastores(model, name),
        # Whether some stack gives the service outbound allowances (stack config `egress`).
        "egress_anywhere": lambda name: egress_anywhere(model, name),
        # Datastores some stack adopts (environments.<env>.datastores.<name>.import_id).
        "adopted": sorted(
            {d.name for env in model.environments for d in env.datastores if d.import_id}
        ),
    }


SERVICE_COMPONENTS = {"web": "WebService", "worker": "WorkerService", "job": "ScheduledJob"}
DATASTORE_COMPONENTS = {
    "postgres": "Database",
    "mysql": "Database",
    "mariadb": "Database",
    "sqlserver": "SqlServer",
    "redis": "Cache",
    "memcached": "Memcached",
    "mongodb": "DocumentDB",
    "opensearch": "SearchDomain",
    "rabbitmq": "MessageBroker",
    "s3": "Bucket",
    "sqs": "Queue",
}


# Where each datastore component says it is reached: exported as the `endpoints` output.
ENDPOINT_ATTRIBUTE = {
    "postgres": "address",
    "mysql": "address",
    "mariadb": "address",
    "sqlserver": "address",
    "redis": "primary_endpoint",
    "memcached": "configuration_endpoint",
    "mongodb": "endpoint",
    "opensearch": "endpoint",
    "rabbitmq": "endpoint",
    "s3": "bucket_name",
    "sqs": "url",
}


def key_claim(model: DeploymentModel) -> list[str]:
    """The program's comment on the data key, a paragraph then bullets: what the stacks give
    it (``key_uses``, the list the tests compare with the previewed resources) and what
    keeps another key, and why."""
    uses = [u for env in model.environments for u in key_uses(env)]
    gaps = [g for env in model.environments for g in key_gaps(env)]
    lines = [
        "Restricted data: one customer-managed KMS key, rotated yearly, encrypts (in the "
        "stacks that have them):",
        *(f"- {line}" for line in describe_uses(uses)),
    ]
    if gaps:
        lines.append("Not with this key:")
        lines += [f"- {line}" for line in describe_gaps(gaps)]
    return lines


def program_imports(model: DeploymentModel) -> list[str]:
    """The component classes of the one program every stack runs: what any stack needs
    (the managed Prometheus path, say, exists in one stack only)."""
    names = {name for env in model.environments for name in component_imports(env)}
    return sorted(names, key=_isort)


def component_imports(env: EnvironmentPlan) -> list[str]:
    """The component classes ``__main__.py`` needs, sorted, so unused imports never appear."""
    names = {"ExistingNetwork" if env.network.existing else "Network"}
    names.update(
        SERVICE_COMPONENTS[s.kind] for s in env.services if s.load_balancer or s.kind != "web"
    )
    if any(s.kind == "web" and s.load_balancer is None for s in env.services):
        names.add("NetworkService")  # tcp/udp/tls behind a Network Load Balancer
    if any(s.ports for s in env.services):
        names.add("ExtraPort")
    if any(s.egress for s in env.services):
        names.add("Egress")  # outbound allowances beyond HTTPS (spec egress)
    names.update(DATASTORE_COMPONENTS[d.engine] for d in env.datastores)
    if any(d.engine == "opensearch" for d in env.datastores):
        names.add("SearchLogs")  # the domains' log groups and their one resource policy
        names.add("SearchAdmin")  # the one-off task that sends a person's signed request
    if any(d.engine in ADMIN_ENGINES for d in env.datastores):
        names.add("DatabaseAdmin")  # the one-off db-admin task of each SQL database
    if any(d.engine == "mongodb" for d in env.datastores):
        names.add("DocumentDbAdmin")  # the one-off db-admin task of each DocumentDB cluster
    if any(s.migrate for s in env.services):
        names.add("Migration")  # a service's schema migration, run by CI before it rolls
    if env.load_balancers:
        names.add("LoadBalancer")
    if env.secrets:
        names.add("AppSecret")
    if env.customer_managed_key:
        names.add("DataKey")
    uses = [u for s in env.services for u in s.uses]
    if any(u.iam_access or u.engine in SQL_ENGINES or u.db_user for u in uses):
        names.add("Use")
    if any(s.calls for s in env.services):
        names.add("ServiceCalls")
    if any(s.env_template for s in env.services):
        names.add("resolve_env")  # ${datastore.attribute} in a service's own variables
    if any(s.datastore_secrets for s in env.services):
        names.add("credential")  # a datastore's credential secret, one JSON key
    names.add("Monitoring")
    if env.prometheus is not None:
        names.add("ManagedPrometheus")
    if env.static_sites:
        names.add("StaticSite")
    if any(customized(s.container) for s in env.services):
        names.add("Container")
    if env.volumes:
        names.add("FileSystem")
    return sorted(names, key=_isort)


def _isort(name: str) -> tuple[bool, str]:
    """As ruff's isort orders imported names: classes (Database, DataKey), then functions."""
    return name[0].islower(), name.lower()


def reasons_by_key(env: EnvironmentPlan, prefix: str) -> list[str]:
    """The plan's reasons for the values under ``prefix`` (``network``, ``services.web``)."""
    return [f"{d.key.removeprefix(prefix + '.')}: {d.reason}" for d in _under(env).get(prefix, [])]


def _under(env: EnvironmentPlan) -> dict[str, list[Any]]:
    """The environment's decisions per key prefix, indexed once per plan: a stack config
    asks for every service's reasons, and scanning every decision each time cost a second
    at 200 services."""

    def index(plan: EnvironmentPlan) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {}
        for decision in plan.decisions:
            parts = decision.key.split(".")
            for end in range(1, len(parts) + 1):
                found.setdefault(".".join(parts[:end]), []).append(decision)
        return found

    return derived(env, "decisions under", index)


def stack_config(model: DeploymentModel, env: EnvironmentPlan) -> dict[str, Any]:
    """The per-environment values the program reads, keyed as in ``Pulumi.<env>.yaml``."""
    return {
        "network": _network(env),
        "logRetentionDays": env.log_retention_days,
        "loadBalancers": {
            lb.name: {
                "domain": lb.domain,
                "hostedZone": lb.hosted_zone,
                "waf": lb.waf,
                "deletionProtection": lb.deletion_protection,
                "testListener": lb.needs_test_listener,
                **({"wafRateLimit": lb.waf_rate_limit} if lb.waf_rate_limit else {}),
            }
            for lb in env.load_balancers
        },
        "services": {s.name: _service(s, model, env) for s in env.services},
        **(
            {"staticSites": {site.name: _static_site(site, model) for site in env.static_sites}}
            if env.static_sites
            else {}
        ),
        "datastores": {d.name: datastore_config(d, env) for d in env.datastores},
        "volumes": {v.name: volume_config(v) for v in env.volumes},
        **monitoring_config(model, env),
        **prometheus_config(model, env),
    }


def _network(env: EnvironmentPlan) -> dict[str, Any]:
    net = env.network
    if net.existing is not None:
        return {
            "vpcId": net.existing.vpc_id,
            "privateSubnetIds": net.existing.private_subnet_ids,
            "publicSubnetIds": net.existing.public_subnet_ids,
            "flowLogRetentionDays": net.flow_log_retention_days,
        }
    return {
        "cidrBlock": net.cidr_block,
        "zoneIds": net.zone_ids,
        "natGatewayCount": net.nat_gateway_count,
        "interfaceEndpoints": net.interface_endpoints,
        "flowLogRetentionDays": net.flow_log_retention_days,
    }


def _service(s: Any, model: DeploymentModel, env: EnvironmentPlan) -> dict[str, Any]:
    app = model.app
    # A service built from source gets its image from CI (`pulumi config set --path`).
    image = s.image or f"{app}/{s.name}:set-by-ci"
    # Plain settings per environment (`environments.<env>.services.<name>.env` may differ).
    values: dict[str, Any] = {"image": image, "cpu": s.cpu, "memory": s.memory, "env": s.env}
    values.update(container_config(s.container))
    if s.kind != "job":
        values.update(
            desiredCount=s.desired_count,
            minCount=s.min_count,
            maxCount=s.max_count,
            cpuTarget=s.cpu_target,
            executeCommand=s.execute_command,
        )
    if egress_anywhere(model, s.name):
        # Outbound beyond HTTPS: one security group egress rule each, named by `rule`.
        values["egress"] = [
            {
                "rule": e.rule,
                "protocol": e.protocol,
                "fromPort": e.from_port,
                "toPort": e.to_port,
                "to": e.to,
                "description": e.description,
            }
            for e in s.egress
        ]
    if queue_scaled(model, s.name):
        # null in a stack that scales this worker on CPU (an environment's own scaling).
        q = s.queue_scaling
        values["queueScaling"] = (
            {"queue": q.queue, "messagesPerTask": q.messages_per_task} if q else None
        )
    db_users = {u.env_prefix: u.db_user for u in s.uses if u.engine in SQL_ENGINES or u.db_user}
    if db_users:
        # null: read the master secret by its ARN; a name: that user, with IAM tokens (a
        # DocumentDB cluster's: this service, whose task role is its MONGODB-AWS user).
        values["dbUsers"] = db_users
    if s.migrate:
        # CI points migrationImage at the new image and runs the migration before `image`.
        values.update(migrate=s.migrate, migrationImage=image)
    if s.kind == "worker" and connect_callers(model, s):
        # Its Service Connect rollback alarm counts as the plan's connect-5xx-ratio does.
        ratio = model.monitoring.alarms[env.name].alarm(
            f"{app}-{env.name}-{s.name}-connect-5xx-ratio"
        )
        values.update(
            errorRatePercent=ratio.threshold,
            minRequests=model.monitoring.decision(f"alarms.{env.name}.min_requests").value,
        )
    if s.kind == "web" and s.load_balancer is None:  # tcp/udp/tls: its own NLB, rolling
        values["deletionProtection"] = env.production
        # Its alias <service>.<domain> and zone (the TLS certificate's name); null: none.
        values.update(domain=s.domain, hostedZone=s.hosted_zone)
    if s.kind == "web" and s.load_balancer is not None:  # on an ALB
        d = s.deployment
        values.update(
            strategy=d.strategy,
            bakeTimeMinutes=d.bake_time_minutes,
            canaryPercent=d.canary_percent,
            canaryBakeMinutes=d.canary_bake_minutes,
            linearStepPercent=d.linear_step_percent,
            linearStepBakeMinutes=d.linear_step_bake_minutes,
        )
        values.update(
            latencyP99Ms=s.alarms.latency_p99_ms,
            errorRatePercent=s.alarms.error_rate_percent,
            **rollback_ratio(model, env, s.name),
        )
    return values


# The runbook section of a static site's errors alarm (render/targets/_docs_runbook.py).
STATIC_SITE_RUNBOOK = "docs/operations/runbook.md#alarm-static-site-errors"


def _static_site(site: Any, model: DeploymentModel) -> dict[str, Any]:
    what = (
        f"{site.name}: more than {site.error_rate_percent:g}% of CloudFront responses are 5xx, "
        f"or more than {site.client_error_percent:g}% are 4xx, for 5 minutes (the origin fails, "
        "or S3 refuses CloudFront: bucket policy, origin access control, bucket or files gone)"
    )
    why = f"minutes with {site.min_requests}+ requests only; " + (
        "pages in production" if site.pages else "a ticket outside production"
    )
    return {
        "description": describe(
            what,
            why,
            model.monitoring.link(STATIC_SITE_RUNBOOK),
            marker=routing_marker(site.pages),
        ),
        "minRequests": site.min_requests,
        "spa": site.spa,
        "priceClass": site.price_class,
        "domain": site.domain,
        "hostedZone": site.hosted_zone,
        "accessLogs": site.access_logs,
        "errorRatePercent": site.error_rate_percent,
        "clientErrorPercent": site.client_error_percent,
        "forceDestroy": site.force_destroy,
        "pages": site.pages,
        "waf": site.waf,
    }


def _in_stacks(model: DeploymentModel, service: str) -> list[Any]:
    """``service``'s plans in every stack, in promotion order.

    Indexed once per model: the program and the stack configs ask this of every service
    several times, and scanning every environment's every service each time grew with the
    square of the services (a tenth of a second at 200).
    """

    def by_name(plan: DeploymentModel) -> dict[str, list[Any]]:
        index: dict[str, list[Any]] = {}
        for env in plan.environments:
            for s in env.services:
                index.setdefault(s.name, []).append(s)
        return index

    return derived(model, "services across stacks", by_name).get(service, [])


def container_stacks(model: DeploymentModel, service: str) -> int:
    """How many stacks customize ``service``'s container (its config has ``container``)."""
    return sum(customized(s.container) for s in _in_stacks(model, service))


def _stacks_with(model: DeploymentModel, service: str) -> int:
    return len(_in_stacks(model, service))


def egress_anywhere(model: DeploymentModel, service: str) -> bool:
    """Whether some stack opens more than HTTPS for ``service`` (spec ``egress``): every
    stack's config then has ``egress``, empty where that environment opens nothing."""
    return any(s.egress for s in _in_stacks(model, service))


def queue_scaled(model: DeploymentModel, service: str) -> bool:
    """Whether some stack scales ``service`` on a queue's backlog (the program then passes
    it its consumed queues and the stack's ``queueScaling``)."""
    return any(s.queue_scaling is not None for s in _in_stacks(model, service))


def env_datastores(model: DeploymentModel, service: str) -> list[str] | None:
    """The datastores ``service``'s env refers to in any stack (``${db.host}``), or None
    when no stack's env needs resolving: one program serves every stack, and an
    environment's own ``env`` may add a reference the others lack."""
    found = _in_stacks(model, service)
    if not any(s.env_template for s in found):
        return None
    return sorted({d for s in found for d in s.env_datastores})


def connect_callers(model: DeploymentModel, service: Any) -> list[str]:
    """The services whose Service Connect calls to an HTTP ``service`` (web or worker) roll
    its deployments back (the plan's rollback ``connect-5xx-ratio``), each by the name its
    component was first created under (its ECS service keeps that name)."""
    if service.protocol != "http" or not service.callers or service.port is None:
        return []
    first = model.environments[0]
    return [first.service(c).renamed_from or c for c in service.callers]


def consumed_queues(service: Any) -> list[str]:
    """The SQS datastores a planned service receives from."""
    return [
        u.datastore
        for u in service.uses
        if u.engine == "sqs" and u.access in ("consume", "produce-consume")
    ]
