"""An on-call person tells a page from a ticket, wherever both arrive.

CloudWatch's notification email, AWS Chatbot's Slack message and PagerDuty's incident show
an alarm's name and description, and without PagerDuty pages and tickets reach the same
mailbox and Slack channel: every alarm's description (metric alarms, composites, the jobs'
failed-runs rules, the us-east-1 alarms, the static sites' errors alarm) starts with its
routing in its environment, as the plan decided it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shipspec.plan.model import DeploymentModel
from shipspec.render.targets.pulumi import stack_config
from tests.monitoring.monitoring_support import EXAMPLES, model_from, model_of


def _expected(model: DeploymentModel, env: str) -> dict[str, dict[str, str]]:
    """Each notifying thing's marker by kind and name, from the plan's own fields."""
    planned = model.monitoring.alarms[env]
    members: dict[str, list[str]] = {}
    for c in planned.composites:
        for m in c.members:
            members.setdefault(m, []).append(c.name)
    alarms = {}
    for a in planned.alarms:
        if not a.notify:
            alarms[a.name] = f"NO ALERT (member of {', '.join(members[a.name])}): "
        else:
            alarms[a.name] = "PAGE: " if a.pages else "TICKET: "
    return {
        "alarms": alarms,
        "compositeAlarms": {
            c.name: "PAGE: " if c.pages else "TICKET: " for c in planned.composites
        },
        "jobFailures": {j.name: "PAGE: " if j.pages else "TICKET: " for j in planned.job_failures},
    }


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_alarm_description_starts_with_its_routing(example: str) -> None:
    model = model_of(example)
    seen = {"PAGE: ": 0, "TICKET: ": 0}
    for env in model.environments:
        config = stack_config(model, env)
        for kind, markers in _expected(model, env.name).items():
            assert set(config[kind]) == set(markers)
            for name, marker in markers.items():
                description = config[kind][name]["description"]
                assert description.startswith(marker), (env.name, name, description)
                # the stack's routing agrees with the marker: a PAGE goes to the page topic
                if not marker.startswith("NO ALERT"):
                    assert config[kind][name]["pages"] is (marker == "PAGE: ")
                    seen[marker] += 1
                assert len(description) <= (512 if kind == "jobFailures" else 1024)
        for site, values in config.get("staticSites", {}).items():
            marker = "PAGE: " if values["pages"] else "TICKET: "
            assert values["description"].startswith(marker), (env.name, site)
    # every example has both, and the production pages (non-production never pages)
    assert seen["TICKET: "] > 0 and seen["PAGE: "] > 0, seen


def test_non_production_alarms_are_all_tickets() -> None:
    """An alarm that would page in production is a ticket in staging, and says so."""
    model = model_of("shop")
    staging = next(e for e in model.environments if e.name == "staging")
    config = stack_config(model, staging)
    described = [a["description"] for a in config["alarms"].values() if a["notify"]]
    described += [c["description"] for c in config["compositeAlarms"].values()]
    assert described and all(d.startswith("TICKET: ") for d in described)
    prod = next(e for e in model.environments if e.production)
    down = stack_config(model, prod)["compositeAlarms"]["shop-prod-web-down"]
    assert down["description"].startswith("PAGE: web: down")
    assert config["compositeAlarms"]["shop-staging-web-down"]["description"].startswith(
        "TICKET: web: down"
    )


def test_a_long_reason_is_cut_so_the_marked_description_fits() -> None:
    from shipspec.render.targets._pulumi_monitoring import describe

    text = describe("x" * 300, "y" * 2000, "docs/operations/runbook.md#a", marker="TICKET: ")
    assert len(text) == 1024 and text.startswith("TICKET: xxx")
    assert text.endswith(". Runbook: docs/operations/runbook.md#a")


MINIMAL_SPEC = """
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: quiet, owner: team}
cloud: {region: eu-west-1}
environments: {prod: {}}
services:
  web: {type: web, image: x/web:1, port: 8080, public: true}
