"""Runbooks that run: every ``aws`` command in the generated docs and pipelines of every
example is one the AWS CLI accepts (the operation exists, every option is a parameter of
it, the required ones are given), checked against botocore's service models."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import example_names
from tests.docs.aws_cli import Command, commands, problems

# Where generated text tells a person, or CI, to run `aws`.
SCANNED = ("docs/**/*.md", "monitoring/**/*.md", ".github/workflows/*.yml", ".gitlab-ci.yml")


def generated_commands(out: Path) -> list[Command]:
    found = []
    for pattern in SCANNED:
        for path in sorted(out.glob(pattern)):
            found += commands(path.read_text(), str(path.relative_to(out)))
    return found


def test_the_checker_rejects_what_the_cli_would() -> None:
    """Each defect the issue found, and a made-up option, is caught; good commands pass."""
    bad = {
        "aws ecs describe-tasks --cluster x": "missing required --tasks",
        "aws ecs describe-servics --cluster x": "has no operation",
        "aws ecs list-service-deployments --cluster x --service y --state z": "unknown option",
        "aws events list-targets-by-rule": "missing required --rule",
        "aws nosuch thing": "no AWS service",
        "aws ecs wait tasks-stopped --cluster x": "missing required --tasks",
        "aws ecs wait task-stopped --cluster x --tasks t": "has no waiter",
    }
    for text, message in bad.items():
        [command] = commands(f"`{text}`", "test")
        assert any(message in p for p in problems(command)), text
    good = [
        "aws ecs describe-service-deployments --service-deployment-arns a --output json",
        "aws rds modify-db-instance --db-instance-identifier x --no-apply-immediately",
        'aws ecs describe-services --cluster "$C" \\\n  --services "$S" | jq .',
        "aws ecr get-login-password | docker login",
        "aws cloudwatch describe-alarms --alarm-types CompositeAlarm --alarm-names a b",
        'aws ecs wait tasks-stopped --cluster "$C" --tasks "$T"',
    ]
    for text in good:
        [command] = commands(text, "test")
        assert problems(command) == [], text


@pytest.mark.parametrize("name", example_names())
def test_every_aws_command_is_one_the_cli_accepts(name: str, generated) -> None:  # type: ignore[no-untyped-def]
    found = generated_commands(generated.out_dir(name))
    assert found, "the scan found no aws command at all"
    assert [p for c in found for p in problems(c)] == []


def test_the_pipelines_of_both_ci_systems_are_checked(generated) -> None:  # type: ignore[no-untyped-def]
    """The examples between them render a GitHub and a GitLab pipeline with ECS waits."""
    places = {
        c.where for name in example_names() for c in generated_commands(generated.out_dir(name))
    }
    assert ".gitlab-ci.yml" in places and ".github/workflows/deploy.yml" in places


@pytest.mark.parametrize("name", example_names())
def test_commands_name_what_the_reader_has(name: str, generated) -> None:  # type: ignore[no-untyped-def]
    """Composite alarms are described as composites, scheduled jobs through EventBridge
    Scheduler, and the cluster and services come from stack outputs, not a listing."""
    found = generated_commands(generated.out_dir(name))
    model = generated.model(name)
    composites = {c.name for env in model.monitoring.alarms.values() for c in env.composites}
    described = [c for c in found if c.operation == "describe-alarms"]
    for command in described:
        if composites & set(command.text.split()):
            assert "--alarm-types CompositeAlarm" in command.text, command.text
    if composites:
        assert any("--alarm-types CompositeAlarm" in c.text for c in described)
    assert not [c.text for c in found if c.service == "events"]  # no EventBridge rules exist
    if any(s.kind == "job" for s in model.production.services):
        assert any(c.service == "scheduler" for c in found)
    assert not [c.text for c in found if c.operation in ("list-clusters", "list-services")]
    runbook = (generated.out_dir(name) / "docs/operations/runbook.md").read_text()
    assert "CLUSTER=$(pulumi stack output cluster_name)" in runbook


def test_each_engine_s_full_disk_has_its_own_section_and_identifier(generated) -> None:  # type: ignore[no-untyped-def]
    """The full example's RDS, SQL Server and OpenSearch free-storage alarms link to three
    sections; each section's commands use its own engine's identifier, which "Before you
    start" derives from a stack output the program exports."""
    out = generated.out_dir("full")
    runbook = (out / "docs/operations/runbook.md").read_text()
    program = (out / "infra/__main__.py").read_text()
    model = generated.model("full")
    anchors = {
        "postgres": "alarm-free-storage",
        "sqlserver": "alarm-sqlserver-free-storage",
        "opensearch": "alarm-search-free-storage",
    }
    links = {
        a.runbook.partition("#")[2]
        for a in model.monitoring.alarms[model.production.name].alarms
        if a.check == "free-storage"
    }
    assert set(anchors.values()) <= links
    variables = {"postgres": "DB_ID", "sqlserver": "SQLSERVER_ID", "opensearch": "SEARCH_DOMAIN"}
    for engine, anchor in anchors.items():
        section = runbook.split(f'<a id="{anchor}"></a>')[1].split("<a id=")[0]
        own = variables[engine]
        assert f'"${own}"' in section, engine
        assert not [v for v in variables.values() if v != own and f"${v}" in section], engine
        # The section sets the generic variable from the datastore's own, which "Before you
        # start" reads from a stack output.
        store = next(
            d for d in model.production.datastores if d.engine == engine and d.name in section
        )
        mine = f"{store.name.upper().replace('-', '_')}_{own}"
        assert f'{own}="${mine}"' in section, engine
        assert f"\n{mine}=$(pulumi stack output " in runbook
    assert "--max-allocated-storage" in runbook.split('<a id="alarm-free-storage"></a>')[1]
    assert "6 hours" in runbook.split('<a id="alarm-sqlserver-free-storage"></a>')[1]
    search = runbook.split('<a id="alarm-search-free-storage"></a>')[1].split("<a id=")[0]
    assert "aws opensearch update-domain-config" in search and "--ebs-options" in search
    assert 'pulumi.export(\n    "search_domains",' in program
    assert "pulumi stack output search_domains --json | jq -r '.[\"fulltext\"]'" in runbook
