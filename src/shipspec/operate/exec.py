"""``shipspec exec``: a shell (or one command) in a running task of a service, by ECS Exec.

The task is found through the ECS API: ListTasks for the service's running tasks, then
DescribeTasks for their state, containers and ``enableExecuteCommand`` (a task keeps the
setting it started with, so tasks from before exec was enabled refuse a session). The
session itself is the AWS CLI's ``aws ecs execute-command --interactive``, which needs the
Session Manager plugin beside it: the CLI starts ``session-manager-plugin`` for the
session's stream. Both are checked before anything runs, with a located message naming
the install when one is missing, as ``doctor`` does.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Any

from .errors import OperateError, aws_error
from .stack import StackContext

DEFAULT_COMMAND = "/bin/sh"
TOOLS = {
    "aws": "install the AWS CLI: https://docs.aws.amazon.com/cli/latest/userguide/"
    "getting-started-install.html",
    "session-manager-plugin": "install the Session Manager plugin for the AWS CLI: "
    "https://docs.aws.amazon.com/systems-manager/latest/userguide/"
    "session-manager-working-with-install-plugin.html",
}


@dataclass(frozen=True)
class ExecTarget:
    """The task and container a session opens in, and the command that opens it."""

    environment: str
    service: str
    cluster: str
    task_arn: str
    container: str
    command: str
    argv: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "service": self.service,
            "cluster": self.cluster,
            "task": self.task_arn,
            "container": self.container,
            "command": self.command,
            "argv": self.argv,
        }


def exec_target(
    stack: StackContext, service: str, *, container: str | None = None, command: str | None = None
) -> ExecTarget:
    """Find a running task of ``service`` that accepts ECS Exec; build the CLI command."""
    from botocore.exceptions import BotoCoreError, ClientError

    plan = stack.service(service)
    env = stack.env.name
    if plan.kind == "job":
        raise OperateError(
            f"{service} is a scheduled job: its task ends with its run, there is nothing to "
            "exec into\n  hint: `shipspec logs` shows what its runs printed"
        )
    if not plan.execute_command:
        raise OperateError(
            f"ECS Exec is off for {service} in {env} "
            f"({'production' if stack.env.production else 'the spec says exec: false'})\n"
            f"  hint: set `exec: true` on services.{service} in the handoff spec, "
            "`shipspec generate`, and deploy"
        )
    cluster = str(stack.output("cluster_name"))
    names = stack.output("service_names")
    if not isinstance(names, dict) or service not in names:
        raise OperateError(
            f"stack {env!r} exports no ECS service name for {service}\n"
            f"  hint: deploy the current program: `pulumi up --stack {env}`"
        )
    ecs = stack.client("ecs")
    try:
        arns = [
            arn
            for page in ecs.get_paginator("list_tasks").paginate(
                cluster=cluster, serviceName=names[service], desiredStatus="RUNNING"
            )
            for arn in page.get("taskArns", [])
        ]
        tasks = ecs.describe_tasks(cluster=cluster, tasks=arns[:100])["tasks"] if arns else []
    except (ClientError, BotoCoreError) as error:
        raise aws_error(error, f"running tasks of {service} in {env}") from None
    running = sorted(
        (t for t in tasks if t.get("lastStatus") == "RUNNING"), key=lambda t: t["taskArn"]
    )
    if not running:
        raise OperateError(
            f"{service} in {env} has no running task\n"
            f"  hint: `shipspec status --env {env}` shows its desired and running counts"
        )
    enabled = [t for t in running if t.get("enableExecuteCommand") is True]
    if not enabled:
        raise OperateError(
            f"the running tasks of {service} in {env} started before ECS Exec was enabled\n"
            f"  hint: start new ones: `aws ecs update-service --cluster {cluster} "
            f"--service {names[service]} --force-new-deployment`"
        )
    task = enabled[0]
    containers = [c["name"] for c in task.get("containers", [])]
    chosen = container or (service if service in containers else None)
    if chosen is None or chosen not in containers:
        raise OperateError(
            f"task {task['taskArn']} has no container {chosen or service!r}: "
            f"it has {', '.join(containers) or 'none'}\n  hint: pass --container NAME"
        )
    text = command or DEFAULT_COMMAND
    argv = [
        "aws", "ecs", "execute-command",
        "--region", stack.region,
        "--cluster", cluster,
        "--task", task["taskArn"],
        "--container", chosen,
        "--interactive",
        "--command", text,
    ]  # fmt: skip
    return ExecTarget(env, service, cluster, task["taskArn"], chosen, text, argv)


def missing_tools() -> list[str]:
    """The tools an interactive session needs that are not on the PATH, with the fix."""
    return [
        f"`{tool}` is not on the PATH: {fix}"
        for tool, fix in TOOLS.items()
        if not shutil.which(tool)
    ]


def run_session(target: ExecTarget) -> int:
    """Open the session in this terminal; its exit code is the command's."""
    import subprocess

    problems = missing_tools()
    if problems:
        raise OperateError(
            "ECS Exec runs through the AWS CLI and the Session Manager plugin\n"
            + "\n".join(f"  {p}" for p in problems)
        )
    return subprocess.run(target.argv, check=False).returncode
