"""The runbook's alarm look-ups find the alarms the stack creates, run against moto.

The alarms are created in a moto server exactly as the preview records them (every
``MetricAlarm``'s ``name``, every ``CompositeAlarm``'s ``alarmName`` and ``alarmRule``), then
every ``aws cloudwatch describe-alarms`` line of the generated runbook runs through a small
stand-in for the AWS CLI: options become the API's parameters the way the CLI maps them
(botocore's ``xform_name``), ``--query`` is applied with JMESPath as the CLI does. moto
returns composite alarms whatever ``AlarmTypes`` says, so the stand-in keeps what AWS
returns: metric alarms unless ``CompositeAlarm`` is asked for (botocore's cloudwatch
model, DescribeAlarms ``AlarmTypes``: "If you omit this parameter, only metric alarms are
returned"). moto has no PutCompositeAlarm action, so composites go into the moto server's
state through its backend, after botocore validated the request as AWS's API would.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

import boto3
import jmespath
import pytest
from botocore.validate import validate_parameters
from moto.cloudwatch.models import cloudwatch_backends
from moto.core import DEFAULT_ACCOUNT_ID

from tests.docs.aws_cli import commands

METRIC = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
RESULT_KEYS = {"MetricAlarm": "MetricAlarms", "CompositeAlarm": "CompositeAlarms"}
EXAMPLE, ENV = "shop", "prod"
REGION = "us-east-1"


def put_composite_alarm(client: Any, name: str, rule: str) -> None:
    """PutCompositeAlarm into the moto server (same process), validated like the real call."""
    shape = client.meta.service_model.operation_model("PutCompositeAlarm").input_shape
    validate_parameters({"AlarmName": name, "AlarmRule": rule}, shape)
    cloudwatch_backends[DEFAULT_ACCOUNT_ID][REGION].put_metric_alarm(
        name=name,
        namespace="",
        metric_name="",
        comparison_operator="",
        evaluation_periods=0,
        period=0,
        threshold=0,
        statistic="",
        description="",
        dimensions=[],
        alarm_actions=[],
        rule=rule,
    )


def run_describe_alarms(line: str, client: Any) -> Any:
    """``aws cloudwatch describe-alarms …`` → what the AWS CLI would print as data."""
    words = shlex.split(line)
    assert words[:3] == ["aws", "cloudwatch", "describe-alarms"], line
    options: dict[str, list[str]] = {}
    current = ""
    for word in words[3:]:
        if word.startswith("--"):
            current = word
            options[current] = []
        else:
            options[current].append(word)
    params: dict[str, Any] = {}
    if "--alarm-names" in options:
        params["AlarmNames"] = options["--alarm-names"]
    types = options.get("--alarm-types", ["MetricAlarm"])
    params["AlarmTypes"] = types
    response = client.describe_alarms(**params)
    data = {RESULT_KEYS[t]: response.get(RESULT_KEYS[t], []) for t in RESULT_KEYS}
    data = {
        key: value if key in {RESULT_KEYS[t] for t in types} else [] for key, value in data.items()
    }
    query = options.get("--query")
    return jmespath.search(query[0], data) if query else data


def _names_in(result: Any) -> set[str]:
    """Alarm names anywhere in a CLI result (rows of a table or whole alarm objects)."""
    text = repr(result)
    return set(re.findall(r"'([a-z][a-z0-9-]+)'", text))


@pytest.fixture(scope="module")
def stack(generated):  # type: ignore[no-untyped-def]
    preview = generated.preview(EXAMPLE, ENV)
    runbook = (generated.out_dir(EXAMPLE) / "docs/operations/runbook.md").read_text()
    return preview, runbook


def _create_alarms(preview: Any, client: Any) -> tuple[set[str], set[str]]:
    metric, composite = set(), set()
    for resource in preview.of_type(METRIC):
        name = resource.inputs.get("name")
        assert name, f"metric alarm {resource.name} has no explicit name"
        client.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/ApplicationELB",
            MetricName="HTTPCode_Target_5XX_Count",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
        )
        metric.add(name)
    # Composites after their members: AWS refuses a rule naming an alarm that does not exist.
    pending = {r.inputs["alarmName"]: r.inputs["alarmRule"] for r in preview.of_type(COMPOSITE)}
    while pending:
        ready = {
            name: rule
            for name, rule in pending.items()
            if set(re.findall(r'ALARM\("([^"]+)"\)', rule)) <= metric | composite
        }
        assert ready, f"composite rules name alarms that do not exist: {pending}"
        for name, rule in ready.items():
            put_composite_alarm(client, name, rule)
            composite.add(name)
            del pending[name]
    return metric, composite


def test_every_alarm_the_stack_creates_is_found_by_a_runbook_command(aws, stack) -> None:  # type: ignore[no-untyped-def]
    preview, runbook = stack
    client = boto3.client("cloudwatch", region_name=REGION)
    metric, composite = _create_alarms(preview, client)
    assert metric and composite
    found: set[str] = set()
    lines = [c for c in commands(runbook, "runbook.md") if c.operation == "describe-alarms"]
    for command in lines:
        found |= _names_in(run_describe_alarms(command.text, client))
    assert not (metric - found), f"metric alarms no runbook command finds: {metric - found}"
    assert not (composite - found), f"composites no runbook command finds: {composite - found}"


def test_a_composite_is_not_found_without_its_alarm_type(aws, stack) -> None:  # type: ignore[no-untyped-def]
    """The stand-in models AWS: the same look-up without ``--alarm-types`` finds nothing."""
    preview, runbook = stack
    client = boto3.client("cloudwatch", region_name=REGION)
    _, composite = _create_alarms(preview, client)
    line = next(
        c.text
        for c in commands(runbook, "runbook.md")
        if "--alarm-types CompositeAlarm" in c.text and composite & set(c.text.split())
    )
    assert _names_in(run_describe_alarms(line, client)) & composite
    blind = line.replace(" --alarm-types CompositeAlarm", "").replace(
        "CompositeAlarms[]", "MetricAlarms[]"
    )
    assert not _names_in(run_describe_alarms(blind, client)) & composite


def test_rollback_alarms_are_composites_over_their_named_metric_alarm(stack) -> None:  # type: ignore[no-untyped-def]
    preview, _ = stack
    names = {r.inputs["name"] for r in preview.of_type(METRIC)}
    rules = {r.inputs["alarmName"]: r.inputs["alarmRule"] for r in preview.of_type(COMPOSITE)}
    rollback = f"{EXAMPLE}-{ENV}-web-5xx-ratio"
    assert rules[rollback] == f'ALARM("{rollback}-rollback")'
    assert f"{rollback}-rollback" in names
