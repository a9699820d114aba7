"""The SNS topics alarms notify, encrypted with a key CloudWatch is allowed to use.

CloudWatch cannot publish to a topic encrypted with the AWS-managed ``alias/aws/sns``
key: its key policy cannot be changed to let CloudWatch encrypt messages, so alarm
actions fail with a KMS access error and nobody is told. The topics therefore share a
customer-managed key (rotated yearly) whose policy lets this stack's alarms, and only
those, use it. The same goes for EventBridge: the failed-runs rules of the scheduled
jobs and the static sites' 5xx notify rules publish to the topics, so the key and each
topic's policy let this stack's rules do so as well: every rule is named by ``rule_name``,
which begins with ``rule_prefix()`` and a hyphen however long the app and stack names are
(a rule name has 64 characters, and ``<app>-<stack>`` alone may have 63), and the policies
admit ``rule/<rule_prefix()>-*``. So may a managed Prometheus workspace's Alertmanager
(``aps.amazonaws.com``, for that workspace only) when the stack has one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._names import rule_prefix


def alert_topics(
    owner: pulumi.Resource,
    prefix: str,
    kinds: Sequence[str],
    email: str | None,
    workspace_arn: pulumi.Input[str] | None = None,
) -> dict[str, aws.sns.Topic]:
    """One topic per kind (``ticket``, ``page``), named ``<prefix>-<kind>``, with ``email``
    subscribed (SNS mails a confirmation link first); ``workspace_arn``'s Alertmanager may
    publish to them."""
    child = pulumi.ResourceOptions(parent=owner)
    key = aws.kms.Key(
        "alerts-key",
        description=f"{prefix} alert topics",
        enable_key_rotation=True,
        policy=_key_policy(owner, prefix, workspace_arn),
        opts=child,
    )
    topics = {}
    for kind in kinds:
        topic = aws.sns.Topic(
            f"{kind}-topic", name=f"{prefix}-{kind}", kms_master_key_id=key.arn, opts=child
        )
        aws.sns.TopicPolicy(
            f"{kind}-topic-policy",
            arn=topic.arn,
            policy=_topic_policy(owner, prefix, topic, workspace_arn),
            opts=child,
        )
        if email:
            aws.sns.TopicSubscription(
                f"{kind}-email", topic=topic.arn, protocol="email", endpoint=email, opts=child
            )
        topics[kind] = topic
    return topics


# The secret stack config key each topic's PagerDuty integration URL is read from: a page
# and a ticket go to two PagerDuty services (a high- and a low-urgency one), never to one
# URL, or every ticket would wake on-call like a page.
PAGERDUTY_URL_KEYS = {"page": "pagerdutyUrl", "ticket": "pagerdutyTicketUrl"}


def alert_targets(
    owner: pulumi.Resource,
    prefix: str,
    topics: Mapping[str, aws.sns.Topic],
    pagerduty_urls: Mapping[str, pulumi.Input[str] | None],
    pagerduty_topics: Sequence[str],
    slack: Mapping[str, Any] | None,
) -> None:
    """PagerDuty (an HTTPS subscription of each topic to its own CloudWatch integration URL,
    ``pagerduty_urls[kind]``, which confirms itself and resolves incidents on OK) and Slack
    through AWS Chatbot, besides email."""
    child = pulumi.ResourceOptions(parent=owner)
    subscribed = []
    for kind in pagerduty_topics:
        url = pagerduty_urls.get(kind)
        if url is not None:
            subscribed.append((kind, url))
            continue
        missing = (
            f"the handoff routes {kind} alerts to PagerDuty: set the integration URL of its "
            f"{'low-urgency ' if kind == 'ticket' else ''}PagerDuty service with "
            f"`pulumi config set --secret {PAGERDUTY_URL_KEYS[kind]} <url>`"
        )
        if not pulumi.runtime.is_dry_run():
            raise ValueError(missing)  # a deployment must not leave the pager unsubscribed
        pulumi.log.warn(missing + "; `pulumi up` fails until then", resource=owner)
    for kind, url in subscribed:
        aws.sns.TopicSubscription(
            f"{kind}-pagerduty",
            topic=topics[kind].arn,
            protocol="https",
            endpoint=url,
            endpoint_auto_confirms=True,
            opts=child,
        )
    if not slack:
        return
    # Chatbot's role only reads what it shows with an alarm notification (the read calls of
    # its "Notification permissions" template, named one by one); nobody can run commands
    # from the channel.
    role = aws.iam.Role(
        "chatbot-role",
        description=f"Lets AWS Chatbot show {prefix} alarms in Slack",
        assume_role_policy=pulumi.Output.json_dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "chatbot.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
        opts=child,
    )
    aws.iam.RolePolicy(
        "chatbot-notifications",
        role=role.id,
        policy=pulumi.Output.json_dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": [
                            "cloudwatch:DescribeAlarms",
                            "cloudwatch:DescribeAlarmHistory",
                            "cloudwatch:GetMetricData",
                            "cloudwatch:GetMetricWidgetImage",
                            "cloudwatch:ListMetrics",
                        ],
                        "Resource": "*",
                    }
                ],
            }
        ),
        opts=child,
    )
    # The Chatbot API exists in four regions only; the configuration is created in the one
    # the stack config names (the stack's region when it is one of them) and subscribes the
    # topics of the stack's region from there. Chatbot subscribes an HTTPS endpoint of its
    # own, with the account's sns:Subscribe (the topic policy's first statement); SNS
    # decrypts a message before it delivers it to an HTTPS endpoint, so the topics' key
    # grants Chatbot nothing.
    aws.chatbot.SlackChannelConfiguration(
        "slack",
        region=slack["region"],
        configuration_name=f"{prefix}-alerts",
        slack_team_id=slack["workspaceId"],
        slack_channel_id=slack["channelId"],
        iam_role_arn=role.arn,
        guardrail_policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        sns_topic_arns=[topics[kind].arn for kind in slack["topics"]],
        logging_level="ERROR",
        opts=child,
    )


def _arns(owner: pulumi.Resource, prefix: str) -> tuple[pulumi.Output[str], ...]:
    """The account, and ARN patterns of this stack's alarms and EventBridge rules.

    Alarms are named ``<prefix>-...`` in full (CloudWatch allows 255 characters); rules by
    ``rule_name``, under ``rule_prefix()``, which differs from ``prefix`` when that is too
    long to begin a 64-character rule name."""
    invoke = pulumi.InvokeOutputOptions(parent=owner)
    account = aws.get_caller_identity_output(opts=invoke).account_id
    region = aws.get_region_output(opts=invoke).region
    alarms = pulumi.Output.concat("arn:aws:cloudwatch:", region, ":", account, ":alarm:", prefix)
    rules = pulumi.Output.concat("arn:aws:events:", region, ":", account, ":rule/", rule_prefix())
    return account, alarms, rules


def _publishers(
    owner: pulumi.Resource,
    prefix: str,
    workspace_arn: pulumi.Input[str] | None,
    resource: pulumi.Input[str],
    actions: list[str],
    workspace_actions: list[str],
) -> tuple[pulumi.Output[str], list[dict[str, Any]]]:
    """The account, and the statements letting this stack's alarms and EventBridge rules (and
    its Prometheus workspace) use ``resource``. The topic and its key grant the same
    principals under the same conditions; each lists the actions its own service checks."""
    account, alarms, rules = _arns(owner, prefix)

    def grant(sid: str, service: str, source: dict[str, Any], allowed: list[str]) -> dict[str, Any]:
        return {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": allowed,
            "Resource": resource,
            "Condition": {"StringEquals": {"aws:SourceAccount": account}, **source},
        }

    statements = [
        grant(
            "ThisStacksAlarmsPublish",
            "cloudwatch.amazonaws.com",
            {"ArnLike": {"aws:SourceArn": pulumi.Output.concat(alarms, "-*")}},
            actions,
        ),
        grant(
            "ThisStacksRulesPublish",
            "events.amazonaws.com",
            {"ArnLike": {"aws:SourceArn": pulumi.Output.concat(rules, "-*")}},
            actions,
        ),
    ]
    if workspace_arn is not None:
        # AMP's documented policies: the workspace's Alertmanager, and that workspace only.
        statements.append(
            grant(
                "ThisStacksPrometheusPublishes",
                "aps.amazonaws.com",
                {"ArnEquals": {"aws:SourceArn": workspace_arn}},
                workspace_actions,
            )
        )
    return account, statements


def _topic_policy(
    owner: pulumi.Resource,
    prefix: str,
    topic: aws.sns.Topic,
    workspace_arn: pulumi.Input[str] | None,
) -> pulumi.Output[str]:
    """The account manages the topic (what SNS's default policy grants); this stack's alarms
    and EventBridge rules, and its Prometheus workspace, may publish to it."""
    account, publishers = _publishers(
        owner,
        prefix,
        workspace_arn,
        topic.arn,
        ["sns:Publish"],
        ["sns:Publish", "sns:GetTopicAttributes"],
    )
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountManagesTheTopic",
                    "Effect": "Allow",
                    "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account, ":root")},
                    "Action": [
                        "sns:GetTopicAttributes",
                        "sns:SetTopicAttributes",
                        "sns:AddPermission",
                        "sns:RemovePermission",
                        "sns:DeleteTopic",
                        "sns:Subscribe",
                        "sns:ListSubscriptionsByTopic",
                        "sns:Publish",
                    ],
                    "Resource": topic.arn,
                },
                *publishers,
            ],
        }
    )


def _key_policy(
    owner: pulumi.Resource, prefix: str, workspace_arn: pulumi.Input[str] | None
) -> pulumi.Output[str]:
    """The account administers the key; the topics' publishers may encrypt with it."""
    encrypt = ["kms:Decrypt", "kms:GenerateDataKey*"]
    # In a key policy, "Resource": "*" means this key.
    account, publishers = _publishers(owner, prefix, workspace_arn, "*", encrypt, encrypt)
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministersTheKey",
                    "Effect": "Allow",
                    "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account, ":root")},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                *publishers,
            ],
        }
    )
