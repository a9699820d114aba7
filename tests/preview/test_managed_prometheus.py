"""The managed Prometheus path under Pulumi mocks: what the full example's stacks register.

``examples/full.yaml`` sets ``observability.prometheus: managed``: its production stack
``main`` gets an AMP workspace with the generated rules and Alertmanager routing, and an
ADOT collector beside every service's task (not the scheduled job's); ``dev`` (and the shop
example, which leaves the field off) get none of it. The previews are the session's shared
ones (``generated``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from shipspec.spec.fargate import MEMORY_BY_CPU

WORKSPACE = "aws:amp/workspace:Workspace"
RULES = "aws:amp/ruleGroupNamespace:RuleGroupNamespace"
ALERTMANAGER = "aws:amp/alertManagerDefinition:AlertManagerDefinition"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
ARN = "arn:aws:{service}:eu-central-1:123456789012:{resource}"
AMP_TYPES = (WORKSPACE, RULES, ALERTMANAGER, "shipspec:aws:ManagedPrometheus")


def of_type(resources: list[Any], type_: str) -> list[Any]:
    return [r for r in resources if r.type == type_]


def only(resources: list[Any], type_: str) -> Any:
    found = of_type(resources, type_)
    assert len(found) == 1, [r.name for r in found]
    return found[0]


@pytest.fixture(scope="module")
def main(generated) -> list[Any]:  # type: ignore[no-untyped-def]
    return generated.preview("full", "main").resources


@pytest.fixture(scope="module")
def workspace_arn(main: list[Any]) -> str:
    workspace_id = only(main, RULES).inputs["workspaceId"]
    assert workspace_id.startswith("ws-")
    return ARN.format(service="aps", resource=f"workspace/{workspace_id}")


def containers(task: Any) -> list[dict[str, Any]]:
    return json.loads(task.inputs["containerDefinitions"])


def one_off(task: Any) -> bool:
    """A db-admin, search-admin or migration task: run once by CI or a person, not a service
    with telemetry."""
    kinds = ("DatabaseAdmin", "DocumentDbAdmin", "SearchAdmin", "Migration")
    return any(f"shipspec:aws:{kind}$" in task.urn for kind in kinds)


def job(task: Any) -> bool:
    """A scheduled job's task: no collector (see test_a_scheduled_job_runs_no_collector)."""
    return "shipspec:aws:ScheduledJob$" in task.urn


