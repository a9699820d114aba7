"""The pipeline commands: validate, plan, generate, preview, check, schema, init."""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import DataLossError, ShipspecError

if TYPE_CHECKING:
    from ..plan.model import DeploymentModel, EnvironmentPlan
    from ..preview.result import Preview
    from ..write.writer import GenerationResult
from . import base
from .base import EnvOpt, JsonOpt, SpecArg, app, record_step, reports_errors, spec_path_from
from .review import ReviewFormat, preview_against

AllowDataLossOpt = Annotated[
    bool,
    typer.Option(
        "--allow-data-loss",
        help="Let a preview delete or replace databases, buckets, queues... (else exit 5).",
    ),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        min=1,
        show_default=False,
        help="Seconds one environment's program may run before it is stopped, exit 1"
        " (default: 300).",
    ),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option("--no-cache", help="Run the program even when an unchanged run is cached."),
]


@app.command()
@reports_errors
def validate(spec: SpecArg, json_out: JsonOpt = False) -> None:
    """Check a handoff spec; list every problem with file, line and field."""
    from ..spec.loader import load

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
    from ..session.start import validation_summary

    summary = validation_summary(spec, loaded)
    print(json.dumps({"valid": True, "problems": []}, indent=2) if json_out else summary)
    if not json_out and loaded.delivery.repository_url is None:
        print(
            "  hint: without `delivery.repository_url` the alerts' runbook links are paths in "
            "the repository (docs/operations/runbook.md#…), not links a pager can open; set "
            "it, e.g. `repository_url: https://github.com/acme/shop`"
        )
    record_step("validate", spec, summary)


@app.command()
@reports_errors
def plan(spec: SpecArg, env: EnvOpt = None, json_out: JsonOpt = False) -> None:
    """Show the deployment model per environment and the reason for every decision."""
    from ..plan.planner import plan as plan_model
    from ..spec.loader import load

    model = plan_model(load(spec), spec_file=spec.name)
    envs = [_environment(model, env)] if env else model.environments
    decisions = sum(len(e.decisions) for e in model.environments)
    record_step(
        "plan", spec, f"{model.app}: {len(model.environments)} environments, {decisions} decisions"
    )
    if json_out:
        data = model.model_dump(mode="json")
        if env:
            data["environments"] = [e.model_dump(mode="json") for e in envs]
        print(json.dumps(data, indent=2, sort_keys=True))
        return
    from ..console import print_plan

    print_plan(model, envs)


def _environment(model: DeploymentModel, name: str) -> EnvironmentPlan:
    """``--env`` names an environment the spec declares, or the user hears which ones do."""
    known = [e.name for e in model.environments]
    if name not in known:
        raise UnknownEnvironment(
            f"--env {name}: the spec declares no such environment\n"
            f"  hint: environments in promotion order: {', '.join(known)}"
        )
    return model.environment(name)


class UnknownEnvironment(ShipspecError):
    """``--env`` names an environment the spec does not declare (exit 1)."""


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
            "--blueprints",
            help="A folder of templates overriding the packaged ones by path; recorded in "
            ".shipspec/manifest.json and used by every later generate.",
        ),
    ] = None,
    spec_path: Annotated[
        str | None,
        typer.Option(
            "--spec-path",
            help="The spec's path as CI sees it from the output folder (the repository root). "
            "Needed only when the spec lies outside the output folder.",
        ),
    ] = None,
) -> None:
    """Write the Pulumi program, stack configs and the rest of the output."""
    from .. import generate as generate_output
    from ..plan.planner import plan as plan_model
    from ..spec.loader import load

    out_dir = out if out is not None else (spec.parent if spec.parent != Path("") else Path("."))
    spec_file = _spec_file(spec, out_dir, spec_path)
    model = plan_model(load(spec), spec_file=spec_file)
    result = generate_output(model, out_dir, force=force, check=check, blueprints=blueprints)
    for note in result.notes:
        base.err(f"{out_dir}: {note}")
    if check:
        print(f"{out_dir}: {len(result.actions)} generated files are up to date")
        return
    print(generation_summary(result))
    for note in removed_stack_notes(result):
        print(note)
    warning = missing_build_folders(model, out_dir)
    if warning:
        base.err(warning)
    from ..plan.accounts import shared_zone_warnings

    for line in shared_zone_warnings(model.environments):
        base.err(line)
    for planned in model.monitoring.warnings():  # the plan's warning decisions
        base.err(f"warning: {planned}")
    from ..plan.engine_support import support_warnings

    for line in support_warnings(model):
        base.err(f"warning: {line}")
    record_step("generate", out_dir, generation_summary(result).splitlines()[-1])


# What `generate` warns about when missing: the folders and Dockerfiles the spec itself names
# (the image builds' contexts and Dockerfiles, the static sites' build contexts and committed
# folders). A lock file or manifest the commands need is `shipspec doctor`'s: a repository
# may well gain those after its first generate.
_SPEC_NAMED = {
    "image-context": "build.context",
    "dockerfile": "build.dockerfile",
    "context": "build.context",
    "source": "source",
}


