"""The ``shipspec`` command: a thin typer wrapper over the library.

Each command calls the library, prints the result, and maps the error tree to exit
codes: 0 ok, 1 invalid input or refused write, 2 usage, 3 stale output
(``generate --check``). Any other exception is a bug and is reported as one.
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
SpecArg = Annotated[Path, typer.Argument(help="The handoff spec (handoff.yaml).", show_default=False)]
EnvOpt = Annotated[str | None, typer.Option("--env", "-e", help="One environment (default: all, or production for preview).")]
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
            _err(f"internal error: {type(error).__name__}: {error}\nThis is a bug in shipspec; rerun with SHIPSPEC_DEBUG=1 for a traceback and report it.")
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
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
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
            print(json.dumps({"valid": False, "problems": [d.as_dict() for d in getattr(error, "diagnostics", [])]}, indent=2))
            raise typer.Exit(error.exit_code) from None
        raise
    if json_out:
        print(json.dumps({"valid": True, "problems": []}, indent=2))
        return
    print(f"{spec} is valid: {len(loaded.services)} services, {len(loaded.datastores)} datastores, {len(loaded.environments)} environments ({', '.join(loaded.environments)})")


@app.command()
@reports_errors
def plan(spec: SpecArg, env: EnvOpt = None, json_out: JsonOpt = False) -> None:
    """Show the deployment model per environment and the reason for every decision."""
    from .plan.planner import plan as plan_model
    from .spec.loader import load

    model = plan_model(load(spec), spec_file=spec.name)
    envs = [model.environment(env)] if env else model.environments
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
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default: the spec's folder).")] = None,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 3 if the output is stale.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite generated files that were edited by hand.")] = False,
    blueprints: Annotated[Path | None, typer.Option("--blueprints", help="A folder of templates overriding the packaged ones by path.")] = None,
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


@app.command()
@reports_errors
def preview(
    out_dir: Annotated[Path, typer.Argument(help="The folder generate wrote (holding infra/).")] = Path("."),
    env: EnvOpt = None,
    json_out: JsonOpt = False,
    live: Annotated[bool, typer.Option("--live", help="Run a real `pulumi preview` through the Automation API.")] = False,
) -> None:
    """Run the generated program offline under Pulumi mocks and show what it would create."""
    from .preview import run_live_preview, run_preview

    if live:
        print(run_live_preview(out_dir, env))
        return
    result = run_preview(out_dir, env)
    if json_out:
        print(result.to_json())
        return
    from .console import print_preview

    print_preview(result)


@app.command()
@reports_errors
def schema() -> None:
    """Print the JSON Schema of the handoff spec (for editor completion)."""
    from .spec.schema import json_schema_text

    sys.stdout.write(json_schema_text())


@app.command()
@reports_errors
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the starter spec.")] = Path("handoff.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter handoff.yaml."""
    from .starter import write_starter

    write_starter(path, force=force)
    print(f"wrote {path}; edit it, then run `shipspec validate {path}`")


def _relative(spec: Path, out_dir: Path) -> str:
    return Path(os.path.relpath(spec.resolve(), out_dir.resolve())).as_posix()



def main() -> None:
    app()
