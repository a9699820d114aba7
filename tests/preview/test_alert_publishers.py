"""Every EventBridge rule and CloudWatch alarm that notifies an alert topic may publish to it.

An alert topic's policy and its KMS key's policy admit this stack's alarms
(``cloudwatch.amazonaws.com``) and EventBridge rules (``events.amazonaws.com``) by the ARN
they publish for (``aws:SourceArn``, matched with ``ArnLike`` against a name pattern). A
source the pattern misses cannot publish: EventBridge counts a ``FailedInvocations`` and
CloudWatch logs a failed action, and nobody is told. A name that is cut to fit its limit
(EventBridge's 64 characters) is where that happens, so the check runs on every example
stack and on stacks with long app and environment names, including the 31 characters the
spec allows each.

For each rule whose target is a topic, the rule's ARN is built from its recorded name,
its region and the mocks' account; for each alarm with a topic among its actions, the
alarm's ARN likewise. ``iam_model`` evaluates the topic policy (``sns:Publish``) and the
key policy (``kms:GenerateDataKey``, ``kms:Decrypt``: what SNS asks KMS for on the
publisher's behalf) as IAM does. A rule of another stack is refused, so the policies are
not simply open.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import shipspec
from shipspec.preview.mocks import ACCOUNT_ID
from shipspec.preview.result import Preview
from tests.conftest import EXAMPLES, example_names

from .discovery_support import generate_and_preview
from .iam_model import allows

TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
KEY = "aws:kms/key:Key"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
DOMAIN = "aws:opensearch/domain:Domain"
LOG_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")


class Topic:
    """An alert topic as AWS checks a publisher: its policy, and its key's ARN and policy."""

    def __init__(self, preview: Preview, policy: Any) -> None:
        (topic,) = [t for t in preview.of_type(TOPIC) if t.urn in policy.dependencies]
        (key,) = [k for k in preview.of_type(KEY) if k.urn in topic.dependencies]
        self.arn: str = policy.inputs["arn"]
        self.policy = json.loads(policy.inputs["policy"])
        self.key_arn: str = topic.inputs["kmsMasterKeyId"]
        self.key_policy = json.loads(key.inputs["policy"])

    def refusals(self, service: str, source_arn: str) -> list[str]:
        """What the topic and its key refuse ``service`` publishing for ``source_arn``."""
        context = {"aws:SourceArn": source_arn, "aws:SourceAccount": ACCOUNT_ID}
        checks = [("topic policy", self.policy, "sns:Publish", self.arn)] + [
            ("key policy", self.key_policy, action, self.key_arn) for action in KEY_ACTIONS
        ]
        return [
            f"{where}: {action} by {service} for {source_arn}"
            for where, policy, action, resource in checks
            if not allows(
                policy, service=service, action=action, resource=resource, context=context
            )
        ]


def topics(preview: Preview) -> dict[str, Topic]:
    return {p.inputs["arn"]: Topic(preview, p) for p in preview.of_type(TOPIC_POLICY)}


def rule_sources(preview: Preview, region: str) -> list[tuple[str, str]]:
    """``(rule ARN, topic ARN)`` for each EventBridge rule with a topic among its targets."""
    alert_topics = topics(preview)
    found = []
    for target in preview.of_type(TARGET):
        if target.inputs["arn"] not in alert_topics:
            continue
        where = target.inputs.get("region", region)
        (rule,) = [
            r
            for r in preview.of_type(RULE)
            if r.inputs["name"] == target.inputs["rule"] and r.inputs.get("region", region) == where
        ]
        # A rule on the default bus: arn:aws:events:<region>:<account>:rule/<name>.
        arn = f"arn:aws:events:{where}:{ACCOUNT_ID}:rule/{rule.inputs['name']}"
        found.append((arn, target.inputs["arn"]))
    return found


def alarm_sources(preview: Preview, region: str) -> list[tuple[str, str]]:
    """``(alarm ARN, topic ARN)`` for each alarm or composite with a topic among its actions."""
    alert_topics = topics(preview)
    found = []
    for alarm in preview.of_type(ALARM) + preview.of_type(COMPOSITE):
        actions = {*alarm.inputs.get("alarmActions", []), *alarm.inputs.get("okActions", [])}
        notified = sorted(actions & set(alert_topics))
        if not notified:
            continue  # a scaling alarm (autonamed), a rollback alarm ECS reads
        # An autoname (<logical name>-<random>) would match no pattern: a notifier is named.
        name = alarm.inputs.get("name") or alarm.inputs.get("alarmName")
        assert name, f"{alarm.name} notifies {notified} under an autoname"
        arn = f"arn:aws:cloudwatch:{alarm.inputs.get('region', region)}:{ACCOUNT_ID}:alarm:{name}"
        found.extend((arn, topic) for topic in notified)
    return found


def refusals(preview: Preview, region: str) -> list[str]:
    alert_topics = topics(preview)
    return [
        problem
        for service, sources in (
            ("events.amazonaws.com", rule_sources(preview, region)),
            ("cloudwatch.amazonaws.com", alarm_sources(preview, region)),
        )
        for source, topic in sources
        for problem in alert_topics[topic].refusals(service, source)
    ]


