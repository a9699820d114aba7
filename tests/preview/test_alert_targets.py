"""PagerDuty and Slack (AWS Chatbot) as alert targets besides email, under Pulumi mocks.

The shop example with ``observability.pagerduty`` and ``observability.slack`` added:
PagerDuty's integration URL comes from the stack's secret config and is subscribed over
HTTPS to the page topic only where there is one; Chatbot posts the topics that exist.
With ``topics: [page, ticket]`` each topic has its own URL (``pagerdutyUrl``,
``pagerdutyTicketUrl``: a high- and a low-urgency PagerDuty service), and ticket alarms
notify OK too, since only an OK message resolves the PagerDuty incident a ticket opened.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import shipspec
from shipspec.errors import SpecError
from shipspec.plan.monitoring import CHATBOT_REGIONS, chatbot_region
from tests.conftest import EXAMPLES

URL = "https://events.pagerduty.com/integration/abc123/enqueue"
TICKET_URL = "https://events.pagerduty.com/integration/def456/enqueue"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
SLACK = "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration"


def _spec(tmp: Path, **observability: object) -> Path:
    spec = yaml.safe_load((EXAMPLES / "shop.yaml").read_text())
    spec["observability"].update(observability)
    path = tmp / "handoff.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("targets")
    spec = _spec(
        tmp,
        pagerduty={"topics": ["page"]},
        slack={"workspace_id": "T0123ABCD", "channel_id": "C0456EFGH"},
    )
    model = shipspec.plan(shipspec.load(spec), spec_file="handoff.yaml")
    shipspec.generate(model, tmp / "out")
    return tmp / "out"


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("both")
    spec = _spec(tmp, pagerduty={"topics": ["page", "ticket"]})
    model = shipspec.plan(shipspec.load(spec), spec_file="handoff.yaml")
    shipspec.generate(model, tmp / "out")
    return tmp / "out"


def _run(out: Path, env: str, **extra: str):  # type: ignore[no-untyped-def]
    from shipspec.preview.runner import run_stack
    from shipspec.preview.service import stack_config

    project, config = stack_config(out / "infra", env)
    return run_stack(out / "infra", project=project, stack=env, config={**config, **extra})


def test_pagerduty_gets_the_page_topic_and_slack_both(out: Path) -> None:
    resources = _run(out, "prod", pagerdutyUrl=URL).resources
    https = [
        r.inputs for r in resources if r.type == SUBSCRIPTION and r.inputs["protocol"] == "https"
    ]
    assert len(https) == 1
    # The URL carries the integration key: it stays a secret in the state and the preview.
    assert https[0]["endpoint"] == "[secret]" and https[0]["topic"].endswith(":shop-prod-page")
    assert https[0]["endpointAutoConfirms"] is True
    (slack,) = [r.inputs for r in resources if r.type == SLACK]
    assert (slack["slackTeamId"], slack["slackChannelId"]) == ("T0123ABCD", "C0456EFGH")
    assert sorted(a.rsplit(":", 1)[1] for a in slack["snsTopicArns"]) == [
        "shop-prod-page",
        "shop-prod-ticket",
    ]
    (trust,) = [
        r.inputs for r in resources if r.type == "aws:iam/role:Role" and r.name == "chatbot-role"
    ]
    assert '"chatbot.amazonaws.com"' in trust["assumeRolePolicy"]
    # Created where the Chatbot API is, whatever the stack's region.
    assert slack["region"] == chatbot_region(shop_region())
    assert slack["region"] in CHATBOT_REGIONS


def shop_region() -> str:
    region = yaml.safe_load((EXAMPLES / "shop.yaml").read_text())["cloud"]["region"]
    assert isinstance(region, str)
    return region


def test_a_stack_outside_the_chatbot_regions_puts_its_configuration_in_us_west_2() -> None:
    assert chatbot_region("eu-north-1") == "us-west-2"
    assert chatbot_region("eu-central-1") == "us-west-2"
    for region in CHATBOT_REGIONS:
        assert chatbot_region(region) == region


def test_non_production_has_no_page_topic_for_pagerduty(out: Path) -> None:
    resources = _run(out, "dev").resources  # no URL needed: nothing to subscribe it to
    assert not [r for r in resources if r.type == SUBSCRIPTION and r.inputs["protocol"] == "https"]
    (slack,) = [r.inputs for r in resources if r.type == SLACK]
    assert [a.rsplit(":", 1)[1] for a in slack["snsTopicArns"]] == ["shop-dev-ticket"]


def test_a_missing_pagerduty_url_warns_the_preview_and_fails_the_deployment(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pulumi

    from shipspec.preview.runner import ProgramError

    run = _run(out, "prod")
    assert any("pulumi config set --secret pagerdutyUrl" in w for w in run.warnings)
    assert not [r for r in run.resources if r.type == SUBSCRIPTION and r.name == "page-pagerduty"]
    monkeypatch.setattr(pulumi.runtime, "is_dry_run", lambda: False)  # as in `pulumi up`
    with pytest.raises(ProgramError, match="pulumi config set --secret pagerdutyUrl"):
        _run(out, "prod")


def test_a_bad_slack_id_is_a_located_spec_error(tmp_path: Path) -> None:
    spec = _spec(tmp_path, slack={"workspace_id": "t-lower", "channel_id": "C0456EFGH"})
    with pytest.raises(SpecError, match="workspace_id"):
        shipspec.load(spec)


def _ticket_alarms(resources):  # type: ignore[no-untyped-def]
    return [
        r.inputs
        for r in resources
        if r.type in (ALARM, COMPOSITE)
        and any(a.endswith(":shop-prod-ticket") for a in r.inputs.get("alarmActions") or [])
    ]


def test_pages_and_tickets_reach_two_pagerduty_services(both: Path) -> None:
    """Each topic is subscribed to its own secret URL: with only the page URL set, the
    ticket topic is not subscribed to it (every ticket would wake on-call), and `pulumi up`
    fails naming the ticket's key."""
    import pulumi

    from shipspec.preview.runner import ProgramError

    run = _run(both, "prod", pagerdutyUrl=URL)
    subscribed = {r.name for r in run.resources if r.type == SUBSCRIPTION}
    assert "page-pagerduty" in subscribed and "ticket-pagerduty" not in subscribed
    assert any("pulumi config set --secret pagerdutyTicketUrl" in w for w in run.warnings)
    full = _run(both, "prod", pagerdutyUrl=URL, pagerdutyTicketUrl=TICKET_URL)
    https = {
        r.name: r.inputs
        for r in full.resources
        if r.type == SUBSCRIPTION and r.inputs["protocol"] == "https"
    }
    assert set(https) == {"page-pagerduty", "ticket-pagerduty"}
    assert https["ticket-pagerduty"]["topic"].endswith(":shop-prod-ticket")
    # Non-production has only a ticket topic: it needs the ticket URL alone.
    dev = _run(both, "dev", pagerdutyTicketUrl=TICKET_URL)
    assert [
        r.name for r in dev.resources if r.type == SUBSCRIPTION and r.name.endswith("-pagerduty")
    ] == ["ticket-pagerduty"]
    pulumi_dry_run = pulumi.runtime.is_dry_run
    try:
        pulumi.runtime.is_dry_run = lambda: False  # as in `pulumi up`
        with pytest.raises(ProgramError, match="--secret pagerdutyTicketUrl"):
            _run(both, "prod", pagerdutyUrl=URL)
    finally:
        pulumi.runtime.is_dry_run = pulumi_dry_run


def test_ticket_alarms_notify_ok_where_tickets_reach_pagerduty(both: Path, out: Path) -> None:
    """PagerDuty's CloudWatch integration resolves an incident on an OK message only."""
    resolving = _ticket_alarms(
        _run(both, "prod", pagerdutyUrl=URL, pagerdutyTicketUrl=TICKET_URL).resources
    )
    assert resolving
    for alarm in resolving:
        assert alarm["okActions"] == alarm["alarmActions"]
    # Tickets that reach only email and Slack stay ALARM-only notices.
    plain = _ticket_alarms(_run(out, "prod", pagerdutyUrl=URL).resources)
    assert plain and not [a for a in plain if a.get("okActions")]
