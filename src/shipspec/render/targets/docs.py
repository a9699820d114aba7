"""Docs target: ``docs/operations/`` — the operations handoff package.

Writes ``docs/operations/handoff.md`` (per environment: services, sizes, scaling,
datastores, stack outputs, the architecture as Mermaid, the monthly cost estimate;
deployment strategy and rollback, monitoring and alerting, security controls),
``docs/operations/runbook.md`` (per alarm: what it means, how to check, how to mitigate,
who is paged; the incident procedure), ``docs/operations/baseline.md`` (the performance
baseline the SLOs and alarms assume) and ``docs/operations/architecture.dot`` (the
production diagram as Graphviz source).

The SVG of the diagram is not rendered here: output must be byte-identical whether or
not Graphviz is installed, so ``shipspec session end`` renders ``architecture.svg`` from
the ``.dot`` file when ``dot`` is on the PATH (see :func:`render_svg`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

from ...cost import estimate, load_prices, money
from ...cost.usage import num
from ...plan.alarm_names import aws_alarms
from ...plan.datastore_alarms import max_connections
from ...plan.db_admin import ADMIN_ENGINES, DOCUMENT_SCRIPT, admin_sql, document_users
from ...plan.db_admin import database_users as own_users
from ...plan.engine_alarms import broker_users
from ...plan.engine_versions import version_label, version_note
from ...plan.engines import az_spread
from ...plan.image_pulls import PULL_ACCOUNTS_VARIABLE, ecr_pull_policy, ecr_registries
from ...plan.key_uses import describe_gaps, describe_uses, key_gaps, key_uses
from ...plan.model import DeploymentModel, EnvironmentPlan, ServicePlan
from ...plan.monitoring import (
    CHATBOT_REGIONS,
    PAGERDUTY_URL_KEYS,
    AlarmPlan,
    CompositeAlarmPlan,
    chatbot_region,
)
from ...plan.repository import repository_files
from ...plan.traffic_alarms import connect_only
from ...plan.urns import secret_targets
from . import target
from ._ci_roles import (
    ci_issuer,
    ci_roles,
    push_role,
    shared_with_production,
    state_bucket_policy,
    state_location,
)
from ._commands import describe, tools
from ._docs_architecture import dot, mermaid
from ._docs_egress_sources import OUTPUT as NAT_OUTPUT
from ._docs_egress_sources import allowance_text, nat_output, peer_sources
from ._docs_renames import datastore_renames
from ._docs_runbook import double_pages, job_pages, sections
from ._docs_runbook_manual import ANCHOR as MANUAL_ANCHOR
from ._docs_runbook_manual import manual_up
from ._docs_runbook_slow import slow_logs
from ._docs_runbook_vars import before_you_start, service_variable
from ._docs_runbook_waf import web_acls
from ._docs_shift_check import DEPLOYMENT_QUERY, ISSUE, RULE_QUERY, SERVING_QUERY, shift_check
from ._docs_zones import delegations, zone_groups
from ._pipeline import (
    DEFAULT_BRANCH,
    DRIFT_CRON,
    drift_environment,
    login_command,
    preview_environment,
    preview_passphrase_secret,
    preview_role_variable,
    toolchain,
)
from ._pulumi_monitoring import alert_targets
from ._slo_coverage import grpc_coverage, unmonitored_slos
from ._static_sites import site_sources
from .github import RUNNER
from .gitlab import image_for_tests
from .pulumi import reasons_by_key

DOCS = "docs/operations"
DOT_FILE = f"{DOCS}/architecture.dot"
SVG_FILE = f"{DOCS}/architecture.svg"
_MINUTES_PER_WINDOW = 30 * 24 * 60


@target("docs")
def context(model: DeploymentModel) -> dict[str, Any]:
    """docs/operations/handoff.md, docs/operations/runbook.md, docs/operations/baseline.md,
    docs/operations/architecture.dot"""
    table = load_prices()
    return {
        "estimates": {e.name: estimate(model, e, prices=table) for e in model.environments},
        "prices": table,
        "money": money,
        "num": num,
        "mermaid": mermaid,
        "dot_source": dot(model.production),
        "outputs": stack_outputs,
        "strategy": strategy_text,
        "scaling": scaling_text,
        "version_label": version_label,
        "az_spread": az_spread,
        "previous_images_where": previous_images_where(model),
        "version_note": version_note,
        "controls": security_controls,
        "outbound": outbound_text,
        "peer_sources": peer_sources,
        "database_users": database_users,
        "own_users": own_users,
        "admin_sql": admin_sql,
        "admin_databases": lambda env: [d for d in env.datastores if d.engine in ADMIN_ENGINES],
        "document_clusters": lambda env: [d for d in env.datastores if d.engine == "mongodb"],
        "document_users": document_users,
        "document_script": DOCUMENT_SCRIPT,
        "runbook_sections": sections(model),
        "runbook_variables": before_you_start(model.production),
        "slow_logs": slow_logs(model),
        "service_variable": service_variable,
        "waf_acls": web_acls(model),
        "ci_roles": ci_roles(model),
        "manual_up": manual_up(model),
        "manual_anchor": MANUAL_ANCHOR,
        # The images CI builds: the role that pushes them and the accounts that may pull.
        "push_role": push_role(model),
        "pull_accounts_variable": PULL_ACCOUNTS_VARIABLE,
        "push_pull_policy": ecr_pull_policy([f"<{e.name} account-id>" for e in model.environments]),
        # Non-production stacks in production's VPC, hence (barring AWS RAM) its account.
        "shared_account": shared_with_production(model),
        # Non-production stacks in production's account because they share its hosted zone:
        # name -> (zone, production environment) (plan/accounts.py).
        "zone_accounts": {
            e.name: (
                e.decision("account").inputs["hosted_zone"],
                e.decision("account").inputs["production"],
            )
            for e in model.environments
            if e.production_account and "hosted_zone" in e.decision("account").inputs
        },
        "state_bucket": state_location(model),
        "site_sources": site_sources(model),
        "repository_files": repository_files(model),
        "state_bucket_policy": state_bucket_policy(model),
        "ecr_registries": ecr_registries(
            {s.image for e in model.environments for s in e.services if s.image}
            | {
                c.image
                for e in model.environments
                for s in e.services
                for c in s.container.sidecars
            }
        ),
        "ecr_pull_policy": ecr_pull_policy(),
        "json_text": lambda value: json.dumps(value, indent=2),
        "ci_issuer": ci_issuer(model),
        "routing": model.monitoring.routing,
        # Whether a pager (PagerDuty) receives pages; where pages reach without one.
        "pager": "page" in model.monitoring.routing.pagerduty_topics,
        "page_channels": page_channels(model),
        # PagerDuty and Slack: what reads the alarm-shaped messages besides email.
        "alert_readers": (["PagerDuty"] if model.monitoring.routing.pagerduty_topics else [])
        + (["Slack"] if model.monitoring.routing.slack else []),
        # The plan's warning that pages reach no pager, and the fix it names.
        "pages_warning": model.monitoring.pages_wake_no_one,
        "pages_warning_fix": pages_warning_fix(model),
        # The stacks that need PagerDuty's URL and Slack's authorisation before a deploy.
        "pagerduty_stacks": [
            e for e in model.environments if "pagerdutyTopics" in alert_targets(model, e)
        ],
        # Each such stack's PagerDuty topics, with the secret config key of each one's URL.
        "pagerduty_keys": lambda env: [
            (topic, PAGERDUTY_URL_KEYS[topic])
            for topic in alert_targets(model, env).get("pagerdutyTopics", [])
        ],
        "slack_stacks": [e for e in model.environments if "slack" in alert_targets(model, e)],
        "chatbot_region": chatbot_region(model.region),
        "test_runner": test_runner(model),
        "chatbot_regions": CHATBOT_REGIONS,
        "alarms_of": lambda env: model.monitoring.alarms.get(env.name),
        # A broker's long-running users by their `access`: whom `no-consumers` counts on.
        "broker_users": broker_users,
        "pager_test_alarms": pager_test_alarms(model),
        "topic_receivers": lambda topic: topic_receivers(model, topic),
        "alarm_counts": lambda env: alarm_counts(model, env),
        "network_services": network_services,
        "double_pages": double_pages(model),
        "job_pages": job_pages(model),
        "budget_minutes": budget_minutes,
        "slo_source": lambda slo: slo_source(model, slo),
        "unmonitored": unmonitored_slos(model),
        "grpc_coverage": grpc_coverage(model),
        "shift_check": shift_check(model),
        "shift_queries": {
            "rule": RULE_QUERY,
            "serving": SERVING_QUERY,
            "deployment": DEPLOYMENT_QUERY,
            "issue": ISSUE,
        },
        "prometheus_delivery": prometheus_delivery(model),
        "connections": lambda d: max_connections(d.engine, d.instance_class or ""),
        "reasons": reasons_by_key,
        "production": model.production,
        "first": model.environments[0],
        "default_branch": DEFAULT_BRANCH,
        "drift_cron": DRIFT_CRON,
        "previewed": [e for e in model.environments if not e.production],
        "guarded": [e for e in model.environments if e.production],
        "preview_passphrase_secret": preview_passphrase_secret,
        "preview_role_variable": preview_role_variable,
        "drift_environment": drift_environment,
        "preview_environment": preview_environment,
        # GitLab: the unprotected environments the non-production stacks' previews run in.
        "preview_environments": [
            preview_environment(e.name) for e in model.environments if not e.production
        ],
        "login_command": login_command(model),
        "secret_targets": lambda env, name: secret_targets(model.app, "<env>", env, name),
        "renames": datastore_renames(model),
        "zones": zone_groups(model),
        "delegations": delegations(zone_groups(model)),
    }


def prometheus_delivery(model: DeploymentModel) -> str | None:
    """Who receives the Prometheus alerts of the managed path, where pages are described:
    AMP's Alertmanager publishes plain text to the stack's topics, which only email shows
    (PagerDuty's CloudWatch integration and AWS Chatbot drop it; monitoring/README.md). None
    without a managed Prometheus: a self-run Alertmanager notifies its own receivers."""
    managed = [e.name for e in model.environments if e.prometheus]
    if not managed:
        return None
    routing = model.monitoring.routing
    dropped = (["PagerDuty"] if routing.pagerduty_topics else []) + (
        [f"Slack channel {routing.slack.channel_id}"] if routing.slack else []
    )
    who = f"email only ({model.alert_email})" if model.alert_email else "no one (no alert_email)"
    text = (
        f"Prometheus alerts of {', '.join(managed)} (Amazon Managed Service for Prometheus) "
        f"reach {who}: AMP's Alertmanager publishes them to the same SNS topics as plain text"
    )
    if dropped:
        text += (
            f", which {' and '.join(dropped)} drop"
            f"{'s' if len(dropped) == 1 else ''} (they read CloudWatch alarm messages): "
            f"{' and '.join(dropped)} get{'s' if len(dropped) == 1 else ''} the CloudWatch "
            "alarms only"
        )
    return text + "."


def slo_source(model: DeploymentModel, slo: Any) -> str:
    """What the SLO's CloudWatch burn-rate alarms read, as the plan builds them
    (:mod:`shipspec.plan.burn_alarms`), and for a service with a gRPC port what they miss."""
    grpc = grpc_coverage(model).get(slo.service)
    text = _slo_source(model, slo)
    return f"{text} {grpc}" if grpc else text


def _slo_source(model: DeploymentModel, slo: Any) -> str:
    env = model.environment(model.monitoring.environment)
    s = env.service(slo.service)
    if not connect_only(s):
        alone = [x.name for x in env.services if x.load_balancer == s.load_balancer] == [s.name]
        what = "response times" if slo.sli != "availability" else "responses"
        if slo.sli == "availability" and alone:
            what += ", and the load balancer's own 5xx"
        return f"CloudWatch measures it at {s.name}'s load balancer (its target group's {what})."
    callers = ", ".join(s.callers) + (" calls" if len(s.callers) == 1 else " call")
    if slo.sli == "availability":
        return (
            f"{callers} {s.name} through Service Connect, past its load balancer: "
            "CloudWatch measures it where the calls are made, the 5xx their proxies got "
            "back over the requests they sent (`AWS/ECS` `HTTPCode_Target_5XX_Count` and "
            "`RequestCount` by `TargetDiscoveryName`), plus its target group's 5xx over "
            "the requests its load balancer sent. When calls cannot reach "
            f"{s.name} (its tasks run, but a security group or its proxy turns them "
            "away), the callers' proxies answer them 503 themselves and count them: the "
            f"ratio reads 100%, though {s.name}'s own proxy receives nothing."
        )
    return (
        f"{callers} {s.name} through Service Connect, past its load balancer, and Service "
        "Connect publishes response times per caller: CloudWatch has no burn rate for it; "
        "the Prometheus burn-rate rules, on the service's request histogram, measure it."
    )


def page_channels(model: DeploymentModel) -> list[str]:
    """Where a page reaches besides PagerDuty: the alert email and the Slack channel, as
    the documents name them."""
    routing = model.monitoring.routing
    found = [f"{model.alert_email}'s mail"] if model.alert_email else []
    if routing.slack and "page" in routing.slack.topics:
        found.append(f"Slack channel {routing.slack.channel_id}")
    return found


def pages_warning_fix(model: DeploymentModel) -> str:
    """What the documents say to do about the plan's ``PAGES_WAKE_NO_ONE`` warning (pages
    reach no pager), in their words; "" without the warning."""
    if model.monitoring.pages_wake_no_one is None:
        return ""
    routing = model.monitoring.routing
    text = (
        "To make pages ring on-call's phone, set `observability.pagerduty` (its default "
        "`topics: [page]`): PagerDuty's CloudWatch integration then opens an incident for each "
        "page"
    )
    if model.alert_email or routing.slack:
        text += (
            "; or at least give pages a Slack channel of their own "
            "(`observability.slack.topics: [page]`), which the team can set to notify loudly"
        )
    return text + "."


def pager_test_alarms(model: DeploymentModel) -> list[AlarmPlan]:
    """The production alarms the go-live step sets to ALARM and back to test the pager path:
    the first paging metric alarm of the stack's region, and the first of us-east-1
    (a paging one if there is one), each notifying its topic itself: no rollback alarm
    (its composite notifies) and none an actions suppressor can mute."""
    planned = model.monitoring.alarms.get(model.production.name)
    if planned is None:
        return []
    usable = [a for a in planned.alarms if a.notify and not a.rollback and not a.suppressed_by]
    regional = [a for a in usable if a.pages and a.region is None]
    east = sorted((a for a in usable if a.region == "us-east-1"), key=lambda a: not a.pages)
    return regional[:1] + east[:1]


def topic_receivers(model: DeploymentModel, topic: str) -> list[str]:
    """Who an alarm notifying ``topic`` reaches, as the go-live step names them."""
    routing = model.monitoring.routing
    found = []
    if topic in routing.pagerduty_topics:
        found.append("PagerDuty (an incident titled by the alarm's name)")
    if model.alert_email:
        found.append(f"{model.alert_email} (a mail from AWS Notifications)")
    if routing.slack and topic in routing.slack.topics:
        found.append(f"the Slack channel {routing.slack.channel_id}")
    return found


def alarm_counts(model: DeploymentModel, env: EnvironmentPlan) -> tuple[int, int, int]:
    """The CloudWatch alarms the program creates in ``env``'s stack: (metric alarms,
    composite alarms, how many of them live in us-east-1), counted as AWS has them
    (:func:`~shipspec.plan.alarm_names.aws_alarms`: a rollback alarm is a composite over its
    own metric alarm), the us-east-1 ones included (in the plan: the Route 53 health
    check's and the static sites' certificate alarms; outside it: the static sites'
    CloudFront errors alarms, one per site), and the wake alarm of a queue consumer that scales
    to zero. Not the alarms Application Auto Scaling creates for target tracking: AWS
    creates those, not the program."""
    metric = composite = 0
    elsewhere = len(env.static_sites)
    planned = model.monitoring.alarms.get(env.name)
    if planned is not None:
        planned_alarms: list[AlarmPlan | CompositeAlarmPlan] = [
            *planned.alarms,
            *planned.composites,
        ]
        for alarm in planned_alarms:
            for _, kind in aws_alarms(alarm):
                if kind == "MetricAlarm":
                    metric += 1
                else:
                    composite += 1
                if isinstance(alarm, AlarmPlan) and alarm.region:
                    elsewhere += 1
    # A queue consumer that may scale to zero has a wake alarm (``_queue_scaling.py``): with
    # no task running, target tracking has no data, and this alarm starts the first one.
    wakes = [s for s in env.services if s.queue_scaling and s.queue_scaling.wake_from_zero]
    return metric + len(env.static_sites) + len(wakes), composite, elsewhere


def budget_minutes(objective: float) -> str:
    """Minutes of full outage a 30-day window allows at ``objective`` percent: 99.9 → 43.2."""
    budget = (Decimal(100) - Decimal(repr(objective))) / 100 * _MINUTES_PER_WINDOW
    return num(budget.quantize(Decimal("0.1")))


def stack_outputs(model: DeploymentModel, env: EnvironmentPlan) -> list[tuple[str, str]]:
    """The outputs ``infra/__main__.py`` exports, with what each holds (mirrors its template)."""
    outputs = []
    webs = [s.name for s in env.services if s.kind == "web"]
    if webs:
        named = [f"{s.protocol}://{s.domain}:{s.port}" for s in network_services(env) if s.domain]
        held = f"the URL of each web service ({', '.join(webs)})"
        if named:
            held += (
                "; a Network Load Balancer's is its alias record ("
                + ", ".join(f"`{u}`" for u in named)
                + "), the name to give clients: it stays when the load balancer is replaced"
            )
        elif network_services(env):
            held += (
                "; a Network Load Balancer's is its AWS-generated DNS name (no `domain` for an "
                "alias), which changes if the load balancer is replaced"
            )
        outputs.append(("urls", held))
    outputs.append(
        (
            "images",
            "the image the stack config names for each service: what the last deploy asked "
            "for, not necessarily what runs (after ECS rolled a deployment back, the failed "
            "image; the runbook's Rollback shows what runs)",
        )
    )
    outputs.append(
        (
            "ticket_topic",
            f"the ARN of the ticket alert topic ({model.app}-{env.name}-ticket): the deploy job "
            "publishes one message to it when a deploy fails or ECS rolls one back",
        )
    )
    if env.alarms_page:
        outputs.append(
            (
                "page_topic",
                f"the ARN of the page alert topic ({model.app}-{env.name}-page): the deploy "
                "job publishes to it, instead of the ticket topic, when a deploy failed and its "
                "rollback did not finish",
            )
        )
    if env.secrets:
        names = ", ".join(s.name for s in env.secrets)
        held = f"the ARN of each secret this stack created, never its value ({names})"
        outputs.append(("secret_arns", f"{held}: what `shipspec secrets` sets values by"))
    outputs.append(("cluster_name", f"the ECS cluster's name ({model.app}-{env.name})"))
    nat = nat_output(env)
    if nat:
        outputs.append((NAT_OUTPUT, nat))
    running = [s.name for s in env.services if s.kind != "job"]
    if running:
        outputs.append(
            (
                "service_names",
                f"each ECS service's name, <app>-<env>-<service> ({', '.join(running)})",
            )
        )
        outputs.append(
            (
                "task_definitions",
                "the task definition revision (ARN) each service should run: "
                "`shipspec status` checks ECS runs exactly it",
            )
        )
    if env.datastores:
        names = ", ".join(d.name for d in env.datastores)
        held = f"where each datastore is reached: host, bucket or queue URL ({names})"
        outputs.append(("endpoints", held))
    admins = [d.name for d in env.datastores if d.engine in ADMIN_ENGINES or d.engine == "mongodb"]
    if admins:
        held = (
            f"per SQL database and DocumentDB cluster ({', '.join(admins)}): its one-off "
            "db-admin task's "
            "`task_definition` family, `security_group`, `subnets` and `log_group`, what ECS "
            "RunTask needs"
        )
        outputs.append(("db_admin", held))
    migrating = [s.name for s in env.services if s.migrate]
    if migrating:
        held = (
            f"per service with a migration ({', '.join(migrating)}): the same four names for "
            "its `<service>-migrate` task, which the deploy job runs, and the `image` it runs "
            "(the drift check and the previews set `migrationImage` from it)"
        )
        outputs.append(("migrations", held))
    searches = [d.name for d in env.datastores if d.engine == "opensearch"]
    if searches:
        held = (
            f"each OpenSearch domain's name ({', '.join(searches)}), for `aws opensearch` commands"
        )
        outputs.append(("search_domains", held))
        held = (
            f"per OpenSearch domain ({', '.join(searches)}): its one-off search-admin task's "
            "`task_definition` family, `security_group`, `subnets` and `log_group`, what ECS "
            'RunTask needs to send a signed request (the runbook\'s "Running OpenSearch requests")'
        )
        outputs.append(("search_admin", held))
    caches = [d.name for d in env.datastores if d.engine in ("redis", "memcached")]
    if caches:
        held = (
            f"each ElastiCache id ({', '.join(caches)}): a Redis replication group's, a "
            "Memcached cluster's, for `aws elasticache` and CloudWatch commands"
        )
        outputs.append(("cache_ids", held))
    if env.static_sites:
        names = ", ".join(site.name for site in env.static_sites)
        outputs.append(
            (
                "static_sites",
                f"per static site ({names}): its `bucket`, CloudFront `distribution_id` and "
                "`url`, what the deploy uploads to and invalidates",
            )
        )
    tls = [s.name for s in env.services if s.protocol == "tls"]
    certified = [lb.name for lb in env.load_balancers] + [x.name for x in env.static_sites] + tls
    if certified:
        held = (
            f"per load balancer{', static site and TLS service' if tls else ' and static site'} "
            f"({', '.join(certified)}): the ARN of the ACM "
            "certificate the stack created for its domain (null without one; a static site's "
            "in us-east-1), for `aws acm describe-certificate --certificate-arn <arn>`"
        )
        outputs.append(("certificates", held))
    if env.volumes:
        held = (
            f"each volume's EFS file system id ({', '.join(v.name for v in env.volumes)}), "
            "for the runbook's EFS and AWS Backup commands"
        )
        outputs.append(("volumes", held))
    if any(a.health_checks for a in model.monitoring.alarms.values()):
        checks = model.monitoring.alarms[env.name].health_checks
        held = (
            "the Route 53 health checks of the public domain and of the public TCP/TLS "
            "services' own names, by service ("
            + ", ".join(f"{c.service}: {c.endpoint}" for c in checks)
            + "), for `aws route53 get-health-check-status --health-check-id`"
            if checks
            else "empty: this environment's domain has no Route 53 health check"
        )
        outputs.append(("health_checks", held))
    return outputs


def previous_images_where(model: DeploymentModel) -> str:
    """Where the deploy job prints what ran before it (``_pipeline/ecs.sh.j2``'s ``record``)."""
    if model.ci == "github":
        return (
            "GitHub Actions: the deploy workflow's `deploy-<env>` job, step \"Record the "
            'services and images running now"'
        )
    return "GitLab: the log of the `deploy:<env>` job"


def scaling_text(s: ServicePlan) -> str:
    """What the service's autoscaling tracks: its queue's backlog per task, or CPU."""
    if s.kind == "job":
        return "—"
    if s.queue_scaling is not None:
        q = s.queue_scaling
        return f"queue backlog ({q.queue}), {q.messages_per_task} messages per task"
    return f"CPU {s.cpu_target}%"


def strategy_text(s: ServicePlan) -> str:
    """How a new image reaches users under the service's ECS deployment strategy."""
    d = s.deployment
    if d.strategy == "CANARY":
        return (
            f"canary: {num(d.canary_percent)}% of traffic for {d.canary_bake_minutes} min, "
            f"then all of it, then {d.bake_time_minutes} min of bake before the old tasks stop"
        )
    if d.strategy == "LINEAR":
        return (
            f"linear: {num(d.linear_step_percent)}% more traffic every "
            f"{d.linear_step_bake_minutes} min, then {d.bake_time_minutes} min of bake"
        )
    if d.strategy == "BLUE_GREEN":
        return (
            f"blue-green: the new tasks take all traffic at once; the old ones stay "
            f"{d.bake_time_minutes} min for an instant rollback"
        )
    return "rolling: tasks are replaced a few at a time behind the circuit breaker"


def database_users(env: EnvironmentPlan) -> list[tuple[str, str, list[str]]]:
    """(datastore, engine, its services' own users) for the SQL databases that have them."""
    users = own_users(env)
    return [(d.name, d.engine, users[d.name]) for d in env.datastores if d.name in users]


def outbound_text(env: EnvironmentPlan) -> str:
    """What the tasks of ``env`` may reach: HTTPS, their datastores and calls, and each
    service's ``egress`` allowances (Markdown)."""
    allowed = [
        f"{s.name}: " + "; ".join(allowance_text(e) for e in s.egress)
        for s in env.services
        if s.egress
    ]
    return (
        "outbound from the tasks: TCP 443 (HTTPS) to anywhere (the image registry, AWS APIs, "
        "any HTTPS API), the datastores each service uses and the services it calls; "
        + (
            "nothing else but these allowances (spec `egress`, one security group rule "
            "each): " + "; and ".join(allowed)
            if allowed
            else "nothing else: no service has an `egress` allowance, so SMTP, other "
            "databases or any non-HTTPS port outside the stack are unreachable until the spec "
            "adds one"
        )
    )


def security_controls(model: DeploymentModel, env: EnvironmentPlan) -> list[str]:
    """The controls the generated stack puts in place, as facts a reviewer can verify."""
    net = env.network
    controls = [
        f"tasks run in private subnets without public IPs across {net.az_count} AZs; "
        + (
            f"egress through {net.nat_gateway_count} NAT gateway(s)"
            if net.existing is None
            else f"the existing VPC {net.existing.vpc_id}'s own egress (checked: no private "
            "subnet routes to an internet gateway)"
        ),
        "datastores accept connections only from the services that `use` them",
        outbound_text(env),
        "IAM task roles are scoped to the named resources each service uses",
        "encryption at rest on every datastore; TLS required by RDS, Redis, S3 and SQS",
        f"logs kept {env.log_retention_days} days",
    ]
    engines = {d.engine for d in env.datastores}
    if "redis" in engines:
        controls.append(
            "Redis requires TLS and an AUTH token (drawn at deploy time, injected from "
            "Secrets Manager)"
        )
    if engines & {"s3", "sqs"}:
        controls.append(
            "queues and buckets grant each service only its access: producers cannot "
            "receive, consumers cannot send, only `read-write-delete` uses delete objects"
        )
    own = database_users(env)
    documents = document_users(env)
    if "mongodb" in engines:
        controls.append(
            "DocumentDB: "
            + (
                "each service signs in with its task role (MONGODB-AWS) as its own $external "
                "user with readWrite on the application database only ("
                + "; ".join(f"{d}: {', '.join(users)}" for d, users in sorted(documents.items()))
                + "); no service reads the master secret"
                if documents
                else "services read the DocumentDB-managed master secret by its ARN when connecting"
            )
        )
    if engines & {"postgres", "mysql", "mariadb"}:
        controls.append(
            "SQL databases: "
            + (
                "each service connects as its own user with IAM tokens ("
                + "; ".join(f"{d}: {', '.join(users)}" for d, _, users in own)
                + ")"
                if own
                else "services read the RDS-managed master secret by its ARN when connecting"
            )
            + "; RDS rotates the master password every 7 days without breaking connections"
        )
    if env.customer_managed_key:
        gaps = describe_gaps(key_gaps(env))
        controls.append(
            "restricted data: a customer-managed KMS key, rotated yearly, encrypts "
            + "; ".join(describe_uses(key_uses(env)))
            + (". Not with this key: " + "; ".join(gaps) if gaps else "")
        )
    if net.flow_log_retention_days:
        controls.append(f"VPC flow logs kept {net.flow_log_retention_days} days")
    if net.interface_endpoints:
        controls.append(
            "interface endpoints keep AWS API traffic inside the VPC: "
            + ", ".join(net.interface_endpoints)
        )
    for lb in env.load_balancers:
        parts = ["internet-facing" if lb.internet_facing else "internal"]
        parts.append(
            f"HTTPS on {lb.domain} with an HTTP redirect" if lb.https else "HTTP only (no domain)"
        )
        if lb.waf:
            limit = lb.waf_rate_limit
            rate = (
                f"rate limit of {limit} requests per client IP per 5 minutes, shared by every "
                "user behind one NAT"
                if limit
                else "rate limit"
            )
            parts.append(
                f"AWS WAF ({rate}; IP reputation, common, known-bad-inputs and SQL injection "
                "rule groups; bodies over 8 KB counted, not blocked)"
            )
        parts.append("sends only to its services' tasks, on their container ports")
        if lb.deletion_protection:
            parts.append("deletion protection")
        controls.append(f"the {lb.name} load balancer: {', '.join(parts)}")
    for s in network_services(env):
        if s.public:
            reach = (
                "internet-facing: its security group admits any address (0.0.0.0/0, ::/0), so "
                "the service authenticates its clients itself"
            )
        else:
            reach = (
                "internal: its security group admits the VPC's own range only, so clients in "
                "a VPN, a peered VPC or over Direct Connect are refused even when routed, until "
                "their ranges are admitted in `infra/overrides.py` (the runbook's \"Clients "
                'outside the VPC")'
            )
        listener = {
            "tls": ", a TLS listener (TLS 1.2+, ACM certificate) forwarding TCP",
            "tcp": ", TLS by the application itself"
            if s.app_tls
            else ", plain TCP: no TLS listener",
        }.get(s.protocol, "")
        named = f", named {s.domain}" if s.domain else ""
        controls.append(
            f"the {s.name} Network Load Balancer ({s.protocol.upper()} port {s.port}{listener}"
            f"{named}): " + reach
        )
    if env.secrets:
        names = ", ".join(f"`{s.name}`" for s in env.secrets)
        controls.append(
            f"secrets ({names}) live in Secrets Manager; values never appear in "
            "code, state or task definitions"
        )
    return controls


def network_services(env: EnvironmentPlan) -> list[ServicePlan]:
    """The TCP/UDP/TLS services, each behind its own Network Load Balancer (``NetworkService``)."""
    return [s for s in env.services if s.kind == "web" and s.protocol in ("tcp", "udp", "tls")]


def render_svg(out_dir: Path, *, timeout: float = 60) -> Path | None:
    """Render ``architecture.dot`` to ``architecture.svg`` with Graphviz; None without ``dot``.

    Not part of the render target (see the module docstring), and not tracked by the
    manifest: the SVG is derived from a generated file, like a build artifact.
    """
    executable = shutil.which("dot")
    source = Path(out_dir) / DOT_FILE
    if executable is None or not source.is_file():
        return None
    svg = Path(out_dir) / SVG_FILE
    result = subprocess.run(
        [executable, "-Tsvg", str(source)], capture_output=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr.decode("utf-8", "replace").strip() or "dot failed")
    svg.write_bytes(result.stdout)
    return svg


# The toolchains the GitHub test job installs with a setup action (_pipeline/github_test).
_GITHUB_SETUP = {
    "java": "setup-java",
    "node": "setup-node",
    "go": "setup-go",
    "python": "setup-python",
}


def test_runner(model: DeploymentModel) -> str | None:
    """Where the test job runs ``delivery.test_command``, as the handoff says it."""
    if not model.test_command:
        return None
    installed = tools(model.test_command)
    first = f"{describe(installed)} installed first" if installed else ""
    if model.ci == "gitlab":
        where = f"in a fresh `{image_for_tests(model.test_command)}` container"
        return where + (f" ({first})" if first else "")
    setup = _GITHUB_SETUP.get(toolchain(model.test_command) or "")
    given = [f"`actions/{setup}`"] if setup else []
    given += [first] if first else []
    return f"on a fresh `{RUNNER}` runner" + (
        f" (with {' and '.join(given)}{',' if len(given) > 1 else ''} and nothing else)"
        if given
        else " (no toolchain set up)"
    )
