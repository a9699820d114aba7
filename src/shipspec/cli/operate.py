"""``shipspec secrets``, ``status``, ``logs`` and ``exec``: day-2 commands on a deployed stack.

Thin: each command loads the stack (:class:`shipspec.operate.StackContext`) and calls
:mod:`shipspec.operate`, which imports boto3 only then.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import ShipspecError
from ..operate.errors import OperateError
from .base import JsonOpt, app, err, record_step, reports_errors

if TYPE_CHECKING:
    from ..operate import StackContext

EnvReq = Annotated[str, typer.Option("--env", "-e", help="The environment (Pulumi stack).")]
OutDirOpt = Annotated[
    Path, typer.Option("--out", "-o", help="The folder generate wrote (default: here).")
]
secrets_app = typer.Typer(
    name="secrets",
    help="Set and list the values of a deployed stack's secrets (never printed).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(secrets_app)


def _stack(out_dir: Path, env: str) -> StackContext:
    from ..operate import StackContext

    return StackContext.load(out_dir, env)


@secrets_app.command("set")
@reports_errors
def secrets_set(
    name: Annotated[str, typer.Argument(help="The secret, as the spec names it (STRIPE_KEY).")],
    env: EnvReq,
    from_file: Annotated[
        Path | None,
        typer.Option("--from-file", help="Read the value from this file (default: stdin)."),
    ] = None,
    out_dir: OutDirOpt = Path("."),
    json_out: JsonOpt = False,
) -> None:
    """Put a secret's value, read from stdin or --from-file (never from an argument)."""
    from ..operate import OperateError
    from ..operate.secrets import set_secret

    if from_file is not None:
        try:
            value = from_file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise OperateError(f"--from-file {from_file}: {error}") from None
    elif sys.stdin.isatty():
        import getpass

        value = getpass.getpass(f"{name} for {env} (not echoed): ")
    else:
        value = sys.stdin.read()
    # A trailing newline from `echo` or an editor is not part of a key.
    value = value.removesuffix("\n").removesuffix("\r")
    version = set_secret(_stack(out_dir, env), name, value)
    if json_out:
        print(json.dumps({"name": name, "environment": env, "version_id": version}))
    else:
        err(f"set {name} in {env} (version {version}); running tasks get it on their next start")


@secrets_app.command("list")
@reports_errors
def secrets_list(env: EnvReq, out_dir: OutDirOpt = Path("."), json_out: JsonOpt = False) -> None:
    """Which secrets exist and which are still empty (values are never read out)."""
    from ..operate.secrets import list_secrets

    states = list_secrets(_stack(out_dir, env))
    if json_out:
        print(json.dumps([s.as_dict() for s in states], indent=2))
    else:
        from ..console import print_secrets

        print_secrets(env, states)
    if any(s.state != "set" for s in states):
        raise typer.Exit(1)


@app.command()
@reports_errors
def status(
    env: EnvReq,
    out_dir: OutDirOpt = Path("."),
    json_out: JsonOpt = False,
    baseline: Annotated[
        bool,
        typer.Option(
            "--baseline",
            help="Measure p50/p99 latency, requests, CPU and memory per service from "
            "CloudWatch and write docs/operations/baseline-ENV.measured.md instead.",
        ),
    ] = False,
    window: Annotated[
        str, typer.Option("--window", help="With --baseline: how far back (1h, 1d, 7d).")
    ] = "7d",
) -> None:
    """Per service: tasks, deployment and image; alarms in ALARM; health URLs. Exit 1 unless
    everything is as deployed and healthy (the protocol's live evidence)."""
    from ..operate.status import stack_status

    if baseline:
        _baseline(out_dir, env, window, json_out)
        return
    stack = _stack(out_dir, env)
    if json_out:
        result = stack_status(stack)
        print(json.dumps(result.as_dict(), indent=2))
    else:
        from ..console import console, print_status

        with console.status(f"asking AWS about {env}…"):
            result = stack_status(stack)
        print_status(result)
    if not result.verified:
        raise typer.Exit(1)
    record_step("status", out_dir, result.summary(), environment=env)


def _baseline(out_dir: Path, env: str, window: str, json_out: bool) -> None:
    from ..operate.baseline import measure_baseline, render, write_baseline
    from ..operate.logs import parse_since

    try:
        seconds = parse_since(window)
    except ShipspecError as error:
        raise OperateError(str(error).replace("--since", "--window")) from None
    stack = _stack(out_dir, env)
    result = measure_baseline(stack, seconds)
    path = write_baseline(out_dir, result, stack.model.app)
    if json_out:
        print(json.dumps({**result.as_dict(), "file": str(path)}, indent=2))
    else:
        print(render(result, stack.model.app), end="")
    err(f"wrote {path}")


@app.command()
@reports_errors
def logs(
    service: Annotated[str, typer.Argument(help="The service, as the spec names it.")],
    env: EnvReq,
    since: Annotated[str, typer.Option("--since", help="How far back: 30s, 15m, 2h, 1d.")] = "15m",
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new lines.")
    ] = False,
    out_dir: OutDirOpt = Path("."),
    json_out: JsonOpt = False,
) -> None:
    """A service's log lines from CloudWatch Logs; --follow polls until Ctrl-C."""
    from datetime import UTC, datetime

    from ..operate.logs import log_events, parse_since

    seconds = parse_since(since)
    stack = _stack(out_dir, env)
    try:
        for event in log_events(stack, service, since_seconds=seconds, follow=follow):
            if json_out:
                print(json.dumps(event.as_dict()), flush=True)
            else:
                at = datetime.fromtimestamp(event.timestamp / 1000, UTC)
                print(f"{at:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + f"Z {event.message}", flush=True)
    except KeyboardInterrupt:
        err("stopped")


@app.command("exec")
@reports_errors
def exec_(
    service: Annotated[str, typer.Argument(help="The service, as the spec names it.")],
    env: EnvReq,
    container: Annotated[
        str | None,
        typer.Option("--container", help="The container (default: the service's own)."),
    ] = None,
    command: Annotated[
        str | None, typer.Option("--command", help="What to run (default: /bin/sh).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the task and the command; run nothing.")
    ] = False,
    out_dir: OutDirOpt = Path("."),
    json_out: JsonOpt = False,
) -> None:
    """A shell, or one --command, in a running task of a service (ECS Exec). Needs the AWS
    CLI and its Session Manager plugin; --json and --dry-run only say what would run."""
    import shlex

    from ..operate.exec import exec_target, missing_tools, run_session

    target = exec_target(_stack(out_dir, env), service, container=container, command=command)
    if json_out:
        print(json.dumps({**target.as_dict(), "missing": missing_tools()}, indent=2))
        return
    if dry_run:
        print(shlex.join(target.argv))
        return
    err(f"{service} in {env}: task {target.task_arn.rsplit('/', 1)[-1]}, {target.container}")
    code = run_session(target)
    if code:
        raise typer.Exit(code)
