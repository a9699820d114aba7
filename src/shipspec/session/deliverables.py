"""The development handoff package at ``session start``: which deliverables have evidence.

A deliverable in the spec may name a file that proves it (``{name: test report,
evidence: reports/junit.xml}``), relative to the spec file. It *has evidence* when that
file exists, is a regular file and is not empty; the record pins it by digest and size,
so the session shows which report it started from. Anything else (no file named, the
file missing, empty, a folder) is recorded as *only claimed*, with the reason.

A path that leads outside the repository (``../../etc/passwd``, or a link pointing out
of it) refuses the start, located at the spec line that names it: shipspec reads
nothing outside the project it was asked about.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import Diagnostic, ShipspecError
from ..spec.models import HandoffSpec
from ..spec.yamlsource import read_yaml
from .errors import SessionRefused
from .state import DeliverableRecord

_CHUNK = 1 << 20


def check_deliverables(spec: HandoffSpec, spec_path: Path, root: Path) -> list[DeliverableRecord]:
    """One record per deliverable, in the spec's order; :class:`SessionRefused` when an
    evidence path leaves ``root`` (every such path reported at once)."""
    dev = spec.development
    if dev is None:
        return []
    root = Path(root).resolve()
    base = Path(spec_path).resolve().parent
    records, problems = [], []
    for index, deliverable in enumerate(dev.deliverables):
        if deliverable.evidence is None:
            records.append(DeliverableRecord(name=deliverable.name, detail="no evidence named"))
            continue
        try:
            target = (base / deliverable.evidence).resolve()
        except (OSError, RuntimeError) as error:  # a name too long, a symlink loop
            reason = (
                error.strerror if isinstance(error, OSError) else None
            ) or "a symbolic link loop"
            records.append(
                DeliverableRecord(
                    name=deliverable.name,
                    evidence=deliverable.evidence,
                    detail=f"the evidence path cannot be followed ({reason})",
                )
            )
            continue
        if not target.is_relative_to(root):
            problems.append(_outside(spec_path, index, deliverable.evidence, root))
            continue
        proven, detail = _examine(target)
        records.append(
            DeliverableRecord(
                name=deliverable.name, evidence=deliverable.evidence, proven=proven, detail=detail
            )
        )
    if problems:
        raise SessionRefused(problems)
    return records


def _examine(target: Path) -> tuple[bool, str]:
    """``(has evidence, detail)`` for a path inside the repository; never opens a non-file."""
    try:
        if not target.exists():
            return False, "the evidence file does not exist"
        if not target.is_file():
            return False, "the evidence is not a regular file"
        digest = hashlib.sha256()
        size = 0
        with target.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except OSError as error:
        return False, f"the evidence file cannot be read ({error.strerror})"
    if size == 0:
        return False, "the evidence file is empty"
    return True, f"sha256:{digest.hexdigest()} {size} bytes"


def _outside(spec_path: Path, index: int, evidence: str, root: Path) -> Diagnostic:
    shown = str(spec_path)
    where = ("development", "deliverables", index, "evidence")
    try:
        line, column = read_yaml(Path(spec_path).read_bytes(), shown).position(where)
    except (ShipspecError, KeyError, OSError, ValueError):  # it loaded a moment ago
        line, column = 0, 0
    return Diagnostic(
        shown,
        line,
        column,
        f"development.deliverables[{index}].evidence",
        f"evidence {evidence!r} leads outside the repository ({root})",
        "name a file inside the repository, relative to the spec file",
        "evidence-path",
    )


def summary(records: list[DeliverableRecord]) -> str:
    """One line for the evidence of ``phase-6-approved``: what is proven, what is claimed."""
    if not records:
        return "no deliverables listed"
    proven = [r.name for r in records if r.proven]
    claimed = [r.name for r in records if not r.proven]
    parts = []
    if proven:
        parts.append("with evidence: " + ", ".join(proven))
    if claimed:
        parts.append("only claimed: " + ", ".join(claimed))
    return "; ".join(parts)
