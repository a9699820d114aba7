"""alertmanager.yml under amtool: valid config, pages and tickets routed, tickets inhibited."""

from __future__ import annotations

import pytest
import yaml

from tests.monitoring.monitoring_support import EXAMPLES, model_from, run, write


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