def missing_build_folders(model: DeploymentModel, out_dir: Path) -> str:
    """One line naming the spec's build contexts, Dockerfiles and site folders that are not
    in the output folder ("" when all are): the pipeline's jobs would fail on them. A
    warning, never an error: generating before the application is committed is allowed."""
    from ..plan.repository import repository_files

    missing = []
    for f in repository_files(model):
        if f.kind not in _SPEC_NAMED:
            continue
        if f.kind == "source":
            present = (out_dir / f.path / "index.html").is_file()
        elif f.path.endswith("/"):
            present = (out_dir / f.path).is_dir()
        else:
            present = (out_dir / f.path).is_file()
        if not present:
            missing.append(f"{f.path} ({f.service or f.site}'s {_SPEC_NAMED[f.kind]})")
    if not missing:
        return ""
    return (
        f"warning: not in {out_dir}: {', '.join(missing)}; the pipeline's build and deploy "
        f"jobs read them (`shipspec doctor {out_dir}` checks everything it reads)"
    )


class SpecOutsideOutput(ShipspecError):
    """The spec lies outside the output folder, so CI's checkout would not have it (exit 1)."""


def _spec_file(spec: Path, out_dir: Path, spec_path: str | None) -> str:
    """The spec's path that generated files name, above all CI's ``generate --check``.

    The output folder is the repository CI checks out, so a spec outside it would give a
    pipeline whose check points outside the checkout and fails on every pull request.
    ``--spec-path`` says where CI finds the spec instead (a monorepo layout, a copy).
    """
    if spec_path is not None:
        if not spec_path.strip() or PurePath(spec_path).is_absolute():
            raise SpecOutsideOutput(
                f"--spec-path {spec_path!r}: give the spec's path relative to the output "
                "folder, as CI sees it from the repository root"
            )
        return PurePath(spec_path).as_posix()
    relative = spec_path_from(spec, out_dir)
    if relative == ".." or relative.startswith("../"):
        raise SpecOutsideOutput(
            f"{spec}: the spec lies outside the output folder {out_dir}\n"
            f"  the generated pipeline would run `shipspec generate {relative} --check` in a "
            f"checkout of {out_dir}, where that path does not exist\n"
            f"  hint: move the spec into {out_dir} (the repository) and generate from there, "
            "or pass --spec-path with the path CI finds it at"
        )
    return relative


def removed_stack_notes(result: GenerationResult) -> list[str]:
    """For each environment gone from the spec: its stack still runs; how to destroy it.

    ``generate`` deletes the environment's ``infra/Pulumi.<env>.yaml`` like any file it
    no longer generates (an edited one only with ``--force``); git keeps the last version,
    which ``pulumi destroy`` may need (config, secrets provider), so the commands restore
    it first. Nothing here touches the stack.
    """
    notes = []
    for path in result.paths("delete"):
        match = re.fullmatch(r"(.*/)?Pulumi\.([^/]+)\.yaml", path)
        if match is None:
            continue
        env = match.group(2)
        infra = str(Path(result.out_dir) / (match.group(1) or ""))
        notes.append(
            f"note: environment {env!r} is no longer in the spec, but its stack {env!r} still "
            f"runs in AWS: shipspec only deleted {path}.\n"
            "  To destroy it:\n"
            f"    cd {shlex.quote(infra)}\n"
            f"    git checkout HEAD -- Pulumi.{env}.yaml  # its config as last committed\n"
            f"    pulumi destroy --stack {env}  # stops at protected (production) datastores\n"
            f"    pulumi stack rm {env}  # then the state and Pulumi.{env}.yaml go too\n"
            f"  or run the CI's manual destroy for {env!r} before removing it from the spec."
        )
    return notes


def generation_summary(result: GenerationResult) -> str:
    """Each changed path with + ~ -, then the counts (plain text: rich costs 20 ms to import)."""
    lines = [
        f"  {mark} {path}"
        for action, mark in (("create", "+"), ("update", "~"), ("delete", "-"))
        for path in result.paths(action)  # type: ignore[arg-type]
    ]
    counts = {a: len(result.paths(a)) for a in ("create", "update", "delete", "unchanged")}
    lines.append(
        f"{result.out_dir}: {counts['create']} created, {counts['update']} updated, "
        f"{counts['delete']} deleted, {counts['unchanged']} unchanged"
    )
    return "\n".join(lines)


