"""Rules on the physical names of what watches the stack: alarms, dashboards, log groups and
deliveries, schedules, EventBridge rules and chat notifications.

Split from :mod:`.rules_names` (same helpers, same conventions): where botocore's model
states the length or pattern of the API input, the rule reads it from there.
"""

from __future__ import annotations

from .model import Botocore, Length, Rule
from .rules_names import _ECS_NAME, _boto, _rules

CLOUDWATCH = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference"

MONITORING_NAME_RULES: list[Rule] = [
    *_rules(
        "logs.log-group.name",
        "aws:cloudwatch/logGroup:LogGroup",
        "name",
        "",
        *_boto("logs", "CreateLogGroup", "logGroupName"),
    ),
    Rule(
        "cloudwatch.metric-alarm.name.length",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "name",
        Botocore("cloudwatch", "PutMetricAlarm", "AlarmName", "length"),
        "",
        names=True,
    ),
    Rule(
        "cloudwatch.composite-alarm.name.length",
        "aws:cloudwatch/compositeAlarm:CompositeAlarm",
        "alarmName",
        Botocore("cloudwatch", "PutCompositeAlarm", "AlarmName", "length"),
        "",
        names=True,
    ),
    *_rules(
        "cloudwatch.dashboard.name",
        "aws:cloudwatch/dashboard:Dashboard",
        "dashboardName",
        f"{CLOUDWATCH}/API_PutDashboard.html",
        ("length", Length(255)),
        ("characters", _ECS_NAME),
    ),
    *_rules(
        "scheduler.schedule.name",
        "aws:scheduler/schedule:Schedule",
        "name",
        "",
        *_boto("scheduler", "CreateSchedule", "Name"),
    ),
    *_rules(
        "scheduler.schedule-group.name",
        "aws:scheduler/scheduleGroup:ScheduleGroup",
        "name",
        "",
        *_boto("scheduler", "CreateScheduleGroup", "Name"),
    ),
    *_rules(
        "logs.delivery-source.name",
        "aws:cloudwatch/logDeliverySource:LogDeliverySource",
        "name",
        "",
        *_boto("logs", "PutDeliverySource", "name"),
    ),
    *_rules(
        "logs.delivery-destination.name",
        "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination",
        "name",
        "",
        *_boto("logs", "PutDeliveryDestination", "name"),
    ),
    # EventBridge rules (the jobs' failed-runs rules, the static sites' alarm forwarding):
    # PutRule refuses a name over 64 characters, and a target names its rule the same way.
    *_rules(
        "events.rule.name",
        "aws:cloudwatch/eventRule:EventRule",
        "name",
        "",
        *_boto("events", "PutRule", "Name"),
    ),
    *_rules(
        "events.target.rule",
        "aws:cloudwatch/eventTarget:EventTarget",
        "rule",
        "",
        *_boto("events", "PutTargets", "Rule"),
    ),
    *_rules(
        "chatbot.slack-channel-configuration.name",
        "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration",
        "configurationName",
        "",
        *_boto("chatbot", "CreateSlackChannelConfiguration", "ConfigurationName"),
    ),
]
