"""The generated documents say what the program does, case by case: how a service scales,
which SLOs are measured, the engine versions the program sets, how to roll back, what
reaches which receiver, the roles CI assumes and how to loosen the WAF."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import shipspec
from shipspec.plan.model import DeploymentModel
from shipspec.render.renderer import render
from tests.conftest import EXAMPLES

DOCS = "docs/operations"


def model_of(name: str) -> DeploymentModel:
    return shipspec.plan(shipspec.load(EXAMPLES / f"{name}.yaml"), spec_file=f"{name}.yaml")


@pytest.fixture(scope="module")
def full() -> DeploymentModel:
    return model_of("full")


@pytest.fixture(scope="module")
def full_files(full: DeploymentModel) -> dict[str, str]:
    return dict(render(full))


def _row(table_text: str, first_cell: str) -> list[str]:
    for line in table_text.splitlines():
        if line.startswith(f"| {first_cell} |"):
            return [c.strip() for c in line.strip("|").split("|")]
    raise AssertionError(f"no row {first_cell!r}")


def test_a_queue_scaled_worker_is_described_by_its_backlog(
    full: DeploymentModel, full_files: dict[str, str]
) -> None:
    handoff = full_files[f"{DOCS}/handoff.md"]
    for env in full.environments:
        indexer = env.service("indexer")
        assert indexer.queue_scaling is not None
        section = handoff.split(f"## Environment: {env.name}\n")[1].split("\n## ")[0]
        scaling = _row(section, "indexer")[4]
        per_task = indexer.queue_scaling.messages_per_task
        assert scaling == f"queue backlog (events), {per_task} messages per task"
        # A CPU-scaled service keeps its CPU target.
        assert _row(section, "api")[4] == f"CPU {env.service('api').cpu_target}%"
        # Its CPU alarm does not promise that autoscaling holds CPU down.
        (cpu,) = [
            a
            for a in full.monitoring.alarms[env.name].alarms
            if a.target == "service:indexer" and a.check == "cpu"
        ]
        assert "holds CPU" not in cpu.reason and "backlog of queue events" in cpu.reason
    baseline = full_files[f"{DOCS}/baseline.md"]
    assert "| indexer |" in baseline and "queue backlog (events)" in _row(baseline, "indexer")[3]
    runbook = full_files[f"{DOCS}/runbook.md"]
    assert "**CPU (queue consumer).** A queue consumer scales on its queue's backlog" in runbook


def test_an_slo_the_stack_cannot_measure_is_named_with_what_watches_instead(
    full: DeploymentModel, full_files: dict[str, str]
) -> None:
    assert "indexer" not in {s.service for s in full.monitoring.slos}
    assert any(s.service == "indexer" for s in full.slos)
    queue_alarms = [
        a.name
        for a in full.monitoring.alarms[full.monitoring.environment].alarms
        if a.target == "datastore:events" and a.notify
    ]
    assert f"{full.app}-{full.monitoring.environment}-events-oldest-message" in queue_alarms
    for path in (f"{DOCS}/handoff.md", "monitoring/README.md"):
        text = full_files[path]
        row = _row(text, "indexer availability: **not implemented**")
        assert row[1].startswith("99.5") and row[2].startswith("not measured: indexer is a worker")
        paragraph = text.split("indexer availability SLO has no rule")[1].split("\n\n")[0]
        for name in queue_alarms:
            assert f"`{name}`" in paragraph, (path, name)
        assert "-indexer-cpu`" not in paragraph


def test_the_monitoring_readme_matches_the_collector_and_the_receivers(
    full: DeploymentModel, full_files: dict[str, str]
) -> None:
    readme = full_files["monitoring/README.md"]
    assert "drops `service.namespace`" not in readme
    collector = (EXAMPLES.parent / "blueprints/pulumi/infra/components/_collector.py").read_text()
    assert '"processors": ["memory_limiter", "batch"]' in collector
    assert "its processors are `memory_limiter` and `batch`" in readme
    # The rules select the namespaced job the README describes.
    rules = full_files[f"monitoring/prometheus/{full.app}-slos.rules.yml"]
    assert f'job="{full.app}/{full.app}-api"' in rules
    assert f'`job="{full.app}/{full.app}-api"`' in readme
    # AMP publishes plain text: Chatbot drops it, email gets it.
    managed = readme.split("**Managed path")[1].split("\n\n")[0]
    assert "**only email receives Prometheus alerts**" in managed
    assert "gets the CloudWatch alarms but not the\nPrometheus alerts" in managed


def test_without_pagerduty_the_readme_describes_no_pagerduty_receiver() -> None:
    files = dict(render(model_of("webapp"), only=["monitoring"]))
    readme = files["monitoring/README.md"]
    assert "PagerDuty integration" not in readme and "pagerduty_configs" not in readme
    assert "The spec configures no PagerDuty" in readme
    assert "pagerduty" not in files["monitoring/alertmanager.yml"]


def test_the_burn_rate_floor_is_stated_per_window(
    full: DeploymentModel, full_files: dict[str, str]
) -> None:
    from shipspec.plan.monitoring import seconds

    floor = full.monitoring.decision(f"alarms.{full.production.name}.min_requests").value
    burns = [a for a in full.monitoring.alarms[full.production.name].alarms if "burn-" in a.check]
    assert burns
    windows = set()
    for a in burns:
        window = a.check.rsplit("-", 1)[1]
        windows.add(window)
        # The floor applies to the requests summed over the alarm's own period: the window.
        assert a.period_seconds == seconds(window) and f">= {floor}," in (a.expression or "")
    readme = full_files["monitoring/README.md"]
    assert "same number per window, not per minute" in readme
    listed = re.search(r"window \(([^)]*)\) held", readme)
    assert listed and set(listed.group(1).split(", ")) == windows


@pytest.mark.parametrize("name", ["full", "webapp"])
def test_rollback_reads_what_runs_and_where_the_previous_image_is_recorded(name: str) -> None:
    files = dict(render(model_of(name)))
    pipeline = files[".github/workflows/deploy.yml" if name == "full" else ".gitlab-ci.yml"]
    # The deploy job prints what ran before it: the docs send the reader there.
    assert 'echo "Running before this deploy:"' in pipeline
    for path in (f"{DOCS}/handoff.md", f"{DOCS}/runbook.md"):
        text = files[path]
        assert "`pulumi stack output images` shows what runs" not in text
        assert "`pulumi stack output images --stack <env>`, then" not in text
        assert "--query 'services[0].taskDefinition'" in text, path
        assert "--query 'taskDefinition.containerDefinitions[].[name,image]'" in text, path
        assert '"Running before this deploy:"' in text, path
        where = "`deploy-<env>` job" if name == "full" else "`deploy:<env>` job"
        assert where in text, path
        flat = " ".join(text.split())
        assert "revert the release commit" in flat, path
        assert (
            "the next pipeline deploys the repository's stack config again and undoes it" in (flat)
            or "is undone by the next pipeline unless the same change is committed" in flat
        )
    handoff = files[f"{DOCS}/handoff.md"]
    assert "- `images`: the image the stack config names for each service" in handoff


def test_the_waf_section_exists_only_with_a_waf(full_files: dict[str, str]) -> None:
    webapp = model_of("webapp")
    assert not any(lb.waf for lb in webapp.production.load_balancers)
    assert not any(site.waf for site in webapp.production.static_sites)
    assert "\n## WAF\n" not in dict(render(webapp, only=["docs"]))[f"{DOCS}/runbook.md"]
    waf = full_files[f"{DOCS}/runbook.md"].split("\n## WAF\n")[1].split("\n## ")[0]
    assert "`BlockedRequests`" in waf and "aws logs start-query" in waf
    assert "--query-string file://waf-blocks.query" in waf


def _waf_update(runbook: str) -> str:
    """The runbook's WAF step 3 from reading the description to ``update-web-acl``, as the
    shell lines an operator pastes (continuations joined)."""
    waf = runbook.split("\n## WAF\n")[1].split("\n## ")[0]
    block = waf[waf.index("DESCRIPTION=") :]
    block = block[: block.index("```")]
    return "\n".join(line.strip() for line in block.splitlines())


@pytest.mark.skipif(not shutil.which("jq"), reason="needs jq")
@pytest.mark.parametrize("description", [None, "AWS managed protections and a per-IP rate limit"])
def test_the_waf_update_keeps_the_description_and_never_writes_null(
    full_files: dict[str, str], tmp_path: Path, description: str | None
) -> None:
    """update-web-acl replaces the whole ACL: the runbook passes the description get-web-acl
    returned, and no ``--description`` at all for an ACL without one (``jq -r`` prints
    ``null`` for a missing field, which WAF would store as the description)."""
    acl: dict[str, object] = {"WebACL": {"Name": "public-waf"}, "LockToken": "token-1"}
    if description:
        acl["WebACL"]["Description"] = description  # type: ignore[index]
    (tmp_path / "acl.json").write_text(json.dumps(acl))
    script = (
        'aws() { for a in "$@"; do printf "%s\\n" "$a"; done; }\n'
        "ACL_NAME=public-waf; ACL_ID=abc\n" + _waf_update(full_files[f"{DOCS}/runbook.md"])
    )
    run = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    args = run.stdout.splitlines()
    assert args[:2] == ["wafv2", "update-web-acl"]
    assert "null" not in args
    if description:
        assert args[args.index("--description") + 1] == description
    else:
        assert "--description" not in args
    assert args[args.index("--lock-token") + 1] == "token-1"


def test_the_waf_section_finds_the_blocking_rule_from_sampled_requests(
    full_files: dict[str, str],
) -> None:
    """Step 1 samples what a rule matched: the ACL's ARN, its scope, a rule metric name the
    program gives (``<acl>-<rule>``) and a time window within WAF's 3 hours."""
    waf = full_files[f"{DOCS}/runbook.md"].split("\n## WAF\n")[1].split("\n## ")[0]
    flat = " ".join(waf.replace("\\\n", " ").split())
    assert 'aws wafv2 get-sampled-requests --scope REGIONAL --web-acl-arn "$ACL_ARN"' in flat
    assert "--rule-metric-name public-waf-AWSManagedRulesSQLiRuleSet" in flat
    assert "StartTime=\"$(date -u -d '-1 hour'" in flat
    assert "'WebACL.[Name,Id,ARN]'" in flat  # the ARN read before it is used
    # The rate limit, per client IP and shared behind a NAT, with each stack's value.
    assert "main 36000 requests per 5 minutes" in flat
    assert "is one IP and shares the limit" in flat


