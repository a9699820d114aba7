"""alertmanager.yml under amtool: valid config, pages and tickets routed, tickets inhibited."""

from __future__ import annotations

import pytest
import yaml

from shipspec.plan.planner import plan
from shipspec.spec.loader import load
from tests.monitoring.monitoring_support import EXAMPLES, ROOT, model_from, run, write


@pytest.mark.parametrize("example", EXAMPLES)
def test_amtool_accepts_the_config(example: str, rendered, amtool: str) -> None:
    result = run(amtool, "check-config", str(rendered[example] / "alertmanager.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (["severity=page", "app=shop", "slo=web-availability"], "page"),
        (["severity=ticket", "app=shop", "slo=web-latency"], "ticket"),
        (["alertname=Other"], "ticket"),  # anything unlabelled is at most a ticket
    ],
)
def test_routes(rendered, amtool: str, labels: list[str], receiver: str) -> None:
    config = str(rendered["shop"] / "alertmanager.yml")
    result = run(amtool, "config", "routes", "test", f"--config.file={config}", *labels)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == receiver


def test_a_page_inhibits_the_tickets_of_the_same_slo(rendered) -> None:
    config = yaml.safe_load((rendered["shop"] / "alertmanager.yml").read_text())
    assert config["inhibit_rules"] == [
        {
            "source_matchers": ['severity="page"'],
            "target_matchers": ['severity="ticket"'],
            "equal": ["app", "slo"],
        }
    ]
    emails = {r["name"]: r["email_configs"][0]["to"] for r in config["receivers"]}
    assert emails == {"page": "oncall@example.com", "ticket": "oncall@example.com"}
    assert config["global"]["smtp_smarthost"].endswith(".invalid:587")


NO_EMAIL = """
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: quiet, owner: team}
cloud: {region: eu-west-1}
environments: {prod: {}}
services:
  web: {type: web, image: x/web:1, port: 8080, public: true}
"""


def test_without_an_alert_email_the_receivers_have_no_integration(tmp_path, amtool) -> None:
    folder = write(model_from(NO_EMAIL), tmp_path)
    result = run(amtool, "check-config", str(folder / "alertmanager.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load((folder / "alertmanager.yml").read_text())
    assert config["receivers"] == [{"name": "page"}, {"name": "ticket"}]


def test_pagerduty_and_slack_receivers_where_the_spec_names_them(tmp_path, amtool: str) -> None:
    """observability.pagerduty (pages) and slack (pages and tickets) reach Alertmanager too,
    with their secrets in files, never inline; amtool accepts the result and routes by severity."""
    spec = ROOT / "tests" / "docs" / "specs" / "settlement-review.yaml"
    folder = write(plan(load(spec)), tmp_path)
    config = folder / "alertmanager.yml"
    result = run(amtool, "check-config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    receivers = {r["name"]: r for r in yaml.safe_load(config.read_text())["receivers"]}
    assert receivers["page"]["pagerduty_configs"] == [
        {"routing_key_file": "/etc/alertmanager/pagerduty-routing-key", "send_resolved": True}
    ]
    assert "pagerduty_configs" not in receivers["ticket"]
    for name in ("page", "ticket"):
        assert receivers[name]["slack_configs"][0]["api_url_file"].startswith("/etc/")
    routed = run(
        amtool, "config", "routes", "test", f"--config.file={config}", "severity=page", "slo=x"
    )
    assert routed.stdout.split() == ["page"], routed.stdout


def test_tickets_reach_their_own_low_urgency_pagerduty_service(tmp_path, amtool: str) -> None:
    """With ``pagerduty: {topics: [page, ticket]}`` the ticket receiver reads its own
    integration key (a low-urgency PagerDuty service) and sends severity warning, so a
    ticket never reaches the service that pages on-call; amtool accepts the config. amtool
    does not check the severity (a template); the Events API v2 takes critical, error,
    warning or info, so the value is checked here against that list."""
    spec = yaml.safe_load(
        (ROOT / "tests" / "docs" / "specs" / "settlement-review.yaml").read_text()
    )
    spec["observability"]["pagerduty"] = {"topics": ["page", "ticket"]}
    path = tmp_path / "handoff.yaml"
    path.write_text(yaml.safe_dump(spec))
    folder = write(plan(load(path)), tmp_path / "out")
    config = folder / "alertmanager.yml"
    result = run(amtool, "check-config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    receivers = {r["name"]: r for r in yaml.safe_load(config.read_text())["receivers"]}
    (page,) = receivers["page"]["pagerduty_configs"]
    (ticket,) = receivers["ticket"]["pagerduty_configs"]
    assert ticket["routing_key_file"] != page["routing_key_file"]
    assert ticket["routing_key_file"] == "/etc/alertmanager/pagerduty-ticket-routing-key"
    assert ticket["severity"] == "warning" and "severity" not in page
    assert ticket["severity"] in {"critical", "error", "warning", "info"}
    readme = (folder / "README.md").read_text()
    assert "/etc/alertmanager/pagerduty-ticket-routing-key" in readme


def test_slack_says_page_or_ticket_like_the_emails(tmp_path, amtool: str) -> None:
    """Both receivers may post to the same Slack channel (observability.slack with topics
    page and ticket): the message's title carries [PAGE] or [TICKET], as the emails' subject
    does, and its text each alert's summary, description and runbook link. amtool accepts
    the config and renders both templates."""
    spec = ROOT / "tests" / "docs" / "specs" / "settlement-review.yaml"
    folder = write(plan(load(spec)), tmp_path)
    config = folder / "alertmanager.yml"
    assert run(amtool, "check-config", str(config)).returncode == 0
    receivers = {r["name"]: r for r in yaml.safe_load(config.read_text())["receivers"]}
    empty = tmp_path / "none.tmpl"
    empty.write_text("")
    for name in ("page", "ticket"):
        (slack,) = receivers[name]["slack_configs"]
        subject = receivers[name]["email_configs"][0]["headers"]["Subject"]
        assert slack["title"] == subject
        assert slack["title"].startswith(f"[{name.upper()}] ")
        assert "{{ .Annotations.runbook_url }}" in slack["text"]
        for template in (slack["title"], slack["text"]):
            rendered = run(
                amtool,
                "template",
                "render",
                f"--template.glob={empty}",
                f"--template.text={template}",
            )
            assert rendered.returncode == 0, rendered.stderr
        assert rendered.stdout.startswith(":") and "Runbook:" in rendered.stdout
