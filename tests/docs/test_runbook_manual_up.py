"""A `pulumi up` run by hand deploys what ECS runs, never the committed placeholders.

The committed stack config names every image CI builds ``<app>/<service>:set-by-ci`` (and a
built service's ``migrationImage`` the same); the pipeline sets the real ones before its own
``pulumi up``. The runbook's "Before a manual `pulumi up`" section sets them to what ECS runs
now, and every runbook step that runs ``pulumi up`` by hand links it. Here the section's
commands run under fake ``pulumi`` and ``aws`` (real ``jq``): afterwards no placeholder of the
stack config is left, each service has the image its ECS task definition names, and the
commands are ones the AWS CLI accepts (botocore).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

import shipspec
from shipspec.render.renderer import render
from tests.conftest import EXAMPLES, example_names
from tests.delivery.fake_cli import answer, rule, run_script
from tests.docs.aws_cli import commands, problems

RUNBOOK = "docs/operations/runbook.md"
LINK = "(#before-a-manual-pulumi-up)"
# `pulumi up` in a sentence that is not a step to run it: what the pipeline or the next
# deploy does, or the section's own text.
NOT_A_STEP = re.compile(r"\b(next|pipeline's|its own|so|plain|\[?Before a manual) $")


def built_spec() -> str:
    """full.yaml with the API (which migrates) and the reports job built by CI too."""
    text = (EXAMPLES / "full.yaml").read_text()
    text = text.replace(
        "    type: web\n    image: ghcr.io/example/atlas-api:3.1.0\n",
        "    type: web\n    build: {context: ./api}\n",
        1,
    )
    text = text.replace(
        "    image: ghcr.io/example/atlas-jobs:3.1.0\n", "    build: {context: ./jobs}\n"
    )
    assert "build: {context: ./api}" in text and "build: {context: ./jobs}" in text
    return text


def rendered(text: str) -> dict[str, str]:
    model = shipspec.plan(shipspec.loads(text))
    return dict(render(model, only=["docs", "pulumi"]))


def preface(runbook: str) -> str:
    return runbook.split("## Before a manual `pulumi up`\n")[1].split("\n## ")[0]


def placeholders(config_text: str) -> dict[str, str]:
    """``services.<name>.<key>`` → value, for every set-by-ci value of a stack config."""
    config = YAML(typ="safe").load(config_text)["config"]
    services = next(v for k, v in config.items() if k.endswith(":services"))
    return {
        f"services.{name}.{key}": value
        for name, values in services.items()
        for key, value in values.items()
        if isinstance(value, str) and value.endswith(":set-by-ci")
    }


@pytest.mark.parametrize("name", [*example_names(), "built"])
def test_every_manual_pulumi_up_step_links_the_preface(name: str) -> None:
    text = built_spec() if name == "built" else (EXAMPLES / f"{name}.yaml").read_text()
    runbook = rendered(text)[RUNBOOK]
    assert "## Before a manual `pulumi up`" in runbook
    assert '<a id="before-a-manual-pulumi-up"></a>' in runbook
    body = runbook.replace(preface(runbook), "")
    steps = 0
    for line in body.splitlines():
        for found in re.finditer(r"`pulumi up[^`]*`", line):
            if NOT_A_STEP.search(line[: found.start()]):
                continue
            steps += 1
            assert LINK in line, line
    assert steps > 0


def test_the_preface_sets_every_placeholder_to_what_ecs_runs(tmp_path: Path) -> None:
    files = rendered(built_spec())
    section = preface(files[RUNBOOK])
    [script] = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    wanted = placeholders(files["infra/Pulumi.main.yaml"])
    assert set(wanted) == {
        "services.admin.image",
        "services.api.image",
        "services.api.migrationImage",
        "services.reports.image",
    }
    running = {
        "admin": "123456789012.dkr.ecr.eu-central-1.amazonaws.com/atlas/admin:aaa",
        "api": "123456789012.dkr.ecr.eu-central-1.amazonaws.com/atlas/api:bbb",
    }
    job_image = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/atlas/reports:ccc"
    order = re.findall(r"^# (\S+): the image its ECS service runs now$", script, flags=re.M)
    assert sorted(order) == sorted(running)
    rules = {
        "pulumi": [
            rule("stack output images --json", out={"reports": job_image}),
            rule("config get --path services.api.image", out=running["api"]),
            rule("config get services", out={"api": {"image": running["api"]}}),
            rule("config set"),
        ],
        "aws": [
            rule("ecs describe-services", out="arn:aws:ecs:eu-central-1:1:task-definition/t:7"),
            rule(
                "ecs describe-task-definition",
                answers=[answer(running[s]) for s in order],
            ),
        ],
    }
    # The shell of "Before you start": CLUSTER and each service's variable.
    env = {"CLUSTER": "atlas-main", "ADMIN_SERVICE": "admin-svc", "API_SERVICE": "api-svc"}
    assert "ADMIN_SERVICE=$(" in files[RUNBOOK] and "API_SERVICE=$(" in files[RUNBOOK]
    result = run_script(script, rules, tmp_path, env=env, shell=("bash",))
    assert "stop here" not in result.stdout, result.stdout + result.stderr
    set_to = {}
    for call in result.called("config", "set", "--path"):
        args = call[call.index("--path") + 1 :]
        set_to[args[0]] = args[1]
    assert set_to == {
        "services.admin.image": running["admin"],
        "services.api.image": running["api"],
        "services.api.migrationImage": running["api"],
        "services.reports.image": job_image,
    }
    # Each service's image is read from its own container of the task definition.
    for call, service in zip(result.called("describe-task-definition"), order, strict=True):
        assert f"[?name=='{service}'].image" in " ".join(call)
    for call, service in zip(result.called("describe-services"), order, strict=True):
        assert call[call.index("--services") + 1] == f"{service}-svc"
    found = commands(section, RUNBOOK)
    assert {c.operation for c in found} >= {"describe-services", "describe-task-definition"}
    assert [p for c in found for p in problems(c)] == []


def test_a_service_ecs_does_not_describe_stops_the_preface(tmp_path: Path) -> None:
    section = preface(rendered(built_spec())[RUNBOOK])
    [script] = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    rules = {
        "pulumi": [
            rule("stack output images --json", out={"reports": "r"}),
            rule("config get", out="atlas/api:set-by-ci"),
            rule("config set"),
        ],
        "aws": [
            rule("ecs describe-services", out="arn:aws:ecs:eu-central-1:1:task-definition/t:7"),
            rule("ecs describe-task-definition", out="None"),
        ],
    }
    env = {"CLUSTER": "c", "ADMIN_SERVICE": "a", "API_SERVICE": "b"}
    result = run_script(script, rules, tmp_path, env=env, shell=("bash",))
    assert "stop here" in result.stdout
    assert not [c for c in result.called("config", "set") if "None" in c]


def test_without_built_images_the_preface_says_nothing_to_set() -> None:
    runbook = rendered((EXAMPLES / "shop.yaml").read_text())[RUNBOOK]
    assert "nothing to set first" in preface(runbook)