def assert_strangers_refused(preview: Preview, region: str) -> None:
    """Another stack's rule and alarm (a name outside this stack's) may not publish."""
    for topic in topics(preview).values():
        for service, arn in (
            ("events.amazonaws.com", f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/other-app-x"),
            ("cloudwatch.amazonaws.com", f"arn:aws:cloudwatch:{region}:{ACCOUNT_ID}:alarm:other"),
        ):
            assert len(topic.refusals(service, arn)) == 1 + len(KEY_ACTIONS), (topic.arn, arn)


def _stacks() -> list[tuple[str, str]]:
    return [
        (name, env)
        for name in example_names()
        for env in shipspec.load(EXAMPLES / f"{name}.yaml").environments
    ]


STACKS = _stacks()


@pytest.mark.parametrize(("example", "env"), STACKS, ids=[f"{n}-{e}" for n, e in STACKS])
def test_every_example_rule_and_alarm_may_publish_to_its_topic(generated, example, env) -> None:  # type: ignore[no-untyped-def]
    model = generated.model(example)
    preview = generated.preview(example, env)
    assert alarm_sources(preview, model.region), "every stack has alarms that notify"
    assert refusals(preview, model.region) == []
    assert_strangers_refused(preview, model.region)


# The SRE review's stack, and the longest names the spec allows (31 characters each).
LONG_NAMES = {
    "review": (
        "larkspur-veterinary-telehealth",
        "telehealth-production-oregon",
        "nightly-reconciliation",
        "client-portal",
        "case-notes",
    ),
    "longest": (
        "a" + "b" * 29 + "c",
        "p" + "r" * 29 + "d",
        "j" + "o" * 29 + "b",
        "s" + "i" * 29 + "e",
        "d" + "a" * 29 + "x",
    ),
}


def long_spec(app: str, env: str, job: str, site: str, search: str) -> str:
    return (
        "apiVersion: shipspec/v1\nkind: Handoff\n"
        f"metadata: {{name: {app}, owner: team}}\n"
        "cloud: {region: us-west-2}\n"
        "environments:\n"
        f"  {env}: {{production: true, domain: app.example.com, hosted_zone: example.com}}\n"
        "services:\n"
        "  api: {type: web, image: x/web:1, port: 8080, public: true}\n"
        f"  {job}: {{type: job, image: x/job:1, schedule: 'rate(1 hour)'}}\n"
        f"  {site}: {{type: static, source: ./site}}\n"
        f"datastores:\n  {search}: {{engine: opensearch}}\n"
        "requirements: {availability: 99.95}\n"
    )


def search_log_refusals(preview: Preview, region: str) -> list[str]:
    """What the CloudWatch Logs resource policy refuses each OpenSearch domain publishing to
    its own log groups: the domain's name, cut to OpenSearch's 28 characters, must be
    the one the policy's ``aws:SourceArn`` names."""
    (policy,) = preview.of_type(LOG_POLICY)
    document = json.loads(policy.inputs["policyDocument"])
    problems = []
    for domain in preview.of_type(DOMAIN):
        arn = f"arn:aws:es:{region}:{ACCOUNT_ID}:domain/{domain.inputs['domainName']}"
        context = {"aws:SourceArn": arn, "aws:SourceAccount": ACCOUNT_ID}
        for option in domain.inputs["logPublishingOptions"]:
            stream = f"{option['cloudwatchLogGroupArn']}:log-stream:es-1"
            for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
                if not allows(
                    document,
                    service="es.amazonaws.com",
                    action=action,
                    resource=stream,
                    context=context,
                ):
                    problems.append(f"{action} on {stream} for {arn}")
    return problems


@pytest.mark.parametrize("names", sorted(LONG_NAMES))
def test_with_long_app_and_environment_names_every_rule_may_publish(
    tmp_path: Path, names: str
) -> None:
    app, env, job, site, search = LONG_NAMES[names]
    spec = tmp_path / "handoff.yaml"
    spec.write_text(long_spec(app, env, job, site, search))
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>hi</h1>\n")
    preview = generate_and_preview(spec, tmp_path / "out", env)
    rules = {arn.rsplit("/", 1)[1] for arn, _ in rule_sources(preview, "us-west-2")}
    # The job's failed-runs rule, the site's errors notify rule, the domain's health check
    # notify rule (its alarm in us-east-1) and the site's certificate renewal (and, where
    # alarms page, expiry) notify rules (their alarms in us-east-1 too) all reach a topic...
    named = {r.name: r.inputs["name"] for r in preview.of_type(RULE)}
    certificates = {
        name
        for logical, name in named.items()
        if "-site-certificate-" in logical and logical.endswith("-notify")
    }
    assert named[f"{site}-site-certificate-renewal-notify"] in certificates
    assert rules == {
        named[f"{job}-failed-runs"],
        named[f"{site}-errors-notify"],
        named["api-health-check-notify"],
        *certificates,
    }
    assert all(len(rule) <= 64 for rule in rules)
    # ...and may publish to it, as may every alarm; nobody else may.
    assert refusals(preview, "us-west-2") == []
    assert_strangers_refused(preview, "us-west-2")
    # The other name-scoped resource policy: OpenSearch writing its logs.
    assert preview.of_type(DOMAIN) and search_log_refusals(preview, "us-west-2") == []
