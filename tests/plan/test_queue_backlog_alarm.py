"""A consumed queue's backlog alarm: the oldest message's age counts only while messages wait.

One message that fails is retried after each visibility timeout, up to 5 receives, and its
age counts from when it was sent: alone it is the dead-letter alarm's ticket, not a page.
The age counts only while at least N messages stay visible through the whole period; N is
the messages per task the consumer scales on, else the default 10, never under 2.
"""

from __future__ import annotations

import pytest

from shipspec.plan.planner import plan
from shipspec.spec.loader import loads

SPEC = """
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: pay, owner: team-pay}
cloud: {region: eu-west-1}
environments: {prod: {}}
services:
  settle: {type: worker, image: x/settle:1, timeout_seconds: 600, uses: [jobs]SCALING}
datastores:
  jobs: {engine: sqs, dead_letter: true}
"""


def _alarm(scaling: str):  # type: ignore[no-untyped-def]
    model = plan(loads(SPEC.replace("SCALING", scaling)))
    (alarm,) = [a for a in model.monitoring.alarms["prod"].alarms if a.check == "oldest-message"]
    return alarm


@pytest.mark.parametrize(
    ("scaling", "waiting"),
    [
        ("", 10),  # scales on its queue with the default 10 messages per task
        (", scaling: {queue: jobs, messages_per_task: 50}", 50),
        (", scaling: {queue: jobs, messages_per_task: 1}", 2),  # more than the one failing
        (", scaling: {min: 1, max: 3, cpu_target: 60}", 10),  # scales on CPU: the default
    ],
)
def test_the_age_counts_only_while_enough_messages_wait(scaling: str, waiting: int) -> None:
    alarm = _alarm(scaling)
    assert alarm.expression == f"IF(FILL(visible, 0) >= {waiting}, FILL(age, 0), 0)"
    stats = {m.id: (m.metric_name, m.statistic) for m in alarm.metrics}
    assert stats == {
        "age": ("ApproximateAgeOfOldestMessage", "Maximum"),
        "visible": ("ApproximateNumberOfMessagesVisible", "Minimum"),
    }
    assert alarm.threshold == 900 and alarm.pages


def test_the_reason_states_how_long_a_failing_message_lives() -> None:
    # timeout_seconds 600 + a quarter: a 750 s visibility timeout, 5 receives before the DLQ.
    assert "up to 3750 s here: 5 receives, 750 s apart" in _alarm("").reason