def app_and_collector(task: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The app container (always first) and the collector, whatever sidecars sit between."""
    found = containers(task)
    [collector] = [c for c in found if c["name"] == "otel-collector"]
    return found[0], collector


def test_the_workspace_is_encrypted_with_the_data_key(main: list[Any]) -> None:
    workspace = only(main, WORKSPACE)
    assert workspace.inputs["alias"] == "atlas-main-prometheus"
    data_key = next(r for r in main if r.type == "aws:kms/key:Key" and r.name == "data-key")
    assert workspace.inputs["kmsKeyArn"].startswith(ARN.format(service="kms", resource="key/"))
    key_policy = json.loads(data_key.inputs["policy"])
    via = next(
        s for s in key_policy["Statement"] if s["Sid"] == "DataServicesOnBehalfOfThisAccount"
    )
    assert "aps.eu-central-1.amazonaws.com" in via["Condition"]["StringEquals"]["kms:ViaService"]


def test_the_rule_groups_are_the_generated_rules_file(generated, main: list[Any]) -> None:  # type: ignore[no-untyped-def]
    rules = only(main, RULES)
    path = generated.out_dir("full") / "monitoring" / "prometheus" / "atlas-slos.rules.yml"
    assert rules.inputs["name"] == "atlas-slos"
    assert rules.inputs["data"] == path.read_text(encoding="utf-8")
    groups = yaml.safe_load(rules.inputs["data"])["groups"]
    urls = [r["annotations"]["runbook_url"] for g in groups for r in g["rules"] if "alert" in r]
    assert urls and all(u.startswith("https://github.com/example/atlas/blob/main/") for u in urls)


def test_alertmanager_keeps_the_routing_and_publishes_to_the_stacks_topics(
    generated,  # type: ignore[no-untyped-def]
    main: list[Any],
) -> None:
    definition = yaml.safe_load(only(main, ALERTMANAGER).inputs["definition"])
    config = yaml.safe_load(definition["alertmanager_config"])
    receivers = {r["name"]: r for r in config["receivers"]}
    assert set(receivers) == {"page", "ticket"}
    for kind, receiver in receivers.items():
        assert receiver["sns_configs"] == [
            {
                "topic_arn": ARN.format(service="sns", resource=f"atlas-main-{kind}"),
                "sigv4": {"region": "eu-central-1"},
                "send_resolved": True,
            }
        ]
        assert set(receiver) == {"name", "sns_configs"}  # AMP accepts SNS receivers only
    topics = {r.inputs["name"] for r in of_type(main, "aws:sns/topic:Topic")}
    assert topics == {"atlas-main-page", "atlas-main-ticket"}
    # The same route and inhibition as the self-hosted monitoring/alertmanager.yml.
    shipped = yaml.safe_load(
        (generated.out_dir("full") / "monitoring" / "alertmanager.yml").read_text()
    )
    assert config["route"] == shipped["route"]
    assert config["inhibit_rules"] == shipped["inhibit_rules"]


def test_only_this_workspace_may_publish_to_the_topics_and_use_their_key(
    main: list[Any], workspace_arn: str
) -> None:
    policies = [
        json.loads(r.inputs["policy"]) for r in of_type(main, "aws:sns/topicPolicy:TopicPolicy")
    ]
    alerts_key = next(r for r in main if r.type == "aws:kms/key:Key" and r.name == "alerts-key")
    policies.append(json.loads(alerts_key.inputs["policy"]))
    assert len(policies) == 3
    for policy in policies:
        [grant] = [
            s for s in policy["Statement"] if s["Principal"] == {"Service": "aps.amazonaws.com"}
        ]
        assert grant["Condition"]["ArnEquals"] == {"aws:SourceArn": workspace_arn}
        assert grant["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}


def test_every_task_runs_the_collector_remote_writing_to_the_workspace(
    generated,  # type: ignore[no-untyped-def]
    main: list[Any],
    workspace_arn: str,
) -> None:
    workspace_id = workspace_arn.rsplit("/", 1)[1]
    endpoint = f"https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/{workspace_id}/api/v1/remote_write"
    # The long-running services; the one-off tasks CI runs (db-admin, migrations) end in
    # seconds and export nothing, and the scheduled job runs without one.
    tasks = [t for t in of_type(main, TASK) if not one_off(t) and not job(t)]
    assert len(tasks) == 5  # api, docs, ingest, admin, indexer
    for task in tasks:
        app, collector = app_and_collector(task)
        assert collector["name"] == "otel-collector" and collector["essential"] is False
        assert collector["image"] == "public.ecr.aws/aws-observability/aws-otel-collector:v0.47.0"
        [setting] = collector["environment"]
        assert setting["name"] == "AOT_CONFIG_CONTENT"
        config = yaml.safe_load(setting["value"])
        exporter = config["exporters"]["prometheusremotewrite"]
        # The SLO rules select deployment_environment_name and job="<namespace>/<name>":
        # resource attributes must reach Prometheus as labels, the namespace untouched.
        assert exporter == {
            "endpoint": endpoint,
            "auth": {"authenticator": "sigv4auth"},
            "resource_to_telemetry_conversion": {"enabled": True},
        }
        assert "resource" not in config["processors"]
        assert config["extensions"]["sigv4auth"] == {"region": "eu-central-1", "service": "aps"}
        pipeline = config["service"]["pipelines"]["metrics"]
        assert pipeline["receivers"] == ["otlp"] and pipeline["exporters"] == [
            "prometheusremotewrite"
        ]
        # Only the task's own containers can reach the receivers.
        protocols = config["receivers"]["otlp"]["protocols"]
        assert protocols == {
            "grpc": {"endpoint": "localhost:4317"},
            "http": {"endpoint": "localhost:4318"},
        }
        env = {e["name"]: e["value"] for e in app["environment"]}
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://localhost:4318"
        assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
        assert config["processors"]["memory_limiter"]["limit_mib"] < collector["memory"]


def test_task_sizes_stay_valid_fargate_sizes_with_room_for_the_app(
    generated, main: list[Any]
) -> None:  # type: ignore[no-untyped-def]
    model = generated.model("full")
    dev = {s.name: s for s in model.environment("dev").services}
    for task in of_type(main, TASK):
        cpu, memory = int(task.inputs["cpu"]), int(task.inputs["memory"])
        assert memory in MEMORY_BY_CPU[cpu / 1024], (task.name, cpu, memory)
        if one_off(task) or job(task):
            continue  # no collector beside a db-admin, migration or scheduled job's task
        app, collector = app_and_collector(task)
        assert app["cpu"] + collector["cpu"] == cpu
        # The app keeps at least the memory it has without the collector (as in dev).
        assert memory - collector["memory"] >= dev[app["name"]].memory


def test_the_task_role_may_remote_write_to_this_workspace_only(
    main: list[Any], workspace_arn: str
) -> None:
    policies = [
        json.loads(r.inputs["policy"])
        for r in of_type(main, "aws:iam/rolePolicy:RolePolicy")
        if "-task-role" in r.name
    ]
    writes = [s for p in policies for s in p["Statement"] if "aps" in json.dumps(s["Action"])]
    assert len(writes) == 5  # one per service's task role; the job's has none
    assert all(
        s == {"Effect": "Allow", "Action": "aps:RemoteWrite", "Resource": workspace_arn}
        for s in writes
    )


def test_a_scheduled_job_runs_no_collector(generated, main: list[Any]) -> None:  # type: ignore[no-untyped-def]
    """When the job's container exits 0, ECS stops the task's other containers (SIGTERM,
    then SIGKILL): a collector would exit 143 or 137, and the failed-runs rule, which
    matches any container's non-zero exit code, would report the good run as failed. The
    job's task holds its own container alone, sized as in a stack without the collector."""
    [task] = [t for t in of_type(main, TASK) if job(t)]
    [app] = containers(task)
    assert app["name"] == "reports" and app["essential"] is True
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in {e["name"] for e in app["environment"]}
    plain = {s.name: s for s in generated.model("full").environment("staging").services}
    assert int(task.inputs["memory"]) == plain["reports"].memory
    assert int(task.inputs["cpu"]) == plain["reports"].cpu


@pytest.mark.parametrize(("example", "env"), [("full", "dev"), ("shop", "prod")])
def test_nothing_of_it_where_the_path_is_off(generated, example: str, env: str) -> None:  # type: ignore[no-untyped-def]
    resources = generated.preview(example, env).resources
    assert not [r for r in resources if r.type in AMP_TYPES]
    for task in of_type(resources, TASK):
        app = containers(task)[0]
        assert "otel-collector" not in {c["name"] for c in containers(task)}
        assert "cpu" not in app
        assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in {e["name"] for e in app["environment"]}
    policies = [str(r.inputs["policy"]) for r in resources if "policy" in r.inputs]
    assert not [p for p in policies if "aps:" in p or "aps." in p]


def test_the_program_says_which_file_is_missing(tmp_path: Path) -> None:
    """Generated without monitoring/, the workspace cannot load its rules: a clear error."""
    import shipspec
    from shipspec.errors import ShipspecError
    from shipspec.preview.service import run_preview
    from tests.conftest import EXAMPLES

    model = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"), spec_file="handoff.yaml")
    shipspec.generate(model, tmp_path)
    (tmp_path / "monitoring" / "prometheus" / "atlas-slos.rules.yml").unlink()
    with pytest.raises(ShipspecError, match=r"atlas-slos\.rules\.yml not found"):
        run_preview(tmp_path, "main", remember=False)
