"""The ``shipspec`` command: a thin typer wrapper over the library.

Each command calls the library, prints the result, and maps the error tree to exit
codes: 0 ok, 1 invalid input or refused write, 2 usage, 3 stale output
(``generate --check``), 4 policy violations (``check``). Any other exception is a bug
and is reported as one.
Heavy modules are imported inside the commands so ``shipspec --version`` starts fast.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from . import __version__
from .errors import ShipspecError

app = typer.Typer(
    name="shipspec",
    help="Turn a development handoff spec into a reviewable AWS deployment.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

F = TypeVar("F", bound=Callable[..., Any])
SpecArg = Annotated[
    Path, typer.Argument(help="The handoff spec (handoff.yaml).", show_default=False)
]
EnvOpt = Annotated[
    str | None,
    typer.Option("--env", "-e", help="One environment (default: all, or production for preview)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def reports_errors(command: F) -> F:
    """Turn shipspec's errors into a message and an exit code; anything else is a bug."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ShipspecError as error:
            _err(str(error))
            raise typer.Exit(error.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as error:
            if os.environ.get("SHIPSPEC_DEBUG"):
                raise
            _err(
                f"internal error: {type(error).__name__}: {error}\n"
                "This is a bug in shipspec: rerun with SHIPSPEC_DEBUG=1 for a traceback, report it."
            )
            raise typer.Exit(70) from None

    return run  # type: ignore[return-value]


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _version(value: bool) -> None:
    if value:
        print(f"shipspec {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Turn a development handoff spec into a reviewable AWS deployment."""


@app.command()
@reports_errors
def validate(spec: SpecArg, json_out: JsonOpt = False) -> None:
    """Check a handoff spec; list every problem with file, line and field."""
    from .spec.loader import load

    try:
        loaded = load(spec)
    except ShipspecError as error:
        if json_out:
            print(
                json.dumps(
                    {
                        "valid": False,
                        "problems": [d.as_dict() for d in getattr(error, "diagnostics", [])],
                    },
                    indent=2,
                )
            )
            raise typer.Exit(error.exit_code) from None
        raise
    from .session.start import validation_summary

    summary = validation_summary(spec, loaded)
    print(json.dumps({"valid": True, "problems": []}, indent=2) if json_out else summary)
    _record("validate", spec, summary)


@app.command()
@reports_errors
def plan(spec: SpecArg, env: EnvOpt = None, json_out: JsonOpt = False) -> None:
    """Show the deployment model per environment and the reason for every decision."""
    from .plan.planner import plan as plan_model
    from .spec.loader import load

    model = plan_model(load(spec), spec_file=spec.name)
    envs = [model.environment(env)] if env else model.environments
    decisions = sum(len(e.decisions) for e in model.environments)
    _record(
        "plan", spec, f"{model.app}: {len(model.environments)} environments, {decisions} decisions"
    )
    if json_out:
        data = model.model_dump(mode="json")
        if env:
            data["environments"] = [e.model_dump(mode="json") for e in envs]
        print(json.dumps(data, indent=2, sort_keys=True))
        return
    from .console import print_plan

    print_plan(model, envs)


@app.command()
@reports_errors
def generate(
    spec: SpecArg,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default: the spec's folder).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 3 if the output is stale.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite generated files that were edited by hand.")
    ] = False,
    blueprints: Annotated[
        Path | None,
        typer.Option(
            "--blueprints", help="A folder of templates overriding the packaged ones by path."
        ),
    ] = None,
) -> None:
    """Write the Pulumi program, stack configs and the rest of the output."""
    from .plan.planner import plan as plan_model
    from .render.renderer import render
    from .spec.loader import load
    from .write.writer import write

    out_dir = out if out is not None else (spec.parent if spec.parent != Path("") else Path("."))
    model = plan_model(load(spec), spec_file=_relative(spec, out_dir))
    files = render(model, blueprints=blueprints)
    result = write(files, out_dir, force=force, check=check)
    if check:
        print(f"{out_dir}: {len(result.actions)} generated files are up to date")
        return
    from .console import print_generation

    print_generation(result)
    done = {a: len(result.paths(a)) for a in ("create", "update", "delete", "unchanged")}
    _record(
        "generate",
        out_dir,
        f"{out_dir}: {done['create']} created, {done['update']} updated, "
        f"{done['delete']} deleted, {done['unchanged']} unchanged",
    )


@app.command()
@reports_errors
def preview(
    out_dir: Annotated[
        Path, typer.Argument(help="The folder generate wrote (holding infra/).")
    ] = Path("."),
    env: EnvOpt = None,
    json_out: JsonOpt = False,
    live: Annotated[
        bool, typer.Option("--live", help="Run a real `pulumi preview` through the Automation API.")
    ] = False,
) -> None:
    """Run the generated program offline under Pulumi mocks and show what it would create."""
    from .preview import run_live_preview, run_preview

    if live:
        print(run_live_preview(out_dir, env))
        return
    result = run_preview(out_dir, env)
    counts = result.summary()
    summary = (
        f"{result.project}/{result.environment}: {counts['total']} resources "
        f"({counts['create']} to create, {counts['update']} to update, "
        f"{counts['delete']} to delete)"
    )
    if json_out:
        print(result.to_json())
    else:
        from .console import print_preview
        from .policy.command import preview_policy_line

        print_preview(result)
        cost = _cost_line(out_dir, result.environment)
        if cost:
            print(cost)
        print(preview_policy_line(out_dir, result))
    _record("preview", out_dir, summary, environment=result.environment)
    _exit_now()


def _cost_line(out_dir: Path, env: str) -> str | None:
    """The previewed environment's monthly estimate, from the model generate saved."""
    from .cost import cost_line
    from .model_io import ModelMissing, read_model

    try:
        return cost_line(read_model(out_dir), env)
    except (ModelMissing, KeyError):
        return None


def _exit_now() -> None:
    """End a preview process without the interpreter's teardown of Pulumi's object graph.

    The output is flushed first; skipping the teardown saves most of a second after a
    preview that built many resources, and there is nothing left to clean up. Only the
    real ``shipspec`` process does this, never a caller that invoked the app in-process.
    """
    if not _OWN_PROCESS:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@app.command()
@reports_errors
def check(
    out_dir: Annotated[
        Path, typer.Argument(help="The folder generate wrote (holding infra/).")
    ] = Path("."),
    env: Annotated[
        str | None, typer.Option("--env", "-e", help="One environment (default: all of them).")
    ] = None,
    policy: Annotated[
        list[Path] | None,
        typer.Option("--policy", "-p", help="An extra policy pack (YAML); repeat for more."),
    ] = None,
    json_out: JsonOpt = False,
    sarif: Annotated[
        bool, typer.Option("--sarif", help="SARIF 2.1.0 on stdout, for code scanning.")
    ] = False,
) -> None:
    """Check the generated program against the policy packs; exit 4 when an error rule fails."""
    from .policy.command import check_command

    check_command(out_dir, env, policy, json_out, sarif)
    _record(
        "check", out_dir, f"policy checks passed ({env or 'all environments'})", environment=env
    )


@app.command()
@reports_errors
def schema() -> None:
    """Print the JSON Schema of the handoff spec (for editor completion)."""
    from .spec.schema import json_schema_text

    sys.stdout.write(json_schema_text())


@app.command()
@reports_errors
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the starter spec.")] = Path(
        "handoff.yaml"
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter handoff.yaml."""
    from .starter import write_starter

    write_starter(path, force=force)
    print(f"wrote {path}; edit it, then run `shipspec validate {path}`")


import_app = typer.Typer(help="Turn other artefacts into a handoff spec.", no_args_is_help=True)
app.add_typer(import_app, name="import")
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace an existing output file.")]
AllowOpt = Annotated[
    bool,
    typer.Option(
        "--allow-incompatible", help="Drop what cannot run on AWS (reported) instead of failing."
    ),
]
ProfileOpt = Annotated[
    list[str] | None,
    typer.Option("--profile", help="Include compose services of this profile (repeatable)."),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Where to write the handoff spec.")]


@import_app.command("compose")
@reports_errors
def import_compose_command(
    compose_file: Annotated[
        Path, typer.Argument(help="The compose file (docker-compose.yml / compose.yaml).")
    ],
    overrides: Annotated[
        list[Path] | None, typer.Option("--file", "-f", help="Override files, merged in order.")
    ] = None,
    env_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--env-file", help="Interpolation variables (default: .env beside the compose file)."
        ),
    ] = None,
    profiles: ProfileOpt = None,
    allow_incompatible: AllowOpt = False,
    out: OutOpt = Path("handoff.yaml"),
    force: ForceOpt = False,
) -> None:
    """Import docker-compose files into a commented handoff.yaml, reporting what was mapped."""
    from .importers import import_compose

    _write_import(
        lambda: import_compose(
            [compose_file, *(overrides or [])],
            env_files=env_files or (),
            profiles=profiles or (),
            allow_incompatible=allow_incompatible,
            output=out,
        ),
        out,
        force,
    )


@app.command()
@reports_errors
def analyze(
    repository: Annotated[Path, typer.Argument(help="The repository folder to analyse.")] = Path(
        "."
    ),
    profiles: ProfileOpt = None,
    allow_incompatible: AllowOpt = False,
    out: OutOpt = Path("handoff.yaml"),
    force: ForceOpt = False,
) -> None:
    """Analyse a repository (compose, Dockerfiles, .env.example, manifests) into a handoff.yaml."""
    from .importers import analyze_repository

    _write_import(
        lambda: analyze_repository(
            repository, allow_incompatible=allow_incompatible, profiles=profiles or (), output=out
        ),
        out,
        force,
    )


def _write_import(run: Callable[[], Any], out: Path, force: bool) -> None:
    from .importers import ImportFailed
    from .write.single import write_user_file

    if out.exists() and not force:
        write_user_file(out, "", force=False)  # raises FileExists before any work is done
    try:
        result = run()
    except ImportFailed as failed:
        if failed.report is not None:
            _err(failed.report.text())
        raise
    print(result.report.text())
    write_user_file(out, result.handoff_yaml, force=force)
    print(f"wrote {out}; next: `shipspec plan {out}`")


ByOpt = Annotated[
    str | None,
    typer.Option("--by", help="Who is acting (default: $SHIPSPEC_ACTOR, else the login name)."),
]
session_app = typer.Typer(
    name="session",
    help="Track the deployment protocol in .ai_context/framework_progress.md.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(session_app)


def _record(command: str, subject: Path, summary: str, environment: str | None = None) -> None:
    """Give a started deployment session this command's evidence; never fails the command."""
    from .session import record_success

    for item in record_success(command, subject, summary, environment=environment):
        _err(f"session: recorded {item}")


@session_app.command("start")
@reports_errors
def session_start(
    spec: Annotated[Path, typer.Argument(help="The handoff spec.")] = Path("handoff.yaml"),
    by: ByOpt = None,
) -> None:
    """Step 1: check the handoff (valid, Phase 6 complete and approved); open a session."""
    from .session import start_session
    from .session.status import status_lines

    status = start_session(spec, cwd=Path.cwd(), actor=by)
    print(f"session {status.session.number} started in {status.path}")
    print("\n".join(status_lines(status)))


@session_app.command("status")
@reports_errors
def session_status_command(json_out: JsonOpt = False) -> None:
    """The checklist: each step done, pending or blocked, with its evidence."""
    from .session import session_status
    from .session.status import status_lines

    status = session_status(cwd=Path.cwd())
    if json_out:
        print(json.dumps(status.as_dict(), indent=2))
        return
    print("\n".join(status_lines(status)))


@session_app.command("mark")
@reports_errors
def session_mark(
    step: Annotated[str, typer.Argument(help="The step, e.g. production-deployed.")],
    evidence: Annotated[str, typer.Option("--evidence", help="What shows it is done.")],
    override: Annotated[
        bool, typer.Option("--override", help="Mark a step a command normally proves.")
    ] = False,
    by: ByOpt = None,
) -> None:
    """Record a step only a person can confirm, with the evidence they give."""
    from .session import mark_step

    status = mark_step(step, evidence, cwd=Path.cwd(), actor=by, override=override)
    left = status.missing
    print(f"marked {step}; {len(left)} steps missing before `shipspec session end`")


@session_app.command("end")
@reports_errors
def session_end(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="The output folder (default: generate's).")
    ] = None,
    blueprints: Annotated[
        Path | None, typer.Option("--blueprints", help="The template overrides generate used.")
    ] = None,
    by: ByOpt = None,
) -> None:
    """Refuse until every step has evidence; then hand over: Phase 8 ready, audit trail."""
    from functools import partial

    from .session import check_operations_package, end_session

    check = partial(check_operations_package, blueprints=blueprints)
    status = end_session(cwd=Path.cwd(), check_package=check, out=out, actor=by)
    package = status.session.evidence["handoff-package-written"].summary
    print(f"session {status.session.number} ended: Phase 7 complete, Phase 8 ready\n{package}")


@app.command()
@reports_errors
def doctor(
    out_dir: Annotated[Path, typer.Argument(help="The folder generate wrote.")] = Path("."),
    env: EnvOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Check this machine can deploy: Pulumi CLI, AWS credentials, stack configs, CI, state."""
    from .doctor import run_doctor

    report = run_doctor(out_dir, env)
    print(json.dumps(report.as_dict(), indent=2) if json_out else "\n".join(report.lines()))
    if not report.ok:
        raise typer.Exit(1)
    _record("doctor", out_dir, report.summary())


def _relative(spec: Path, out_dir: Path) -> str:
    return Path(os.path.relpath(spec.resolve(), out_dir.resolve())).as_posix()


_OWN_PROCESS = False


def main() -> None:
    global _OWN_PROCESS
    _OWN_PROCESS = True
    app()
