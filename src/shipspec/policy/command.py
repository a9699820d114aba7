"""``shipspec check`` and the policy line of ``shipspec preview``, for the CLI to register.

The CLI stays the one place that owns the typer app; this module holds the command's
body so it is tested with the policy code it drives. The CLI wires it with one line::

    app.command("check")(reports_errors(check_command))

Exit codes: 0 when no error-severity rule failed (warnings allowed), 4
(:class:`PolicyViolation`) when one did, 1 for a malformed pack or missing output.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .errors import PolicyViolation

OutDir = Annotated[Path, typer.Argument(help="The folder generate wrote (holding infra/).")]
EnvOption = Annotated[
    str | None, typer.Option("--env", "-e", help="One environment (default: all of them).")
]
PolicyOption = Annotated[
    list[Path] | None,
    typer.Option("--policy", "-p", help="An extra policy pack (YAML); repeat for more."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable report on stdout.")]
SarifOption = Annotated[
    bool, typer.Option("--sarif", help="SARIF 2.1.0 on stdout, for code scanning.")
]


def check_command(
    out_dir: OutDir = Path("."),
    env: EnvOption = None,
    policy: PolicyOption = None,
    json_out: JsonOption = False,
    sarif: SarifOption = False,
    *,
    timeout: float | None = None,
    use_cache: bool = True,
    allow_data_loss: bool = False,
) -> None:
    """Check the generated program against the policy packs; exit 4 on a failed error rule.

    ``timeout`` (seconds per environment) and ``use_cache`` are passed to the previews.
    Exit 5 first when a preview loses a stateful resource (see ``preview.dataloss``).
    """
    from ..console import PreviewProgress
    from .check import check
    from .report import reports_to_json, reports_to_sarif

    if json_out and sarif:
        print("choose one of --json and --sarif", file=sys.stderr)
        raise typer.Exit(2)
    with PreviewProgress(enabled=not (json_out or sarif)) as progress:
        reports = check(
            out_dir,
            env,
            policy or (),
            timeout=timeout,
            use_cache=use_cache,
            on_progress=progress.update,
        )
    if sarif:
        print(reports_to_sarif(reports))
    elif json_out:
        print(reports_to_json(reports))
    else:
        print("\n\n".join(report.to_text() for report in reports))
    losses = [(r.environment, r.data_loss) for r in reports if r.data_loss]
    if losses and not allow_data_loss:
        from ..errors import DataLossError

        if len(losses) == 1:
            raise DataLossError(*losses[0])
        raise DataLossError(
            ", ".join(env for env, _ in losses), [loss for _, found in losses for loss in found]
        )
    if any(not report.passed for report in reports):
        raise typer.Exit(PolicyViolation.exit_code)


def preview_policy_line(out_dir: Path, preview: object) -> str:
    """The policy summary ``shipspec preview`` prints under its plan ("" without a model)."""
    from ..model_io import ModelMissing
    from .check import preview_report

    try:
        return preview_report(out_dir, preview).summary_line()
    except ModelMissing:
        return "Policy: not checked (no .shipspec/model.json; run `shipspec generate`)"
