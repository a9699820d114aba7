"""Runbook links a pager app can open: absolute when the spec names the repository's web address.

An alert read in a mail or on a phone has no checkout to resolve ``docs/operations/runbook.md``
against, so ``delivery.repository_url`` turns every ``runbook_url`` annotation and every
CloudWatch alarm description into a link to the runbook on the default branch.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from shipspec.cli import app
from shipspec.plan.model import DeploymentModel
from shipspec.render.prometheus import rule_groups
from shipspec.render.targets._pulumi_monitoring import monitoring_config
from tests.monitoring.monitoring_support import ROOT, model_from, model_of, write

SHOP = (ROOT / "examples" / "shop.yaml").read_text()
SHOP_DELIVERY = "delivery: {ci: github, strategy: canary, test_command: pytest}"
RUNBOOK = "docs/operations/runbook.md#"


def shop_with(delivery: str) -> str:
    assert SHOP_DELIVERY in SHOP
    return SHOP.replace(SHOP_DELIVERY, f"delivery: {delivery}")


def runbook_urls(model: DeploymentModel) -> list[str]:
    return [
        rule["annotations"]["runbook_url"]
        for group in rule_groups(model)
        for rule in group["rules"]
        if "alert" in rule
    ]


def alarm_descriptions(model: DeploymentModel) -> list[str]:
    descriptions = []
    for env in model.environments:
        config = monitoring_config(model, env)
        for kind in ("alarms", "compositeAlarms", "jobFailures"):
            descriptions += [a["description"] for a in config[kind].values()]
    return descriptions


def test_full_links_every_alert_and_alarm_to_the_runbook_on_github() -> None:
    model = model_of("full")
    base = "https://github.com/example/atlas/blob/main/"
    urls, descriptions = runbook_urls(model), alarm_descriptions(model)
    assert urls and descriptions
    assert all(u.startswith(f"{base}{RUNBOOK}slo-") for u in urls), urls
    assert all(f"Runbook: {base}{RUNBOOK}" in d for d in descriptions)
    assert model.monitoring.decision("monitoring.runbook_links").value == base


def test_gitlab_links_use_its_blob_path_and_drop_a_git_suffix() -> None:
    model = model_from(
        shop_with(
            "{ci: gitlab, strategy: canary, test_command: pytest, "
            "repository_url: https://gitlab.example.com/shop/web.git}"
        )
    )
    base = "https://gitlab.example.com/shop/web/-/blob/main/"
    assert all(u.startswith(base + RUNBOOK) for u in runbook_urls(model))
    assert all(f"Runbook: {base}{RUNBOOK}" in d for d in alarm_descriptions(model))


def test_without_a_repository_links_stay_repo_relative_and_the_readme_says_so(
    tmp_path: Path,
) -> None:
    model = model_of("shop")
    assert all(u.startswith(RUNBOOK) for u in runbook_urls(model))
    assert all(f"Runbook: {RUNBOOK}" in d for d in alarm_descriptions(model))
    assert model.monitoring.decision("monitoring.runbook_links").value == "relative"
    readme = (write(model, tmp_path) / "README.md").read_text()
    assert "The spec has no `delivery.repository_url`" in readme


def test_the_monitoring_readme_names_the_absolute_link(tmp_path: Path) -> None:
    readme = (write(model_of("full"), tmp_path) / "README.md").read_text()
    link = "https://github.com/example/atlas/blob/main/docs/operations/runbook.md#<anchor>"
    assert link in readme


def test_validate_hints_at_the_missing_repository_only_when_it_is_missing(tmp_path: Path) -> None:
    runner = CliRunner()
    without = runner.invoke(app, ["validate", str(ROOT / "examples" / "shop.yaml")])
    assert without.exit_code == 0 and "delivery.repository_url" in without.stdout
    spec = tmp_path / "handoff.yaml"
    spec.write_text(
        shop_with(
            "{ci: github, strategy: canary, test_command: pytest, "
            "repository_url: https://github.com/acme/shop}"
        )
    )
    with_url = runner.invoke(app, ["validate", str(spec)])
    assert with_url.exit_code == 0 and "repository_url" not in with_url.stdout


@pytest.mark.parametrize(
    "url",
    ["http://github.com/acme/shop", "https://github.com/acme/shop/", "github.com/acme/shop"],
)
def test_a_repository_url_that_is_not_an_https_web_address_is_refused(
    tmp_path: Path, url: str
) -> None:
    spec = tmp_path / "handoff.yaml"
    spec.write_text(shop_with(f"{{ci: github, strategy: canary, repository_url: '{url}'}}"))
    result = CliRunner().invoke(app, ["validate", str(spec)])
    assert result.exit_code == 1
    assert "delivery.repository_url: must be a repository web address over https" in result.stderr
    assert f"{spec}:" in result.stderr and "Traceback" not in result.output
