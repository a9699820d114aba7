"""``shipspec session ...`` and ``shipspec doctor``: the deployment protocol's bookkeeping."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .base import EnvOpt, JsonOpt, app, record_step, reports_errors

if TYPE_CHECKING:
    from ..fileset import FileSet

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


@session_app.command("start")
@reports_errors
def session_start(
    spec: Annotated[Path, typer.Argument(help="The handoff spec.")] = Path("handoff.yaml"),
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="The output folder (default: the spec's folder)."),
    ] = None,
    blueprints: Annotated[
        Path | None, typer.Option("--blueprints", help="The template overrides generate uses.")
    ] = None,
    by: ByOpt = None,
) -> None:
    """Step 1: check the handoff (valid, Phase 6 complete and approved); open a session;
    write the deployment context and the AGENTS.md section into the output folder."""
    from ..session import start_session
    from ..session.status import status_lines

    out_dir = out if out is not None else (spec.parent if spec.parent != Path("") else Path("."))
    context = DeploymentContext.prepare(spec, out_dir, blueprints)
    status = start_session(spec, cwd=Path.cwd(), actor=by)
    print(f"session {status.session.number} started in {status.path}")
    print("\n".join(status_lines(status)))
    for line in context.write():
        print(line)


class DeploymentContext:
    """The deployment context page and AGENTS.md's section, rendered as ``generate`` would.

    :meth:`prepare` renders them and checks both can be written (the page not edited by
    hand, AGENTS.md's markers intact) before ``session start`` changes anything;
    :meth:`write` writes just those two, so the session starts with them current.
    """

    def __init__(self, out_dir: Path, files: FileSet, section: list[str]) -> None:
        self.out_dir, self.files, self.section = out_dir, files, section

    @classmethod
    def prepare(cls, spec: Path, out_dir: Path, blueprints: Path | None) -> DeploymentContext:
        from ..errors import WriteConflict
        from ..plan.planner import plan as plan_model
        from ..render.renderer import render
        from ..render.targets.context import CONTEXT_FILE, agents_section
        from ..session import SessionError
        from ..spec.loader import load
        from ..write.agents import sync_agents_section
        from ..write.partial import write_only
        from .base import spec_path_from

        model = plan_model(load(spec), spec_file=spec_path_from(spec, out_dir))
        files = render(model, blueprints=blueprints, only=["context"])
        section = agents_section(model)
        sync_agents_section(out_dir, section, check=True)
        try:
            write_only(files, out_dir, [CONTEXT_FILE], check=True)
        except WriteConflict:
            raise SessionError(
                f"{out_dir / CONTEXT_FILE} was edited by hand since shipspec wrote it; no "
                "session was started\n  hint: move your notes out of generated files "
                "(AGENTS.md outside shipspec's section is yours), then run "
                f"`shipspec generate {spec} -o {out_dir} --force`"
            ) from None
        return cls(out_dir, files, section)

    def write(self) -> list[str]:
        """Write the page and the section; say what changed."""
        from ..render.targets.context import CONTEXT_FILE
        from ..write.agents import sync_agents_section
        from ..write.partial import write_only

        result = write_only(self.files, self.out_dir, [CONTEXT_FILE])
        agents, action = sync_agents_section(self.out_dir, self.section)
        changes = ((CONTEXT_FILE, result.actions[CONTEXT_FILE]), (agents, action))
        return [
            f"{verb} {self.out_dir / path}"
            for path, change in changes
            if (verb := {"create": "wrote", "update": "updated"}.get(change))
        ]


@session_app.command("status")
@reports_errors
def session_status_command(json_out: JsonOpt = False) -> None:
    """The checklist: each step done, pending or blocked, with its evidence."""
    from ..session import session_status
    from ..session.status import status_lines

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
    from ..session import mark_step

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

    from ..session import check_operations_package, end_session

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
    """Check this machine can deploy: Pulumi CLI, AWS credentials, stack configs, CI, the
    files the pipeline reads from the repository, state."""
    from ..doctor import run_doctor

    report = run_doctor(out_dir, env)
    print(json.dumps(report.as_dict(), indent=2) if json_out else "\n".join(report.lines()))
    if not report.ok:
        raise typer.Exit(1)
    record_step("doctor", out_dir, report.summary())
