"""The generated stacks' monitoring under Pulumi mocks, checked against the plan.

Every example and environment is previewed once per session (the shared ``generated``
fixture). What a reviewer would check by hand: each alarm ``model.monitoring.alarms``
lists exists with the plan's metrics and threshold and watches the resources it names;
no alarm is silent; production pages through its own topic and nothing else can page;
the dashboard has a row per service with that kind's graphs.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, example_names

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
REFERENCE = re.compile(
    r"^(cluster\.|load_balancer:|static_site:|service:|job:|datastore:|volume:|health_check:|@)"
)


def stacks() -> list[tuple[str, str]]:
    import shipspec

    return [
        (name, env)
        for name in example_names()
        for env in shipspec.load(EXAMPLES / f"{name}.yaml").environments
    ]


STACKS = stacks()


@pytest.fixture(params=STACKS, ids=[f"{n}-{e}" for n, e in STACKS])
def stack(request, generated):  # type: ignore[no-untyped-def]
    name, env = request.param
    model = generated.model(name)
    return model, model.environment(env), generated.preview(name, env)


def component(preview, name: str) -> str:  # type: ignore[no-untyped-def]
    """The URN of the component resource called ``name``."""
    return next(r.urn for r in preview.resources if r.name == name and "shipspec:aws:" in r.type)


def children(preview, name: str, token: str | None = None) -> list:  # type: ignore[no-untyped-def]
    urn = component(preview, name)
    return [r for r in preview.resources if r.parent == urn and token in (None, r.type)]


def by_name(preview):  # type: ignore[no-untyped-def]
    """Alarms and composite alarms by the physical name the plan gave them."""
    named = {a.inputs["name"]: a for a in preview.of_type(ALARM) if "name" in a.inputs}
    named.update({c.inputs["alarmName"]: c for c in preview.of_type(COMPOSITE)})
    return named


def test_topics_are_encrypted_with_a_key_cloudwatch_may_use_and_mail_the_alert_email(
    stack,
) -> None:  # type: ignore[no-untyped-def]
    model, env, preview = stack
    prefix = f"{model.app}-{env.name}"
    topics = {t.inputs["name"]: t for t in preview.of_type(TOPIC)}
    paging = {f"{prefix}-page"} if env.alarms_page else set()
    assert set(topics) == {f"{prefix}-ticket"} | paging
    (key,) = children(preview, "monitoring", "aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    statements = json.loads(key.inputs["policy"])["Statement"]
    (grant,) = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert set(grant["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert grant["Condition"]["ArnLike"]["aws:SourceArn"].endswith(f":alarm:{prefix}-*")
    for topic in topics.values():
        assert key.urn in topic.dependencies, "encrypted with the stack's own key"
    subscriptions = preview.of_type(SUBSCRIPTION)
    if not model.alert_email:
        assert subscriptions == []
        return
    for topic in topics.values():
        (mail,) = [s for s in subscriptions if topic.urn in s.dependencies]
        assert (mail.inputs["protocol"], mail.inputs["endpoint"]) == ("email", model.alert_email)


def test_every_planned_metric_alarm_has_the_plans_metrics_threshold_and_reason(stack) -> None:  # type: ignore[no-untyped-def]
    model, env, preview = stack
    alarms = by_name(preview)
    for plan in model.monitoring.alarms[env.name].alarms:
        if plan.rollback:
            continue
        inputs = alarms[plan.name].inputs
        settings = ("comparisonOperator", "evaluationPeriods", "datapointsToAlarm")
        assert [inputs[k] for k in settings] == [
            plan.comparison,
            plan.evaluation_periods,
            plan.datapoints_to_alarm,
        ], plan.name
        assert inputs["threshold"] == pytest.approx(plan.threshold), plan.name
        assert inputs["treatMissingData"] == plan.treat_missing_data, plan.name
        assert plan.runbook in inputs["alarmDescription"]
        assert plan.reason[:60] in inputs["alarmDescription"]
        assert len(inputs["alarmDescription"]) <= 1024
        queries = inputs["metricQueries"]
        (result,) = [q for q in queries if q["returnData"]]
        assert result.get("expression") == plan.expression or result["id"] == plan.metrics[0].id
        for metric in plan.metrics:
            sources = [
                q["metric"]
                for q in queries
                if "metric" in q and re.fullmatch(rf"{metric.id}(_\d+)?", q["id"])
            ]
            assert sources, (plan.name, metric.id)
            for source in sources:
                assert (source["namespace"], source["metricName"], source["stat"]) == (
                    metric.namespace,
                    metric.metric_name,
                    metric.statistic,
                )
                assert source["period"] == plan.period_seconds
                assert set(source["dimensions"]) == set(metric.dimensions)
                assert not any(REFERENCE.match(v) for v in source["dimensions"].values())


WAF_KEYS = ("waf_acl", "waf_rate_rule", "waf_all_rules", "region")


def _owners(preview, reference: str) -> list:  # type: ignore[no-untyped-def]
    """The resources a dimension reference stands for, found by component."""
    if reference == "cluster.name":
        return preview.of_type("aws:ecs/cluster:Cluster")
    if reference.endswith(".certificate"):  # a load balancer's or static site's ACM certificate
        owner = reference.partition(":")[2].removesuffix(".certificate")
        # The issued certificate: the alarm waits for its validation, as the listener does.
        return children(preview, owner, "aws:acm/certificateValidation:CertificateValidation")
    if reference.startswith(("load_balancer:", "static_site:")) and (
        reference.rpartition(".")[2] in WAF_KEYS
    ):
        # The WAF dimensions are read from the load balancer's or static site's web ACL.
        owner = reference.partition(":")[2].rpartition(".")[0]
        return children(preview, owner, "aws:wafv2/webAcl:WebAcl")
    if reference.startswith("load_balancer:"):
        lb = reference.partition(":")[2]
        return children(preview, lb, "aws:lb/loadBalancer:LoadBalancer")
    if reference.startswith("health_check:"):  # the Monitoring's Route 53 health check
        service = reference.partition(":")[2].rpartition(".")[0]
        return [
            r
            for r in preview.of_type("aws:route53/healthCheck:HealthCheck")
            if r.name == f"{service}-health-check"
        ]
    owner, _, key = reference.partition(":")[2].rpartition(".")
    if key == "target_group":
        return children(preview, owner, TARGET_GROUP)
    return children(preview, owner)


def test_alarms_watch_the_resources_the_plan_names(stack) -> None:  # type: ignore[no-untyped-def]
    model, env, preview = stack
    alarms = by_name(preview)
    for plan in model.monitoring.alarms[env.name].alarms:
        if plan.rollback:
            continue
        dependencies = set(alarms[plan.name].dependencies)
        for metric in plan.metrics:
            for reference in metric.dimensions.values():
                owners = {r.urn for r in _owners(preview, reference)}
                assert owners & dependencies, (plan.name, reference)
                if reference.endswith(".target_group"):
                    # Under blue/green the live target group alternates: watch every one.
                    assert owners <= dependencies, (plan.name, reference)


def test_rollback_alarms_notify_through_the_web_services_own_alarms(stack) -> None:  # type: ignore[no-untyped-def]
    model, env, preview = stack
    alarms = by_name(preview)
    for plan in model.monitoring.alarms[env.name].alarms:
        if not plan.rollback:
            continue
        wrapper = alarms[plan.name]
        assert wrapper.type == COMPOSITE, f"{plan.name} would duplicate the rollback alarm"
        service = plan.target.partition(":")[2]
        own = children(preview, service, ALARM)
        (member,) = [a for a in own if a.urn in wrapper.dependencies]
        (name,) = re.findall(r'ALARM\("([^"]+)"\)', wrapper.inputs["alarmRule"])
        (ecs,) = children(preview, service, "aws:ecs/service:Service")
        assert name in ecs.inputs["alarms"]["alarmNames"], "ECS rolls back on the same alarm"
        scale = 1000 if plan.check == "latency-p99" else 1  # the component's is in ms
        assert member.inputs["threshold"] == pytest.approx(plan.threshold * scale)
        suppressor = wrapper.inputs.get("actionsSuppressor")
        if plan.suppressed_by:
            assert (suppressor["alarm"], suppressor["waitPeriod"]) == (
                plan.suppressed_by,
                plan.suppress_wait_seconds,
            )
        else:
            assert suppressor is None, plan.name


def test_composite_alarms_are_the_plans_burn_rate_pairs(stack) -> None:  # type: ignore[no-untyped-def]
    model, env, preview = stack
    alarms = by_name(preview)
    planned = model.monitoring.alarms[env.name]
    for composite in planned.composites:
        inputs = alarms[composite.name].inputs
        assert inputs["alarmRule"] == composite.rule
        suppressor = inputs.get("actionsSuppressor")
        if composite.suppressed_by:
            assert suppressor["alarm"] == composite.suppressed_by
            assert alarms[composite.suppressed_by].urn in alarms[composite.name].dependencies
            # The plan's wait for that suppressor, not a constant of the program.
            assert suppressor["waitPeriod"] == composite.suppress_wait_seconds
        else:
            assert suppressor is None, composite.name
    burns = {
        c.inputs["alarmName"]
        for c in preview.of_type(COMPOSITE)
        if "-burn-" in c.inputs["alarmName"]
    }
    expected = {
        f"{model.app}-{env.name}-{slo.name}-burn-{alert.long_window}"
        for slo in model.monitoring.slos
        if env.service(slo.service).kind == "web"
        and (slo.sli == "availability" or slo.threshold_ms)
        for alert in slo.alerts
    }
    assert burns == (expected if env.production else set())


def test_no_alarm_is_silent_and_only_production_pages(stack) -> None:  # type: ignore[no-untyped-def]
    model, env, preview = stack
    prefix = f"{model.app}-{env.name}"
    everything = preview.of_type(ALARM) + preview.of_type(COMPOSITE)
    notifying = [a for a in everything if a.inputs.get("alarmActions")]
    covered = {urn for a in notifying if a.type == COMPOSITE for urn in a.dependencies}
    for alarm in everything:
        routed = _routed_by_eventbridge(preview, alarm, env.name)
        assert alarm in notifying or alarm.urn in covered or routed, f"{alarm.name} notifies nobody"
        actions = alarm.inputs.get("alarmActions", []) + alarm.inputs.get("okActions", [])
        actions += routed
        if not env.alarms_page:
            assert not [a for a in actions if a.endswith("-page")], alarm.name
    alarms = by_name(preview)
    page, ticket = f":{prefix}-page", f":{prefix}-ticket"
    for plan in [
        *model.monitoring.alarms[env.name].alarms,
        *model.monitoring.alarms[env.name].composites,
    ]:
        inputs = alarms[plan.name].inputs
        if not getattr(plan, "notify", True):
            assert "alarmActions" not in inputs, f"{plan.name} notifies through its composite"
            continue
        if getattr(plan, "region", None):
            # Outside the stack's region (a Route 53 health check's, us-east-1): no action of
            # its own; EventBridge carries ALARM (and OK, for a pager) to the topic.
            assert "alarmActions" not in inputs and "okActions" not in inputs, plan.name
            routed = _routed_by_eventbridge(preview, alarms[plan.name], env.name)
            assert [a[-len(page if plan.pages else ticket) :] for a in routed] == [
                page if plan.pages else ticket
            ], plan.name
            patterns = [
                json.loads(r.inputs["eventPattern"])
                for r in preview.of_type("aws:cloudwatch/eventRule:EventRule")
            ]
            states = {
                tuple(p["detail"]["state"]["value"])
                for p in patterns
                if any(res.endswith(f":alarm:{plan.name}") for res in p.get("resources", []))
            }
            assert states == {("ALARM", "OK") if plan.pages else ("ALARM",)}, plan.name
            continue
        if plan.pages:
            assert env.alarms_page
            assert [a[-len(page) :] for a in inputs["alarmActions"]] == [page]
            assert inputs.get("okActions") == inputs["alarmActions"], "the pager resolves too"
        elif getattr(plan, "notify", True):
            assert [a[-len(ticket) :] for a in inputs["alarmActions"]] == [ticket]
            assert "okActions" not in inputs


def _rows(widgets: list[dict]) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for widget in sorted(widgets, key=lambda w: (w["y"], w["x"])):
        if widget["type"] == "text":
            title = widget["properties"]["markdown"].removeprefix("## ")
            current = rows.setdefault(title.partition(":")[0], [])
        else:
            current.append(widget)
    return rows


def test_dashboard_has_a_row_per_service_with_its_kinds_graphs(stack) -> None:  # type: ignore[no-untyped-def]
    model, env, preview = stack
    (board,) = children(preview, "monitoring", "aws:cloudwatch/dashboard:Dashboard")
    assert board.inputs["dashboardName"] == f"{model.app}-{env.name}"
    widgets = json.loads(board.inputs["dashboardBody"])["widgets"]
    assert len(widgets) <= 100
    cells = set()
    for w in widgets:
        assert w["x"] + w["width"] <= 24
        area = {
            (x, y)
            for x in range(w["x"], w["x"] + w["width"])
            for y in range(w["y"], w["y"] + w["height"])
        }
        assert not cells & area, "widgets overlap"
        cells |= area
    rows = _rows(widgets)
    services = [s.name for s in env.services]
    assert list(rows)[: len(services)] == services
    alarmed = {
        a.target.partition(":")[2]
        for a in model.monitoring.alarms[env.name].alarms
        if a.target.startswith("datastore:")
    }
    assert alarmed <= set(list(rows)[len(services) :]) <= {d.name for d in env.datastores}
    for s in env.services:
        lines = [line for w in rows[s.name] for line in w["properties"]["metrics"]]
        assert all(w["properties"]["region"] == model.region for w in rows[s.name])
        assert not [v for line in lines for v in line[2:-1] if REFERENCE.match(str(v))]
        metrics = {line[1] for line in lines}
        wanted = {"job": {"InvocationDroppedCount"}}.get(
            s.kind, {"CPUUtilization", "MemoryUtilization", "RunningTaskCount"}
        )
        if s.kind == "web" and s.load_balancer is None:  # tcp/udp behind its own NLB
            wanted |= {"ActiveFlowCount", "HealthyHostCount", "UnHealthyHostCount"}
        elif s.kind == "web":
            wanted |= {"RequestCount", "HTTPCode_Target_5XX_Count", "TargetResponseTime"}
            groups = len(children(preview, s.name, TARGET_GROUP))
            alb = [line for line in lines if line[:2] == ["AWS/ApplicationELB", "RequestCount"]]
            assert len(alb) == groups
        if s.port is not None:  # a Service Connect server: its proxy's view of the calls
            connect = [line for line in lines if line[:2] == ["AWS/ECS", "RequestCount"]]
            assert [line[line.index("DiscoveryName") + 1] for line in connect] == [s.name]
        if s.kind == "worker" and any(u.engine == "sqs" for u in s.uses):
            wanted.add("ApproximateAgeOfOldestMessage")
        assert wanted <= metrics, (s.name, wanted - metrics)


def _blueprint_components(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The component library, copied (bytecode must not land in blueprints/, which the
    renderer copies) and imported under a name of its own, so no program sees it cached."""
    folder = tmp_path / "shipspec_test_components"
    shutil.copytree(ROOT / "blueprints" / "pulumi" / "infra" / "components", folder)
    spec = importlib.util.spec_from_file_location(
        folder.name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec and spec.loader
    sys.modules[folder.name] = package = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(package)
        return importlib.import_module(f"{folder.name}._dashboard")
    finally:
        for name in [m for m in sys.modules if m.partition(".")[0] == folder.name]:
            del sys.modules[name]


class _EveryReference:
    """Answers every reference with one value, as a stack of plain components would."""

    def has(self, owner: str, key: str) -> bool:
        return True

    def combinations(self, dimensions: dict) -> list[dict]:
        return [{name: f"{reference}-id" for name, reference in dimensions.items()}]


def test_two_hundred_services_spread_over_dashboards_without_splitting_a_row(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        {"title": f"s{i}: web service", "kind": "web", "target": f"service:s{i}"}
        for i in range(200)
    ]
    bodies = _blueprint_components(tmp_path).dashboard_bodies(rows, "eu-west-1", _EveryReference())
    assert len(bodies) > 1
    headers = []
    for body in bodies:
        widgets = body["widgets"]
        assert len(widgets) <= 100
        assert min(w["y"] for w in widgets) == 0
        assert {len(graphs) for graphs in _rows(widgets).values()} == {8}, "a row is whole"
        headers += [w["properties"]["markdown"] for w in widgets if w["type"] == "text"]
    assert headers == [f"## s{i}: web service" for i in range(200)]


def _misspell(alarms: dict) -> None:
    alarms["shop-dev-db-cpu"]["treshold"] = alarms["shop-dev-db-cpu"].pop("threshold")


def _page(alarms: dict) -> None:
    alarms["shop-dev-db-free-storage"]["pages"] = True


def _unanswered(alarms: dict) -> None:
    dimensions = alarms["shop-dev-db-cpu"]["metrics"][0]["dimensions"]
    dimensions["DBInstanceIdentifier"] = "datastore:uploads.id"  # a bucket has no metric_ids


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_page, "shop-dev-db-free-storage pages, but this stack's alarms do not page"),
        (_misspell, "alarm shop-dev-db-cpu: unknown keys ['treshold']"),
        (_unanswered, "cannot resolve 'datastore:uploads.id'"),
    ],
    ids=["paging-outside-production", "misspelt-key", "unresolvable-reference"],
)
def test_a_stack_config_the_plan_could_not_have_written_fails_the_deployment(
    generated, change, message
) -> None:  # type: ignore[no-untyped-def]
    from shipspec.preview.runner import ProgramError, run_stack
    from shipspec.preview.service import program_dir, stack_config

    infra = program_dir(generated.out_dir("shop"))
    project, config = stack_config(infra, "dev")
    alarms = json.loads(config["shop:alarms"])
    change(alarms)
    config["shop:alarms"] = json.dumps(alarms)
    with pytest.raises(ProgramError) as failure:
        run_stack(infra, project=project, stack="dev", config=config)
    assert message in str(failure.value)


TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


def test_each_stack_labels_its_telemetry_with_its_own_environment(stack) -> None:  # type: ignore[no-untyped-def]
    """The one program serves every stack: a task's deployment.environment.name is the
    stack's, not the environment the program was rendered from (production telemetry
    labelled as the sandbox matched no production SLO selector)."""
    _, env, preview = stack
    # The one-off tasks (db-admin, search-admin, migrations) end in seconds and export nothing.
    one_offs = (
        "shipspec:aws:DatabaseAdmin$",
        "shipspec:aws:DocumentDbAdmin$",
        "shipspec:aws:SearchAdmin$",
        "shipspec:aws:Migration$",
    )
    tasks = [
        t for t in preview.of_type(TASK_DEFINITION) if not any(kind in t.urn for kind in one_offs)
    ]
    assert tasks
    for task in tasks:
        # The app container comes first; sidecars and the managed path's collector follow.
        app = json.loads(task.inputs["containerDefinitions"])[0]
        assert app["name"] == task.name.removesuffix("-task")
        variables = {v["name"]: v["value"] for v in app.get("environment", [])}
        attributes = dict(
            pair.split("=", 1) for pair in variables["OTEL_RESOURCE_ATTRIBUTES"].split(",")
        )
        assert attributes["deployment.environment.name"] == env.name, task.name