@app.command()
@reports_errors
def preview(
    out_dir: Annotated[
        Path, typer.Argument(help="The folder generate wrote (holding infra/).")
    ] = Path("."),
    env: Annotated[
        str | None,
        typer.Option(
            "--env", "-e", help="One environment, or `all` (default: production, or the only one)."
        ),
    ] = None,
    json_out: JsonOpt = False,
    live: Annotated[
        bool, typer.Option("--live", help="Run a real `pulumi preview` through the Automation API.")
    ] = False,
    timeout: TimeoutOpt = None,
    no_cache: NoCacheOpt = False,
    allow_data_loss: AllowDataLossOpt = False,
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            metavar="REF",
            help="Compare with the generated output at git REF (a branch, tag or commit): "
            "+ ~ - per resource and the monthly cost before and after.",
        ),
    ] = None,
    output_format: Annotated[
        ReviewFormat,
        typer.Option("--format", help="With --against: text, or markdown for a PR comment."),
    ] = ReviewFormat.text,
) -> None:
    """Run the generated program offline under Pulumi mocks and show what it would create.

    Exit 5 when a stateful resource (database, bucket, queue...) would be deleted or
    replaced compared with the previous preview, unless --allow-data-loss. With
    --against REF, compare with the output at that commit instead (reported, never exit 5).
    """
    from ..console import PreviewProgress
    from ..preview import run_live_preview
    from ..preview.service import environments, run_previews

    if against is None and output_format is not ReviewFormat.text:
        base.err("--format markdown renders the --against comparison: add --against REF")
        raise typer.Exit(2)
    if against is not None:
        if live:
            base.err("--against compares offline previews: drop --live")
            raise typer.Exit(2)
        preview_against(
            out_dir,
            against,
            env,
            json_out=json_out,
            output_format=output_format,
            timeout=timeout,
            use_cache=not no_cache,
        )
        _exit_now()
        return
    if live:
        print(run_live_preview(out_dir, env))
        return
    with PreviewProgress(enabled=not json_out) as progress:
        results = run_previews(
            out_dir,
            environments(out_dir, env),
            allow_data_loss=allow_data_loss,
            timeout=timeout,
            use_cache=not no_cache,
            on_progress=progress.update,
        )
    previews = [r for r in results if not isinstance(r, ShipspecError)]
    if json_out and previews:
        bodies = [p.to_dict() for p in previews]
        print(json.dumps(bodies if env == "all" else bodies[0], indent=2, sort_keys=True))
    losses: list[DataLossError] = []
    for result in results:
        if isinstance(result, ShipspecError):
            base.err(str(result))
            continue
        if not json_out:
            _print_preview(out_dir, result)
        if result.data_loss and not allow_data_loss:
            losses.append(DataLossError(result.environment, result.data_loss))
            continue
        counts = result.summary()
        summary = (
            f"{result.project}/{result.environment}: {counts['total']} resources "
            f"({counts['create']} to create, {counts['update']} to update, "
            f"{counts['delete']} to delete)"
        )
        record_step("preview", out_dir, summary, environment=result.environment)
    if len(previews) < len(results):
        for loss in losses:
            base.err(str(loss))
        raise typer.Exit(1)
    if losses:
        for loss in losses[:-1]:
            base.err(str(loss))
        raise losses[-1]
    _exit_now()


def _print_preview(out_dir: Path, result: Preview) -> None:
    from ..console import print_preview
    from ..policy.command import preview_policy_line

    print_preview(result)
    cost = _cost_line(out_dir, result.environment)
    if cost:
        print(cost)
    print(preview_policy_line(out_dir, result))


def _cost_line(out_dir: Path, env: str) -> str | None:
    """The previewed environment's monthly estimate, from the model generate saved."""
    from ..cost import cost_line
    from ..model_io import ModelMissing, read_model

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
    if not base.OWN_PROCESS:
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
        str | None,
        typer.Option("--env", "-e", help="One environment, or `all` (the default)."),
    ] = None,
    policy: Annotated[
        list[Path] | None,
        typer.Option("--policy", "-p", help="An extra policy pack (YAML); repeat for more."),
    ] = None,
    json_out: JsonOpt = False,
    sarif: Annotated[
        bool, typer.Option("--sarif", help="SARIF 2.1.0 on stdout, for code scanning.")
    ] = False,
    allow_data_loss: AllowDataLossOpt = False,
    timeout: TimeoutOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Check the generated program against the policy packs; exit 4 when an error rule fails.

    Exit 5 (before 4) when an environment's preview would delete or replace a stateful
    resource compared with its previous preview, unless --allow-data-loss.
    """
    from ..policy.command import check_command

    one = None if env == "all" else env
    check_command(
        out_dir,
        one,
        policy,
        json_out,
        sarif,
        timeout=timeout,
        use_cache=not no_cache,
        allow_data_loss=allow_data_loss,
    )
    record_step(
        "check", out_dir, f"policy checks passed ({one or 'all environments'})", environment=one
    )


@app.command()
@reports_errors
def schema() -> None:
    """Print the JSON Schema of the handoff spec (for editor completion)."""
    from ..spec.schema import json_schema_text

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
    from ..starter import write_starter

    schema = write_starter(path, force=force)
    if schema is not None:
        print(f"wrote {schema} (editor completion for the spec)")
    print(f"wrote {path}; edit it, then run `shipspec validate {path}`")
