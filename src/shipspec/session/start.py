"""Step 1 of the protocol: is the development handoff valid, complete and approved?

The spec is validated as ``shipspec validate`` does (every problem, located). Then its
``development`` block must say Phase 6 is ``complete`` with an ``approved_by``; each
gap is reported at its line in the spec, all at once, so one edit fixes them all.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Diagnostic
from ..spec.loader import load
from ..spec.models import HandoffSpec
from ..spec.yamlsource import read_yaml
from .errors import SessionRefused

DEVELOPMENT_PHASE = 6


def validation_summary(path: Path, spec: HandoffSpec) -> str:
    """What ``shipspec validate`` prints for a valid spec: the evidence of a valid handoff."""
    envs = ", ".join(spec.environments)
    return (
        f"{path} is valid: {len(spec.services)} services, {len(spec.datastores)} datastores, "
        f"{len(spec.environments)} environments ({envs})"
    )


def check_handoff(path: Path, name: str | None = None) -> tuple[HandoffSpec, str, str]:
    """``(spec, approval evidence, validation evidence)``, or :class:`SessionRefused`.

    ``name`` is the spec's name in the evidence (relative to the project root, so the
    record does not depend on where the project was checked out).
    """
    spec = load(path)
    shown = str(path)
    problems = []
    dev = spec.development
    if dev is None:
        problems.append(
            Diagnostic(
                shown,
                1,
                1,
                "development",
                "the handoff has no `development` block, so Phase 6 is not shown complete",
                "add `development: {phase: 6, status: complete, approved_by: lead@example.com}`",
                "phase-6",
            )
        )
    else:
        where = read_yaml(Path(path).read_bytes(), shown)

        def at(field: str, message: str, hint: str) -> Diagnostic:
            line, column = where.position(("development", field))
            return Diagnostic(shown, line, column, f"development.{field}", message, hint, "phase-6")

        if dev.phase != DEVELOPMENT_PHASE:
            problems.append(
                at(
                    "phase",
                    f"the handoff completes phase {dev.phase}, not Phase 6 (development)",
                    "a deployment starts from the development handoff: `phase: 6`",
                )
            )
        if dev.status != "complete":
            problems.append(
                at(
                    "status",
                    f"Phase 6 is {dev.status}, not complete",
                    "finish the development phase, then set `status: complete`",
                )
            )
        if not (dev.approved_by or "").strip():
            problems.append(
                at(
                    "approved_by",
                    "Phase 6 is not approved: `approved_by` is missing",
                    "the approver adds `approved_by: <their email>`",
                )
            )
    if problems:
        raise SessionRefused(problems)
    assert dev is not None
    deliverables = ", ".join(d.name for d in dev.deliverables) or "none listed"
    approval = (
        f"Phase {dev.phase} {dev.status}, approved by {dev.approved_by}; "
        f"deliverables: {deliverables}"
    )
    return spec, approval, validation_summary(Path(name) if name else path, spec)