STATIC_ONLY = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: brochure, owner: team-web}
cloud: {region: eu-west-1}
environments: {dev: {}, prod: {}}
services:
  site: {type: static, source: public}
  mailer: {type: worker, image: x:1}
requirements:
  availability: 99.9
  security: {waf: true}
"""


def test_a_static_site_only_waf_section_runs_in_us_east_1_without_a_region_dimension() -> None:
    """No public web service, so no load balancer ACL: the only one is the site's
    CloudFront ACL, whose alarms live in us-east-1 and whose metrics have no ``Region``;
    every aws command is one the CLI accepts (botocore's models), none with an empty
    ``--alarm-names``."""
    from tests.docs.aws_cli import commands, problems

    model = shipspec.plan(shipspec.loads(STATIC_ONLY), spec_file="brochure.yaml")
    runbook = dict(render(model, only=["docs"]))[f"{DOCS}/runbook.md"]
    waf = runbook.split("\n## WAF\n")[1].split("\n## ")[0]
    assert "brochure-prod-site-waf-blocked-share" in waf
    assert "Name=Region" not in waf
    found = commands(waf, "runbook.md")
    assert found and [p for c in found for p in problems(c)] == []
    describe = [line for line in waf.splitlines() if "describe-alarms" in line]
    assert describe and all("--region us-east-1" in line for line in describe)
