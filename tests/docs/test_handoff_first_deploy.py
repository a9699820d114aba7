"""The handoff's "Before the first deploy" names what the stack needs from a person.

PagerDuty: the exact secret config key the generated program reads, once per stack that
subscribes PagerDuty (a stack whose alarms do not page has no ``page`` topic to
subscribe). Slack: the AWS Chatbot workspace authorisation, which must come before the
first deploy because CreateSlackChannelConfiguration takes only a workspace authorised
with AWS Chatbot (botocore's chatbot model, ``SlackTeamId``).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import botocore.session
import pytest
from ruamel.yaml import YAML

from shipspec.plan.planner import plan
from shipspec.render.renderer import render
from shipspec.render.targets._commands import UV_VERSION
from shipspec.spec.loader import load
from tests.delivery.delivery_support import example_specs

HANDOFF = "docs/operations/handoff.md"


_TMP: list[Any] = []


@pytest.fixture(autouse=True)
def _folder(tmp_path: Any) -> None:
    _TMP[:] = [tmp_path]


def _render(spec: dict[str, Any]) -> dict[str, str]:
    path = _TMP[0] / "handoff.yaml"
    with path.open("w") as stream:
        YAML().dump(spec, stream)
    model = plan(load(path), spec_file="handoff.yaml")
    return dict(render(model, only=["docs", "pulumi"]))


def _first_steps(files: dict[str, str]) -> str:
    handoff = files[HANDOFF]
    return handoff.split("## Before the first deploy", 1)[1].split("\n## ", 1)[0]


def test_pagerduty_step_sets_the_key_the_program_reads_per_paging_stack() -> None:
    files = _render(example_specs()["full"])
    key = re.search(r'config\.get_secret\("([^"]+)"\)', files["infra/__main__.py"])
    assert key, "the program reads PagerDuty's URL from secret config"
    steps = _first_steps(files)
    commands = re.findall(r"pulumi config set --secret (\S+) '[^']+' --stack (\S+)`", steps)
    stacks_with_pager = [
        path.removeprefix("infra/Pulumi.").removesuffix(".yaml")
        for path, text in files.items()
        if path.startswith("infra/Pulumi.") and "pagerdutyTopics" in text
    ]
    assert stacks_with_pager == ["main"]  # only production pages
    assert commands == [(key.group(1), "main")]


def test_no_pagerduty_step_without_pagerduty() -> None:
    spec = copy.deepcopy(example_specs()["full"])
    spec["observability"].pop("pagerduty")
    steps = _first_steps(_render(spec))
    assert "pagerdutyUrl" not in steps and "PagerDuty" not in steps


def test_slack_step_authorises_the_workspace_before_the_first_deploy() -> None:
    files = _render(example_specs()["full"])
    steps = _first_steps(files)
    slack = next(s for s in re.split(r"\n(?=\d+\. )", steps) if "AWS Chatbot" in s)
    assert "T0ATLAS01" in slack and "C0ALERTS1" in slack
    assert "before their first deploy" in slack and "fails" in slack
    # What the step says fails is what the API documents: an authorised workspace only.
    model = botocore.session.get_session().get_service_model("chatbot")
    operation = model.operation_model("CreateSlackChannelConfiguration")
    assert "authorized" in operation.input_shape.members["SlackTeamId"].documentation
    assert "aws:chatbot:SlackChannelConfiguration" in slack or "SlackChannelConfiguration" in slack
    # full deploys to eu-central-1, which has no Chatbot API: the step names where it is.
    flat = " ".join(slack.split())
    assert "created in us-west-2 (the Chatbot API exists only in" in flat
    assert "subscribes the stack's topics in eu-central-1" in flat


def test_slack_step_in_a_chatbot_region_names_the_stack_s_region() -> None:
    spec = copy.deepcopy(example_specs()["full"])
    spec["cloud"]["region"] = "eu-west-1"
    steps = _first_steps(_render(spec))
    slack = " ".join(
        next(s for s in re.split(r"\n(?=\d+\. )", steps) if "AWS Chatbot" in s).split()
    )
    assert "created in eu-west-1:" in slack and "exists only in" not in slack
    assert "describe-slack-channel-configurations --region eu-west-1" in slack


def test_steps_are_numbered_in_order() -> None:
    steps = _first_steps(_render(example_specs()["full"]))
    numbers = [int(n) for n in re.findall(r"^(\d+)\. \*\*", steps, flags=re.M)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 6


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_test_command_is_said_to_install_its_own_dependencies(ci: str) -> None:
    """The test job runs delivery.test_command verbatim on a clean runner: `bundle exec
    rspec` with no `bundle install` can never pass, and shipspec guesses no toolchain."""
    spec = copy.deepcopy(example_specs()["full"])
    spec["delivery"]["ci"] = ci
    spec["delivery"]["test_command"] = "bundle exec rspec"
    _render(spec)  # writes handoff.yaml
    files = dict(render(plan(load(_TMP[0] / "handoff.yaml"), spec_file="handoff.yaml")))
    steps = _first_steps(files)
    step = " ".join(
        next(s for s in re.split(r"\n(?=\d+\. )", steps) if "test command" in s).split()
    )
    assert "runs `bundle exec rspec` verbatim" in step
    assert "must install its own, e.g. `bundle install && bundle exec rspec`" in step
    if ci == "github":
        assert "on a fresh `ubuntu-24.04` runner (no toolchain set up)" in step
        workflow = files[".github/workflows/pull-request.yml"]
    else:
        assert "in a fresh `ruby:" in step
        workflow = files[".gitlab-ci.yml"]
    comment = workflow.split("bundle exec rspec")[0].rsplit("\n", 4)[1:]
    assert "must install its own" in " ".join(comment), comment


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_handoff_says_which_tools_the_test_job_installs(ci: str) -> None:
    spec = copy.deepcopy(example_specs()["full"])
    spec["delivery"].update(ci=ci, test_command="uv sync --frozen && uv run pytest -q")
    steps = " ".join(_first_steps(_render(spec)).split())
    assert f"uv {UV_VERSION} installed first" in steps
    assert "the job installs only those the command names itself" in steps


def test_the_handoff_lists_what_the_pipeline_reads_from_the_repository() -> None:
    """Build contexts (a service's with its Dockerfile), committed folders and the manifests
    and lock files the commands demand: each missing one fails a job (`uv sync` without
    pyproject.toml, `uv sync --frozen` without uv.lock; `pnpm install --frozen-lockfile`)."""
    spec = copy.deepcopy(example_specs()["full"])
    spec["delivery"]["test_command"] = "uv sync --frozen && uv run pytest -q"
    build = spec["services"]["storefront"]["build"]
    build["command"] = "pnpm install --frozen-lockfile && pnpm build"
    steps = _first_steps(_render(spec))
    step = steps.split("**What the pipeline reads from the repository.**")[1]
    step = re.split(r"\n\d+\. \*\*", step)[0]
    items = [" ".join(i.split()) for i in re.split(r"\n   - ", step)[1:]]
    context = build["context"].removeprefix("./")
    admin = spec["services"]["admin"]["build"]
    assert [i.split(":")[0] for i in items] == [
        "`pyproject.toml`",
        "`uv.lock`",
        "`admin/`",
        f"`admin/{admin['dockerfile']}`",
        f"`{context}/`",
        f"`{context}/package.json`",
        f"`{context}/pnpm-lock.yaml`",
        "`handbook/site/`, with its `index.html`",
    ]
    assert "`uv sync --frozen`, in the test command, does not run without it" in items[0]
    assert "`uv sync --frozen`, in the test command, refuses to run without it" in items[1]
    assert "CI builds the image of admin from this folder" in items[2]
    assert "`pnpm install --frozen-lockfile`, in storefront's build command" in items[5]


def test_no_test_step_without_a_test_command() -> None:
    spec = copy.deepcopy(example_specs()["full"])
    spec["delivery"].pop("test_command", None)
    assert "test command" not in _first_steps(_render(spec))


def test_tickets_to_pagerduty_set_their_own_url_in_every_stack() -> None:
    """``topics: [page, ticket]``: production sets both keys, the other stacks (no page
    topic) the ticket's only; each key is one the program reads, and they differ."""
    spec = copy.deepcopy(example_specs()["full"])
    spec["observability"]["pagerduty"] = {"topics": ["page", "ticket"]}
    files = _render(spec)
    read = re.findall(
        r'"(page|ticket)": config\.get_secret\("([^"]+)"\)', files["infra/__main__.py"]
    )
    keys = dict(read)
    assert set(keys) == {"page", "ticket"} and keys["page"] != keys["ticket"]
    steps = _first_steps(files)
    commands = re.findall(r"pulumi config set --secret (\S+) '[^']+' --stack (\S+)`", steps)
    by_stack: dict[str, list[str]] = {}
    for key, stack in commands:
        by_stack.setdefault(stack, []).append(key)
    assert by_stack.pop("main") == [keys["page"], keys["ticket"]]
    assert by_stack and all(found == [keys["ticket"]] for found in by_stack.values())
    assert "low-urgency" in steps


def test_the_go_live_step_sets_a_paging_alarm_of_each_region_to_alarm_and_back() -> None:
    """The pager path is tested before going live: one paging alarm of the stack's region
    and one of us-east-1, named as the production stack config names them (where the
    program creates them, in that region), each set to ALARM then OK; the commands are ones
    the AWS CLI accepts (botocore's cloudwatch model)."""
    from tests.docs.aws_cli import commands, problems

    files = _render(example_specs()["full"])
    handoff = files[HANDOFF]
    step = handoff.split("## Before going live: test the pager path", 1)[1].split("\n## ", 1)[0]
    found = re.findall(
        r"aws cloudwatch set-alarm-state --alarm-name (\S+) --state-value (ALARM|OK) "
        r"--state-reason '[^']+'( --region us-east-1)?`",
        step,
    )
    alarms = YAML(typ="safe").load(files["infra/Pulumi.main.yaml"])["config"]["atlas:alarms"]
    raised = [(name, bool(east)) for name, state, east in found if state == "ALARM"]
    cleared = [(name, bool(east)) for name, state, east in found if state == "OK"]
    assert raised == cleared and len(raised) == 2
    (regional, _), (east, _) = raised
    assert [e for _, e in raised] == [False, True]
    assert alarms[regional]["pages"] and "region" not in alarms[regional]
    assert alarms[east]["pages"] and alarms[east]["region"] == "us-east-1"
    assert "PagerDuty" in step and "C0ALERTS1" in step
    for command in commands(step, HANDOFF):
        assert problems(command) == [], command


def test_a_stack_without_us_east_1_alarms_tests_its_regional_pager_only() -> None:
    files = _render(example_specs()["minimal"])
    step = files[HANDOFF].split("## Before going live", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"`aws cloudwatch set-alarm-state [^`]+`", step)
    assert len(commands) == 2 and not [c for c in commands if "--region" in c]