"""


def _with(observability: str) -> DeploymentModel:
    return model_from(f"{MINIMAL_SPEC}observability: {observability}\n")


SLACK = "slack: {workspace_id: T01, channel_id: C01, topics: [page, ticket]}"


@pytest.mark.parametrize(
    ("observability", "reach"),
    [
        ("{alert_email: a@example.com}", ["a@example.com by email"]),
        (
            "{alert_email: a@example.com, " + SLACK + "}",
            ["a@example.com by email", "Slack channel C01"],
        ),
        ("{slack: {workspace_id: T01, channel_id: C01}}", ["Slack channel C01"]),
        # Slack for tickets only: pages still reach only the mailbox
        (
            "{alert_email: a@example.com, slack: {workspace_id: T01, channel_id: C01, "
            "topics: [ticket]}}",
            ["a@example.com by email"],
        ),
        ("{pagerduty: {topics: [ticket]}}", []),
        ("{}", []),
    ],
)
def test_pages_that_reach_no_pager_are_a_warning(observability: str, reach: list[str]) -> None:
    monitoring = _with(observability).monitoring
    decision = monitoring.pages_wake_no_one
    assert decision is not None and decision.value == reach
    assert monitoring.warnings() == [decision.reason]
    assert "observability.pagerduty" in decision.reason
    if reach:
        assert "nothing wakes anyone" in decision.reason
        assert "observability.slack.topics: [page]" in decision.reason
    else:
        assert decision.reason.startswith("pages reach no one")


@pytest.mark.parametrize(
    "observability",
    [
        "{alert_email: a@example.com, pagerduty: {}}",
        "{alert_email: a@example.com, pagerduty: {topics: [page, ticket]}, " + SLACK + "}",
        # a Slack channel only pages reach: the team can make it ring
        "{alert_email: a@example.com, slack: {workspace_id: T01, channel_id: C01, topics: [page]}}",
    ],
)
def test_a_pager_or_a_page_only_channel_is_no_warning(observability: str) -> None:
    monitoring = _with(observability).monitoring
    assert monitoring.pages_wake_no_one is None
    assert monitoring.warnings() == []


def test_examples_warn_unless_pagerduty_pages() -> None:
    assert model_of("full").monitoring.warnings() == []  # pagerduty: {topics: [page]}
    assert model_of("shop").monitoring.pages_wake_no_one is not None


def test_generate_prints_the_warning(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from shipspec.cli import app

    spec = tmp_path / "handoff.yaml"
    spec.write_text(f"{MINIMAL_SPEC}observability: {{alert_email: a@example.com}}\n")
    result = CliRunner().invoke(app, ["generate", str(spec)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: pages reach only a@example.com by email, where tickets arrive too: nothing "
        "rings a phone, so nothing wakes anyone for an outage at night, and a page differs "
        "from a ticket only by its marker (PAGE: in alarm descriptions, [PAGE] from "
        "Alertmanager); set observability.pagerduty (its default topics: [page]) so PagerDuty "
        "rings on-call, or give pages a Slack channel of their own "
        "(observability.slack.topics: [page], a channel tickets do not reach)"
    ]
    spec.write_text(
        f"{MINIMAL_SPEC}observability: {{alert_email: a@example.com, pagerduty: {{}}}}\n"
    )
    result = CliRunner().invoke(app, ["generate", str(spec), "--force"])
    assert result.exit_code == 0, result.output
    assert not [line for line in result.stderr.splitlines() if line.startswith("warning:")]


def test_the_down_composite_says_which_pages_it_mutes() -> None:
    """``down`` is the actions suppressor of its service's burn-rate composites, and of its
    5xx-ratio only where that pages (no availability SLO's burn rate pages for it): its
    reason says which, matching the suppressors the plan sets."""
    for example, env, service, paging_5xx in (
        ("shop", "prod", "web", False),  # the availability SLO's burn rates page
        ("full", "main", "docs", True),  # no availability SLO: its 5xx-ratio pages
    ):
        model = model_of(example)
        planned = model.monitoring.alarms[env]
        down = f"{model.app}-{env}-{service}-down"
        ratio = planned.alarm(f"{model.app}-{env}-{service}-5xx-ratio")
        assert (ratio.suppressed_by == down) is paging_5xx and ratio.pages is paging_5xx
        reason = model.monitoring.decision(f"alarms.{env}.{down}").reason
        assert ("its paging 5xx-ratio" in reason) is paging_5xx, reason
        assert ("nothing mutes them" in reason) is not paging_5xx, reason