def _routed_by_eventbridge(preview, alarm, stack: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The SNS topics an alarm in another region (CloudFront's, us-east-1) reaches through
    EventBridge: a rule in the alarm's region matching its state changes forwards them to
    the default bus of the stack's region, where a rule with the same pattern publishes
    them to a topic. Follows exactly that chain, as EventBridge would deliver the event."""
    region = alarm.inputs.get("region")
    if region is None:
        return []
    name = alarm.inputs.get("name") or alarm.inputs.get("alarmName")
    arn = f":{region}:123456789012:alarm:{name}"

    def rules(in_region: str | None) -> list:  # type: ignore[type-arg]
        found = []
        for rule in preview.of_type("aws:cloudwatch/eventRule:EventRule"):
            pattern = json.loads(rule.inputs.get("eventPattern", "{}"))
            if rule.inputs.get("region") == in_region and any(
                r.endswith(arn) for r in pattern.get("resources", [])
            ):
                found.append(rule)
        return found

    def targets(rule) -> list[str]:  # type: ignore[no-untyped-def]
        return [
            t.inputs["arn"]
            for t in preview.of_type("aws:cloudwatch/eventTarget:EventTarget")
            if t.inputs["rule"] == rule.inputs["name"]
            and t.inputs.get("region") == rule.inputs.get("region")
        ]

    topics: list[str] = []
    for forward in rules(region):
        if any(":event-bus/default" in target for target in targets(forward)):
            for home in rules(None):  # the stack's own region
                topics += [t for t in targets(home) if t.startswith("arn:aws:sns:")]
    return [t for t in topics if f"-{stack}-" in t]
