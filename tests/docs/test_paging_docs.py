"""The runbook and the handoff promise a pager only where there is one.

Without ``observability.pagerduty`` pages reach the alert email (and the Slack channel)
that tickets reach too: no document may then say that a page is acknowledged, that
PagerDuty opens or resolves an incident, or that the go-live test "pages" anyone; they
say what a page is there (a message marked PAGE) and how to get a pager.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from shipspec.plan.planner import plan
from shipspec.render.renderer import render
from shipspec.spec.loader import load
from tests.delivery.delivery_support import example_specs

HANDOFF = "docs/operations/handoff.md"
RUNBOOK = "docs/operations/runbook.md"


def _docs(spec: dict[str, Any], folder: Path) -> dict[str, str]:
    path = folder / "handoff.yaml"
    with path.open("w") as stream:
        YAML().dump(spec, stream)
    files = dict(render(plan(load(path), spec_file="handoff.yaml"), only=["docs"]))
    return {name: files[name] for name in (HANDOFF, RUNBOOK)}


def _without_pagerduty(slack_topics: list[str] | None = None) -> dict[str, Any]:
    spec = copy.deepcopy(example_specs()["full"])
    del spec["observability"]["pagerduty"]
    if slack_topics is not None:
        spec["observability"]["slack"]["topics"] = slack_topics
    return spec


def _section(text: str, heading: str) -> str:
    return text.split(heading, 1)[1].split("\n## ", 1)[0]


def test_without_pagerduty_no_document_promises_one(tmp_path: Path) -> None:
    docs = _docs(_without_pagerduty(), tmp_path)
    for name, text in docs.items():
        for line in text.splitlines():
            if "PagerDuty" in line:
                # only where it says PagerDuty is absent, or how to add it
                assert "no PagerDuty" in line or "observability.pagerduty" in line, (name, line)
        assert "Acknowledge" not in text
        assert "resolves an incident" not in text and "pages them" not in text
        assert "high-urgency" not in text
    runbook, handoff = docs[RUNBOOK], docs[HANDOFF]
    who = _section(runbook, "## Who is paged")
    assert "**Nothing rings a phone**" in who
    assert "atlas-oncall@example.com's mail and Slack channel C0ALERTS1" in who
    assert "`PAGE:`" in who and "`[PAGE]`" in who
    response = _section(runbook, "## Incident response")
    assert response.startswith("\n\n1. **Take the page** within 5 minutes")
    step = _section(handoff, "## Before going live: test the alert path")
    assert "sends them a page" in step and "watch for it there" in step
    assert "sends an OK message" in step
    assert len(re.findall(r"its description starting with `PAGE:`", step)) == 2
    # the failed rollback's message goes to the page topic: a page, but no incident
    assert "where nothing rings a phone (no PagerDuty)" in handoff
    # the plan's warning, with its fixes, in both documents
    monitoring = _section(handoff, "## Monitoring and alerting")
    assert "**Nothing wakes anyone for a page.** Pages reach only atlas-oncall" in monitoring
    for text in (who, step, monitoring):
        assert "set `observability.pagerduty`" in text
        assert "`observability.slack.topics: [page]`" in text


def test_with_pagerduty_the_pager_is_described(tmp_path: Path) -> None:
    docs = _docs(example_specs()["full"], tmp_path)
    runbook, handoff = docs[RUNBOOK], docs[HANDOFF]
    assert "1. **Acknowledge** the page within 5 minutes" in runbook
    assert "Nothing rings a phone" not in runbook
    step = _section(handoff, "## Before going live: test the pager path")
    assert "this pages them" in step and "resolves an incident it opened" in step
    assert "so PagerDuty opens a high-urgency incident" in handoff
    assert "`observability.slack.topics: [page]`" not in runbook + handoff
    assert "Nothing wakes anyone" not in handoff
    assert "starts with `PAGE:` or `TICKET:`" in _section(handoff, "## Monitoring and alerting")


@pytest.mark.parametrize("topics", [["page"], ["ticket"]])
def test_the_warning_follows_the_slack_channel(tmp_path: Path, topics: list[str]) -> None:
    """A Slack channel only pages reach is no warning (the team can make it ring); one only
    tickets reach leaves pages in the mailbox."""
    runbook = _docs(_without_pagerduty(topics), tmp_path)[RUNBOOK]
    who = _section(runbook, "## Who is paged")
    assert "**Nothing rings a phone**" in who
    if topics == ["page"]:
        assert "in atlas-oncall@example.com's mail and Slack channel C0ALERTS1, and" in who
        assert "set `observability.pagerduty`" not in who
    else:
        assert "in atlas-oncall@example.com's mail, beside the tickets" in who
        assert "set `observability.pagerduty`" in who


def test_without_any_receiver_pages_reach_no_one_and_the_documents_say_so(
    tmp_path: Path,
) -> None:
    docs = _docs(example_specs()["minimal"], tmp_path)  # no alert_email, pagerduty or slack
    who = _section(docs[RUNBOOK], "## Who is paged")
    assert "names no receiver for pages" in who and "a page\n  reaches no one" in who
    step = _section(docs[HANDOFF], "## Before going live: test the alert path")
    assert "so this test reaches no one until one is added" in step
    assert "watch for it there" not in step and "Acknowledge" not in docs[RUNBOOK]
