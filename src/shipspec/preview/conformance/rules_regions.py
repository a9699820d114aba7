"""Conformance rules on where a resource is created: services whose API exists in a few
regions only. One AWS constraint each, with its source.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...plan.monitoring import CHATBOT_REGIONS
from .model import Finding, Predicate, Resource, Rule, is_unknown

SLACK_CHANNEL = "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration"


def _chatbot_region(r: Resource) -> Iterable[Finding]:
    value = r.inputs.get("region")
    if is_unknown(value):
        return
    if value not in CHATBOT_REGIONS:
        yield Finding(
            "region",
            value,
            "the Chatbot API exists only in "
            + ", ".join(CHATBOT_REGIONS)
            + (
                ""
                if value
                else " (without `region` the configuration is created in the provider's "
                "region: name one of them)"
            ),
        )


REGION_RULES: list[Rule] = [
    Rule(
        "chatbot.slack-channel-configuration.region",
        SLACK_CHANNEL,
        "region",
        Predicate(
            "created in a region of the Chatbot API: " + ", ".join(CHATBOT_REGIONS), _chatbot_region
        ),
        "https://docs.aws.amazon.com/chatbot/latest/APIReference/Welcome.html (APIs are "
        "available in the following Regions); https://docs.aws.amazon.com/general/latest/gr/"
        "chatbot.html (service endpoints)",
    ),
]
