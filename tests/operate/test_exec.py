"""``shipspec exec``: the running task is found through ECS (moto), the session command is
the AWS CLI's ``execute-command``, and what a session needs is checked first.

moto runs tasks (RunTask) but keeps no ``enableExecuteCommand`` on them, moves them on to
STOPPED by its own clock, and ignores ListTasks' ``serviceName`` filter; AWS returns the
flag on every DescribeTasks task (a boolean member of botocore's ``Task`` shape). The tests
add it, and RUNNING for the tasks they started, to moto's answer through botocore's
``after-call`` event, as AWS would send them for a running task.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from typer.testing import CliRunner

from shipspec.cli import app
from shipspec.operate.stack import StackContext

from .conftest import Deployed, client

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("pulumi_outputs_on_path")


def run(deployed: Deployed, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [*args, "--out", str(deployed.out_dir)])


def start_task(deployed: Deployed, service: str, *, exec_enabled: bool) -> str:
    ecs = client("ecs")
    cluster = deployed.outputs["cluster_name"]
    family = f"atlas-dev-{service}"
    task = ecs.run_task(
        cluster=cluster,
        taskDefinition=family,
        launchType="FARGATE",
        startedBy=f"ecs-svc/{service}",
        networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-1"]}},
    )["tasks"][0]
    EXEC_FLAGS[task["taskArn"]] = exec_enabled
    return str(task["taskArn"])


EXEC_FLAGS: dict[str, bool] = {}


def _add_exec_flag(parsed: dict[str, Any], **_: Any) -> None:
    for task in parsed.get("tasks", []):
        task["enableExecuteCommand"] = EXEC_FLAGS.get(task["taskArn"], False)
        if task["taskArn"] in EXEC_FLAGS:  # started by the test: running, as Fargate has it
            task["lastStatus"] = "RUNNING"


@pytest.fixture(autouse=True)
def ecs_answers_like_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    EXEC_FLAGS.clear()
    original = StackContext.client

    def client_with_flag(self: StackContext, service: str) -> Any:
        made = original(self, service)
        if service == "ecs":
            made.meta.events.register("after-call.ecs.DescribeTasks", _add_exec_flag)
        return made

    monkeypatch.setattr(StackContext, "client", client_with_flag)


def test_the_task_shape_carries_the_flag_the_tests_add() -> None:
    shape = botocore.session.get_session().get_service_model("ecs").shape_for("Task")
    assert shape.members["enableExecuteCommand"].type_name == "boolean"


def test_json_names_the_running_task_and_the_session_command(deployed: Deployed) -> None:
    old = start_task(deployed, "api", exec_enabled=False)
    new = start_task(deployed, "api", exec_enabled=True)
    result = run(deployed, "exec", "api", "--env", "dev", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["task"] == new != old
    assert found["container"] == "api" and found["command"] == "/bin/sh"
    assert found["argv"] == [
        "aws", "ecs", "execute-command", "--region", "eu-central-1",
        "--cluster", deployed.outputs["cluster_name"], "--task", new,
        "--container", "api", "--interactive", "--command", "/bin/sh",
    ]  # fmt: skip


def test_dry_run_prints_the_command_with_the_chosen_container_and_command(
    deployed: Deployed,
) -> None:
    task = start_task(deployed, "api", exec_enabled=True)
    result = run(deployed, "exec", "api", "--env", "dev", "--command", "ls -la /app", "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"--task {task}" in result.stdout
    assert "--command 'ls -la /app'" in result.stdout
    bad = run(deployed, "exec", "api", "--env", "dev", "--container", "nginx", "--dry-run")
    assert bad.exit_code == 1 and "has no container 'nginx'" in bad.stderr
    assert "it has api" in bad.stderr


def test_tasks_started_before_exec_was_enabled_are_refused(deployed: Deployed) -> None:
    start_task(deployed, "api", exec_enabled=False)
    result = run(deployed, "exec", "api", "--env", "dev", "--json")
    assert result.exit_code == 1
    assert "started before ECS Exec was enabled" in result.stderr
    assert "--force-new-deployment" in result.stderr


def test_no_running_task_is_a_located_error(deployed: Deployed) -> None:
    result = run(deployed, "exec", "api", "--env", "dev", "--json")
    assert result.exit_code == 1 and "api in dev has no running task" in result.stderr
    assert "Traceback" not in result.output


def test_a_job_and_an_unknown_service_are_refused(deployed: Deployed) -> None:
    job = run(deployed, "exec", "reports", "--env", "dev", "--json")
    assert job.exit_code == 1 and "scheduled job" in job.stderr
    unknown = run(deployed, "exec", "nope", "--env", "dev", "--json")
    assert unknown.exit_code == 1 and "no service 'nope'" in unknown.stderr


def _path_with(tmp_path: Path, *tools: str) -> str:
    folder = tmp_path / "tools"
    folder.mkdir(exist_ok=True)
    for tool in tools:
        script = folder / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $*" >> {tmp_path / "calls.txt"}\nexit 7\n')
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    pulumi = Path(os.environ["PATH"].split(os.pathsep)[0])  # the fake pulumi's folder
    return os.pathsep.join([str(folder), str(pulumi), "/usr/bin", "/bin"])


def test_a_session_needs_the_aws_cli_and_the_session_manager_plugin(
    deployed: Deployed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start_task(deployed, "api", exec_enabled=True)
    monkeypatch.setenv("PATH", _path_with(tmp_path, "aws"))
    result = run(deployed, "exec", "api", "--env", "dev")
    assert result.exit_code == 1
    assert "`session-manager-plugin` is not on the PATH" in result.stderr
    assert "session-manager-working-with-install-plugin" in result.stderr
    assert not (tmp_path / "calls.txt").exists()  # nothing ran


def test_a_session_runs_the_aws_cli_and_passes_its_exit_code(
    deployed: Deployed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = start_task(deployed, "api", exec_enabled=True)
    monkeypatch.setenv("PATH", _path_with(tmp_path, "aws", "session-manager-plugin"))
    result = run(deployed, "exec", "api", "--env", "dev", "--command", "env")
    assert result.exit_code == 7
    call = (tmp_path / "calls.txt").read_text()
    assert call.startswith("aws ecs execute-command --region eu-central-1")
    assert f"--task {task}" in call and "--interactive --command env" in call
