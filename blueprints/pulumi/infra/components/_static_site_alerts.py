"""How an alarm in us-east-1 reaches the alert topics of the stack's region.

A static site's errors alarm and a public domain's Route 53 health check alarm: CloudFront
and Route 53 publish their metrics in us-east-1 only, so the alarm lives there, and a
CloudWatch alarm may only notify a topic in its own region. EventBridge carries its state
changes instead: a rule in us-east-1 forwards them to the default event bus of the stack's
region, where a rule named by ``rule_name`` (under the prefix the alert topics' and their
key's policies admit, whatever the length of the app and stack names) publishes them to
the topic.

What reaches the topic must be the message CloudWatch itself publishes for an alarm, which
is what the topics' subscribers read: PagerDuty's Amazon CloudWatch integration opens an
incident titled by ``AlarmName`` on ``NewStateValue`` ALARM and resolves it on OK, and the
email subscribers get the same fields. That message (the SNS payload of an alarm action; a
sample in aws/aws-lambda-go
``events/testdata/cloudwatch-alarm-sns-payload-single-metric.json``) is a JSON object with
``AlarmName``, ``AlarmDescription``, ``AWSAccountId``, ``NewStateValue``,
``NewStateReason``, ``StateChangeTime``, ``Region`` (the region's display name),
``AlarmArn``, ``OldStateValue`` and the ``Trigger``. An EventBridge rule's target gets the
"CloudWatch Alarm State Change" event instead (CloudWatch user guide, "Alarm events and
EventBridge": ``account``, ``resources[0]`` the alarm ARN, ``detail.alarmName``,
``detail.configuration.description``, ``detail.state`` and ``detail.previousState`` with
``value``, ``reason``, ``timestamp``), so the target that publishes to the topic rebuilds
the message with an input transformer (EventBridge API ``InputTransformer``: string values
placed in quotes in a JSON template). ``Trigger`` is left out: the alarm is metric math, and
the description says what it watches.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ._names import fitting_logical_name, rule_name

CLOUDFRONT_REGION = "us-east-1"
# CloudWatch's alarm message names the region by its display name, not its code.
CLOUDFRONT_REGION_NAME = "US East (N. Virginia)"

# Template variable -> where the "CloudWatch Alarm State Change" event holds it.
ALARM_MESSAGE_PATHS = {
    "alarm": "$.detail.alarmName",
    "description": "$.detail.configuration.description",
    "account": "$.account",
    "state": "$.detail.state.value",
    "reason": "$.detail.state.reason",
    # The state's own timestamp, in CloudWatch's StateChangeTime format
    # (2026-12-07T12:00:00.000+0000), rather than the event's `time`.
    "changed": "$.detail.state.timestamp",
    "arn": "$.resources[0]",
    "previous": "$.detail.previousState.value",
}
ALARM_MESSAGE_TEMPLATE = json.dumps(
    {
        "AlarmName": "<alarm>",
        "AlarmDescription": "<description>",
        "AWSAccountId": "<account>",
        "NewStateValue": "<state>",
        "NewStateReason": "<reason>",
        "StateChangeTime": "<changed>",
        "Region": CLOUDFRONT_REGION_NAME,
        "AlarmArn": "<arn>",
        "OldStateValue": "<previous>",
    }
)


def alert_through_eventbridge(
    owner: pulumi.Resource,
    site: str,
    alarm: aws.cloudwatch.MetricAlarm,
    topic_arn: pulumi.Input[str],
    *,
    pages: bool,
    check: str = "errors",
    what: str | None = None,
    rules: str | None = None,
    former: str | None = None,
) -> None:
    """Publish ``alarm``'s state changes (ALARM, and OK too when ``pages``) to ``topic_arn``.

    ``site``: the static site, or the service whose Route 53 health check the alarm
    watches (``check="health-check"``); the rules are ``<site>-<check>-forward`` in
    us-east-1 and ``<site>-<check>`` in the stack's region, or ``<rules>-forward`` and
    ``<rules>`` when given (a certificate's expiry alarm: its rules are named as the alarm).
    ``what``: the alarm, in the rules' descriptions. ``former``: the rules' earlier base name
    (a static site's were ``<site>-5xx``), aliased so ``pulumi up``
    replaces them under the new name instead of leaving the old ones."""
    base = rules or f"{site}-{check}"
    what = what or f"{site}'s CloudFront errors alarm"
    child = pulumi.ResourceOptions(parent=owner)

    def renamed(suffix: str) -> pulumi.ResourceOptions:
        aliases = [pulumi.Alias(name=f"{former}-{suffix}")] if former else None
        return pulumi.ResourceOptions(parent=owner, aliases=aliases)

    invoke = pulumi.InvokeOutputOptions(parent=owner)
    region = aws.get_region_output(opts=invoke).region
    account = aws.get_caller_identity_output(opts=invoke).account_id
    states = ["ALARM", "OK"] if pages else ["ALARM"]
    pattern = pulumi.Output.json_dumps(
        {
            "source": ["aws.cloudwatch"],
            "detail-type": ["CloudWatch Alarm State Change"],
            "resources": [alarm.arn],
            "detail": {"state": {"value": states}},
        }
    )
    home_bus = pulumi.Output.concat("arn:aws:events:", region, ":", account, ":event-bus/default")
    # IAM role names are at most 64 characters: a long site or alarm name is cut to fit
    # its autoname (unchanged when it fits).
    forwarder = fitting_logical_name(
        f"{site}-alarm-forward", max_length=64, keep_suffix="-alarm-forward"
    )
    role = aws.iam.Role(
        forwarder,
        assume_role_policy=pulumi.Output.json_dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                    }
                ],
            }
        ),
        opts=child,
    )
    aws.iam.RolePolicy(
        forwarder,
        role=role.id,
        policy=pulumi.Output.json_dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "events:PutEvents", "Resource": home_bus}
                ],
            }
        ),
        opts=child,
    )
    forward = aws.cloudwatch.EventRule(
        f"{base}-forward",
        name=rule_name(f"{base}-forward"),
        region=CLOUDFRONT_REGION,
        description=f"{what}, to the stack's region",
        event_pattern=pattern,
        opts=renamed("forward"),
    )
    aws.cloudwatch.EventTarget(
        f"{base}-forward",
        region=CLOUDFRONT_REGION,
        rule=forward.name,
        arn=home_bus,
        role_arn=role.arn,
        opts=renamed("forward"),
    )
    notify = aws.cloudwatch.EventRule(
        f"{base}-notify",
        name=rule_name(base),
        description=f"{what}, to the alert topic",
        event_pattern=pattern,
        opts=renamed("notify"),
    )
    aws.cloudwatch.EventTarget(
        f"{base}-notify",
        rule=notify.name,
        arn=topic_arn,
        # The topic's subscribers (PagerDuty, email) read CloudWatch's alarm message.
        input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
            input_paths=ALARM_MESSAGE_PATHS, input_template=ALARM_MESSAGE_TEMPLATE
        ),
        opts=renamed("notify"),
    )
