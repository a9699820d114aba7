"""CloudWatch alerting for one stack: SNS topics, the plan's alarms and a dashboard.

The alarms are data, not code: ``shipspec plan`` decides each one (metrics, threshold,
period, whether it pages and why) and the stack config carries them per environment, so
a program with 200 services still creates a single Monitoring. Metric dimensions hold
references that this component resolves against the components it is given:
``cluster.name``, ``load_balancer:<name>``, and ``service:``, ``job:`` or
``datastore:<name>.<key>``, where ``<key>`` indexes the component's ``metric_ids`` (what
CloudWatch names its parts by). A reference with several values (a web service's two
target groups under blue/green, each node of a cache) becomes one metric per value,
combined under the plan's metric id (SUM for sums, MIN for minimums, MAX otherwise), so
an alarm keeps watching the live target group after ECS swaps them.

Routing: topics encrypted with a customer-managed KMS key, because CloudWatch cannot
publish to a topic under the AWS-managed ``alias/aws/sns`` key (its policy cannot grant
CloudWatch). ``ticket`` exists in every stack and receives alarm notifications; ``page``
exists only where alarms page (production) and receives alarm and OK notifications, so
a pager subscribed to it opens and resolves incidents; ``ticket`` receives OK notifications
too where it reaches PagerDuty (its own, low-urgency service), for the same reason. A
non-production stack has no page topic at all: its alarms notify and cannot page (a
paging alarm there is an error).

Rollback alarms: a web service's 5xx, latency and unhealthy-host alarms live in the
WebService, where ECS rolls back on them and where they take the worst of both target
groups. The plan's alarms for those checks (``deploymentAlarm``) are composite alarms
over them, with the plan's name, description and routing: one evaluation, not two
copies that could disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._dashboard import dashboard_bodies
from ._job_failures import job_failure_rule
from ._references import References
from ._static_site_alerts import alert_through_eventbridge
from ._topics import alert_targets, alert_topics

# How one metric over several parts (two target groups) becomes one: counts add up; a
# minimum or a percentile rank (the share of fast responses, ``PR(:0.3)``) takes the
# worst part, which is the lowest; anything else (p99, Maximum) the highest.
COMBINE = {"Sum": "SUM", "SampleCount": "SUM", "Minimum": "MIN"}
ALARM_KEYS = {
    "description",
    "metrics",
    "expression",
    "period",
    "evaluationPeriods",
    "datapointsToAlarm",
    "threshold",
    "comparison",
    "treatMissingData",
    "notify",
    "pages",
    "deploymentAlarm",
    "suppressedBy",
    "suppressWait",
    "region",
}
HEALTH_CHECK_KEYS = {"type", "fqdn", "port", "path", "requestInterval", "failureThreshold"}
COMPOSITE_KEYS = {
    "description",
    "members",
    "pages",
    "any",
    "suppressedBy",
    "suppressWait",
    "unless",
}
JOB_FAILURE_KEYS = {"description", "job", "pages"}
# While a suppressor (a service-down composite) is in ALARM the suppressed alarm's actions
# wait, and for this long after the suppressor recovers. How long they wait for a
# suppressor not yet in ALARM (``suppressWait``) is the plan's, per suppressor: the time
# its fastest member needs to fire, so a page it would not mute is not held longer.
SUPPRESS_EXTENSION_SECONDS = 300


class Monitoring(pulumi.ComponentResource):
    """Alert topics, the plan's CloudWatch alarms and a dashboard for one stack.

    Args:
        name: Component name.
        prefix: Of the topic, dashboard and alarm names: the app and stack (``shop-prod``).
        alarms: Alarm name -> definition, as ``shipspec plan`` writes it to the stack config.
        composite_alarms: Name -> ``{description, members, pages, any?, suppressedBy?,
            suppressWait?}``; fires when all members do (any of them with ``any``);
            ``suppressedBy`` names another alarm (a composite, or a metric alarm of
            ``alarms``) whose ALARM mutes this one's actions, which wait ``suppressWait``
            seconds for it to go to ALARM.
        job_failures: Name -> ``{description, job, pages}``: an EventBridge rule on the job's
            ECS task state changes that notifies when a run stops with a non-zero exit code
            or fails to start.
        health_checks: Service -> ``{type, fqdn, port, path?, requestInterval,
            failureThreshold}``: a Route 53 health check from the internet, ``HTTPS`` of
            ``https://<fqdn><path>`` or ``TCP`` (a connection to ``<fqdn>:<port>``, no
            path), which alarms name by ``health_check:<service>.id``. An alarm with a ``region``
            (us-east-1, where Route 53 publishes its metrics) is created there and notifies
            through EventBridge (``_static_site_alerts``): an alarm can only notify a topic
            in its own region.
        dashboard: Rows ``{title, kind, target, queues?, callers?}``: a service or datastore each;
            more than a dashboard holds continue on ``<prefix>-2``, ``<prefix>-3``...
        pages: Whether this stack's alarms may page; only then is there a page topic.
        alert_email: Subscribed to every topic (confirm the email); None: no subscriber yet.
        pagerduty_urls: Topic -> its PagerDuty Amazon CloudWatch integration URL (a secret;
            ``page`` and ``ticket`` go to two PagerDuty services, of high and low urgency),
            subscribed over HTTPS to the topics of ``pagerduty_topics``; PagerDuty confirms
            the subscription itself. Ticket alarms then notify OK too, so that PagerDuty
            resolves the incidents they open.
        slack: ``{workspaceId, channelId, topics, region}``: AWS Chatbot posts those topics'
            alerts to the Slack channel (the workspace must be authorized in the Chatbot
            console); its configuration is created in ``region``, one of the Chatbot API's.
        prometheus_workspace_arn: A managed Prometheus workspace whose Alertmanager may
            publish to the topics (and use their key).
        cluster: The ECS cluster, for ``cluster.name``.
        load_balancers: Targets of ``load_balancer:<name>``.
        services: Targets of ``service:<name>`` and ``job:<name>`` (exposing ``metric_ids``).
        datastores: Targets of ``datastore:<name>`` (exposing ``metric_ids``).
        volumes: Targets of ``volume:<name>`` (the EFS file systems, ``metric_ids``).
        static_sites: Targets of ``static_site:<name>.certificate`` (their us-east-1 ACM
            certificates, whose expiry alarms live in us-east-1).
    """

    page_topic_arn: pulumi.Output[str] | None
    ticket_topic_arn: pulumi.Output[str]
    tickets_resolve: bool  # ticket alarms notify OK too (tickets reach PagerDuty)
    dashboard_names: list[pulumi.Output[str]]  # one unless the rows exceed a dashboard

    def __init__(
        self,
        name: str,
        *,
        prefix: str,
        alarms: Mapping[str, Mapping[str, Any]],
        composite_alarms: Mapping[str, Mapping[str, Any]],
        dashboard: Sequence[Mapping[str, Any]],
        job_failures: Mapping[str, Mapping[str, Any]] | None = None,
        health_checks: Mapping[str, Mapping[str, Any]] | None = None,
        pages: bool,
        alert_email: str | None,
        cluster: aws.ecs.Cluster,
        pagerduty_urls: Mapping[str, pulumi.Input[str] | None] | None = None,
        pagerduty_topics: Sequence[str] = (),
        slack: Mapping[str, Any] | None = None,
        prometheus_workspace_arn: pulumi.Input[str] | None = None,
        load_balancers: Mapping[str, Any],
        services: Mapping[str, Any],
        datastores: Mapping[str, Any],
        volumes: Mapping[str, Any] | None = None,
        static_sites: Mapping[str, Any] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:Monitoring", name, None, opts)
        self._child = pulumi.ResourceOptions(parent=self)
        self._prefix = prefix
        self._refs = References(
            cluster=cluster,
            load_balancers=load_balancers,
            services=services,
            datastores=datastores,
            volumes=volumes,
            static_sites=static_sites,
        )
        kinds = ["ticket", "page"] if pages else ["ticket"]
        self._topics = alert_topics(self, prefix, kinds, alert_email, prometheus_workspace_arn)
        alert_targets(self, prefix, self._topics, pagerduty_urls or {}, pagerduty_topics, slack)
        # A ticket that reaches PagerDuty opens an incident there, which only an OK message
        # resolves: ticket alarms then notify OK as well as ALARM, as paging alarms do.
        self.tickets_resolve = "ticket" in pagerduty_topics and "ticket" in self._topics

        self.health_check_ids: dict[str, pulumi.Output[str]] = {}
        for service, check in (health_checks or {}).items():
            _check_keys(service, check, HEALTH_CHECK_KEYS)
            # Created once the load balancers (DNS record, certificate, listener) and the
            # service exist (a TCP/TLS service: with its own balancer, alias and listener),
            # so a first deployment does not check a name not yet there.
            after = [
                *load_balancers.values(),
                *([services[service]] if service in services else []),
            ]
            self.health_check_ids[service] = self._health_check(service, check, after)
            self._refs.add(f"health_check:{service}", {"id": [self.health_check_ids[service]]})
        created: dict[str, aws.cloudwatch.MetricAlarm] = {}
        rollbacks: dict[str, Mapping[str, Any]] = {}
        for alarm_name, spec in alarms.items():
            _check_keys(alarm_name, spec, ALARM_KEYS)
            if "deploymentAlarm" in spec:
                rollbacks[alarm_name] = spec
            else:
                created[alarm_name] = self._metric_alarm(alarm_name, spec)
        self._composites: dict[str, aws.cloudwatch.CompositeAlarm] = {}
        self._metric_alarms = created
        for alarm_name, spec in _after_what_they_name(composite_alarms, frozenset(created)):
            members = [created[member].name for member in spec["members"]]
            unless = [self._composites[other].alarm_name for other in spec.get("unless", [])]
            operator = " OR " if spec.get("any") else " AND "
            rule = pulumi.Output.all(pulumi.Output.all(*members), pulumi.Output.all(*unless)).apply(
                lambda names, op=operator: op.join(
                    [f'ALARM("{n}")' for n in names[0]] + [f'NOT ALARM("{u}")' for u in names[1]]
                )
            )
            self._composites[alarm_name] = self._composite(
                alarm_name, {**spec, "notify": True}, rule
            )
        for alarm_name, spec in rollbacks.items():
            member = self._refs.deployment_alarm(spec["deploymentAlarm"])
            self._composite(alarm_name, spec, pulumi.Output.format('ALARM("{0}")', member))
        for rule_name, spec in (job_failures or {}).items():
            _check_keys(rule_name, spec, JOB_FAILURE_KEYS)
            job_failure_rule(
                self, rule_name, spec, cluster.arn, self._refs, self._target(rule_name, spec)
            )

        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        boards = [
            aws.cloudwatch.Dashboard(
                "dashboard" + (f"-{i + 1}" if i else ""),
                dashboard_name=prefix + (f"-{i + 1}" if i else ""),
                dashboard_body=pulumi.Output.json_dumps(body),
                opts=self._child,
            )
            for i, body in enumerate(dashboard_bodies(dashboard, region, self._refs))
        ]
        page = self._topics.get("page")
        self.page_topic_arn = page.arn if page else None
        self.ticket_topic_arn = self._topics["ticket"].arn
        self.dashboard_names = [board.dashboard_name for board in boards]
        self.register_outputs(
            {
                "page_topic_arn": self.page_topic_arn,
                "ticket_topic_arn": self.ticket_topic_arn,
                "dashboard_names": self.dashboard_names,
                "health_check_ids": self.health_check_ids,
            }
        )

    def _target(self, name: str, spec: Mapping[str, Any]) -> aws.sns.Topic:
        """The topic an alarm or rule notifies: ``page`` if it pages, else ``ticket``."""
        if not spec["pages"]:
            return self._topics["ticket"]
        if "page" not in self._topics:
            raise ValueError(f"alarm {name} pages, but this stack's alarms do not page")
        return self._topics["page"]

    def _actions(self, name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
        if not spec["notify"]:
            return {}
        topic = self._target(name, spec).arn
        if not self._notifies_ok(spec):
            return {"alarm_actions": [topic]}
        return {"alarm_actions": [topic], "ok_actions": [topic]}

    def _notifies_ok(self, spec: Mapping[str, Any]) -> bool:
        """Paging alarms notify OK; ticket alarms too where tickets reach PagerDuty."""
        return bool(spec["pages"]) or self.tickets_resolve

    def _queries(
        self, metric: Mapping[str, Any], period: int, result: str
    ) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
        combinations = self._refs.combinations(metric["dimensions"])
        metric_id = metric["id"]
        ids = (
            [metric_id]
            if len(combinations) == 1
            else [f"{metric_id}_{i}" for i in range(len(combinations))]
        )
        queries = [
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=query_id,
                return_data=query_id == result,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace=metric["namespace"],
                    metric_name=metric["metricName"],
                    stat=metric["stat"],
                    period=period,
                    dimensions=dimensions,
                ),
            )
            for query_id, dimensions in zip(ids, combinations, strict=True)
        ]
        if len(combinations) > 1:
            stat = metric["stat"]
            combine = "MIN" if stat.startswith("PR(") else COMBINE.get(stat, "MAX")
            queries.append(
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id=metric_id,
                    expression=f"{combine}([{', '.join(ids)}])",
                    label=metric_id,
                    return_data=metric_id == result,
                )
            )
        return queries

    def _metric_alarm(self, name: str, spec: Mapping[str, Any]) -> aws.cloudwatch.MetricAlarm:
        expression = spec.get("expression")
        result = "alarm" if expression else spec["metrics"][0]["id"]
        queries = [q for m in spec["metrics"] for q in self._queries(m, spec["period"], result)]
        if expression:
            queries.append(
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id=result, expression=expression, label=name, return_data=True
                )
            )
        region = spec.get("region")
        logical = name.removeprefix(f"{self._prefix}-")
        alarm = aws.cloudwatch.MetricAlarm(
            logical,
            name=name,
            region=region,
            alarm_description=spec["description"],
            metric_queries=queries,
            comparison_operator=spec["comparison"],
            threshold=spec["threshold"],
            evaluation_periods=spec["evaluationPeriods"],
            datapoints_to_alarm=spec["datapointsToAlarm"],
            treat_missing_data=spec["treatMissingData"],
            # Outside the stack's region an alarm cannot notify its topics: EventBridge does.
            **({} if region else self._actions(name, spec)),
            opts=self._child,
        )
        if region and spec["notify"]:
            # <service>-health-check: rules <service>-health-check(-forward), as a static
            # site's are <site>-errors(-forward), under the prefix the topics' policies admit;
            # any other (a static site's certificate expiry) is named as its alarm too.
            health = logical.endswith("-health-check")
            alert_through_eventbridge(
                self,
                logical.removesuffix("-health-check") if health else logical,
                alarm,
                self._target(name, spec).arn,
                pages=self._notifies_ok(spec),
                check="health-check" if health else "alarm",
                what=f"{name} ({region})",
                rules=None if health else logical,
            )
        return alarm

    def _health_check(
        self, service: str, check: Mapping[str, Any], after: Sequence[pulumi.Resource]
    ) -> pulumi.Output[str]:
        """A Route 53 health check (Route 53 is global: no region). HTTPS: with SNI, so
        the ALB presents the domain's certificate; healthy on 2xx and 3xx. TCP: healthy
        when a connection opens (Route 53 takes no path, string or SNI for it)."""
        https = check["type"] == "HTTPS"
        health_check = aws.route53.HealthCheck(
            f"{service}-health-check",
            type=check["type"],
            fqdn=check["fqdn"],
            port=check["port"],
            resource_path=check["path"] if https else None,
            enable_sni=True if https else None,
            request_interval=check["requestInterval"],
            failure_threshold=check["failureThreshold"],
            # The console and `aws route53 list-health-checks` show the Name tag.
            tags={"Name": f"{self._prefix}-{service}"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(after)),
        )
        return health_check.id

    def _composite(
        self, name: str, spec: Mapping[str, Any], rule: pulumi.Input[str]
    ) -> aws.cloudwatch.CompositeAlarm:
        suppressor = None
        opts = self._child
        if "suppressedBy" in spec:
            # A composite (service-down) or a metric alarm (a queue consumer's no-tasks):
            # ActionsSuppressor takes any alarm's name.
            muting: aws.cloudwatch.CompositeAlarm | aws.cloudwatch.MetricAlarm | None = (
                self._composites.get(spec["suppressedBy"])
                or self._metric_alarms.get(spec["suppressedBy"])
            )
            if muting is None:
                raise ValueError(f"alarm {name}: no alarm {spec['suppressedBy']} to mute it")
            muting_name = (
                muting.alarm_name
                if isinstance(muting, aws.cloudwatch.CompositeAlarm)
                else muting.name
            )
            suppressor = aws.cloudwatch.CompositeAlarmActionsSuppressorArgs(
                alarm=muting_name,
                wait_period=spec["suppressWait"],
                extension_period=SUPPRESS_EXTENSION_SECONDS,
            )
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[muting]))
        return aws.cloudwatch.CompositeAlarm(
            name.removeprefix(f"{self._prefix}-"),
            alarm_name=name,
            alarm_description=spec["description"],
            alarm_rule=rule,
            actions_suppressor=suppressor,
            **self._actions(name, spec),
            opts=opts,
        )


def _after_what_they_name(
    composites: Mapping[str, Mapping[str, Any]], metric_alarms: frozenset[str] = frozenset()
) -> list[tuple[str, Mapping[str, Any]]]:
    """Composites ordered so each comes after the composites its rule (``unless``) and its
    suppressor name (a metric alarm suppressor exists already): config objects arrive
    sorted by name, not in the plan's order."""
    pending = dict(composites)
    ordered: list[tuple[str, Mapping[str, Any]]] = []
    while pending:
        done = {name for name, _ in ordered} | metric_alarms
        ready = [
            (name, spec)
            for name, spec in pending.items()
            if {
                *spec.get("unless", []),
                *([spec["suppressedBy"]] if "suppressedBy" in spec else []),
            }
            <= done
        ]
        if not ready:
            raise ValueError(f"composite alarms name each other in a cycle: {sorted(pending)}")
        for name, spec in ready:
            _check_keys(name, spec, COMPOSITE_KEYS)
            ordered.append((name, spec))
            del pending[name]
    return ordered


def _check_keys(name: str, spec: Mapping[str, Any], known: set[str]) -> None:
    """Config is plain data: a misspelt key must fail the deployment, not vanish."""
    unknown = set(spec) - known
    if unknown:
        raise ValueError(f"alarm {name}: unknown keys {sorted(unknown)}")
