"""``record_success``: what ``validate``, ``plan``, ``generate``, ``preview``, ``check`` and
``doctor`` call after they succeed, so a started session collects its evidence itself.

Outside a session it does nothing. It must never turn a successful command into a
failed one: every error is caught and reported as one warning line on stderr (a
progress file edited by hand, for instance, is left alone, and the command still
exits 0). Conditions on the evidence (did ``generate`` write CI files? was the preview
of the production stack?) are checked here, against the command's output folder.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .locate import find_progress

if TYPE_CHECKING:
    from .status import Clock


def _conditions(needed: set[str], subject: Path, environment: str | None) -> set[str]:
    satisfied = set()
    if "infra-files" in needed and any(
        (subject / p).is_file() for p in ("infra/Pulumi.yaml", "Pulumi.yaml")
    ):
        satisfied.add("infra-files")
    if "docs-files" in needed and (subject / "docs/operations/handoff.md").is_file():
        satisfied.add("docs-files")
    if needed & {"ci-files", "production"}:
        from ..model_io import read_model

        model = read_model(subject)
        ci = (
            any((subject / ".github/workflows").glob("*.yml"))
            if model.ci == "github"
            else (subject / ".gitlab-ci.yml").is_file()
        )
        if ci:
            satisfied.add("ci-files")
        if environment is not None and environment == model.production.name:
            satisfied.add("production")
    return satisfied


def record_success(
    step_command: str,
    subject: Path,
    summary: str,
    *,
    cwd: Path | None = None,
    environment: str | None = None,
    clock: Clock | None = None,
    actor: str | None = None,
    stream: TextIO | None = None,
) -> list[str]:
    """Record ``step_command``'s success as evidence; returns the protocol items it marked.

    ``subject`` is what the command worked on: the spec for ``validate`` and ``plan``, the
    output folder for ``generate``, ``preview``, ``check`` and ``doctor``. ``summary`` is
    the result text whose sha256 becomes the evidence digest.
    """
    try:
        here = Path.cwd() if cwd is None else cwd
        if find_progress(here) is None:  # no session here: nothing to load or read
            return []
        from .protocol import marked_by
        from .service import record

        items = marked_by(step_command)
        if not items:
            return []
        subject = Path(subject)
        needed = {w for i in items if (w := i.condition_for(step_command))}
        satisfied = _conditions(needed, subject, environment) if subject.is_dir() else set()
        output = subject if step_command == "generate" else None
        return record(
            step_command,
            str(subject),
            summary,
            cwd=here,
            satisfied=satisfied,
            output=output,
            clock=clock,
            actor=actor,
        )
    except Exception as error:  # the command succeeded; the record is a side effect
        lines = str(error).splitlines()
        what = " ".join(line.strip() for line in lines[:2]) or type(error).__name__
        print(
            f"warning: the deployment session did not record this: {what}",
            file=stream or sys.stderr,
        )
        return []
