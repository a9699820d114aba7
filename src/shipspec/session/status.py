"""Where a session lives and how it reads: the progress file's place, time, the actor,
and :class:`SessionStatus`, what every session command returns.

The clock is injectable (tests pass a fixed one, so the file they produce is the same
on every run); timestamps are UTC to the second. A new progress file goes to the
repository root (the folder holding ``.git``) so every command run anywhere in the
repository finds it.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .progress import StepStatus, missing_before_end
from .state import ProgressState, Session

Clock = Callable[[], datetime]
PackageCheck = Callable[[Path], str]  # output folder → the package's summary (evidence)


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(clock: Clock | None = None) -> str:
    """Now (from ``clock``, else :func:`utc_now`, looked up when called) to the second, UTC."""
    return (clock or utc_now)().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_actor() -> str:
    """Who is acting: ``SHIPSPEC_ACTOR``, else the login name."""
    try:
        return os.environ.get("SHIPSPEC_ACTOR") or getpass.getuser()
    except Exception:
        return "unknown"


def project_root(cwd: Path) -> Path:
    """Where a new progress file goes: the repository root (``.git``), else ``cwd``."""
    here = Path(cwd).resolve()
    return next((f for f in (here, *here.parents) if (f / ".git").exists()), here)


def relative(path: Path, root: Path) -> str:
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(root).as_posix() or "."
    except ValueError:
        return resolved.as_posix()


@dataclass
class SessionStatus:
    path: Path
    state: ProgressState
    session: Session
    steps: list[StepStatus]
    edited: dict[str, int]
    recorded: list[str]  # item ids this call gave evidence for

    @property
    def missing(self) -> list[str]:
        return [i.item.id for i in missing_before_end(self.steps)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "phases": [p.model_dump(mode="json") for p in self.state.phases],
            "session": {
                "number": self.session.number,
                "status": self.session.status,
                "started_at": self.session.started_at,
                "ended_at": self.session.ended_at,
                "spec": self.session.spec,
                "output": self.session.output,
            },
            "steps": [s.as_dict() for s in self.steps],
            "deliverables": [d.model_dump(mode="json") for d in self.session.deliverables],
            "missing": self.missing,
            "edited_blocks": sorted(self.edited),
        }


def shown(path: Path, cwd: Path) -> str:
    """The progress file's name in messages: relative to ``cwd`` when inside it."""
    here = Path(cwd).resolve()
    return relative(path, here) if path.is_relative_to(here) else str(path)


def status_lines(status: SessionStatus) -> list[str]:
    """``session status`` as text: phases, then each step with its items and evidence."""
    s = status.session
    lines = [
        f"Deployment session {s.number} ({s.status}), started {s.started_at} by "
        f"{s.started_by} from {s.spec}" + (f", ended {s.ended_at}" if s.ended_at else ""),
        "Phases: " + ", ".join(f"{p.number} {p.name} {p.status}" for p in status.state.phases),
    ]
    for step in status.steps:
        lines.append(f"{step.step.label}. {step.step.title}: {step.status}")
        for i in step.items:
            mark = "x" if i.status == "done" else " "
            if i.evidence is not None:
                ev = i.evidence
                lines.append(
                    f"  [{mark}] {i.item.id}: {ev.command}, {ev.at} by {ev.by}, {ev.digest[:19]}"
                )
            elif i.status == "blocked":
                lines.append(f"  [ ] {i.item.id}: blocked until {', '.join(i.blocked_by)}")
            else:
                lines.append(f"  [ ] {i.item.id}: run `{i.how}`")
    if s.deliverables:
        lines.append("Development handoff package:")
        for d in s.deliverables:
            where = f" {d.evidence}" if d.evidence else ""
            state = "evidence" if d.proven else "only claimed"
            lines.append(f"  {d.name}: {state}{where} ({d.detail})")
    missing = status.missing
    if s.status == "open":
        lines.append(
            f"{len(missing)} steps missing before `shipspec session end`"
            if missing
            else "Every step has evidence: `shipspec session end` is next"
        )
    for name, line in sorted(status.edited.items()):
        lines.append(
            f"warning: block `{name}` was edited by hand at {status.path}:{line}; "
            "the next write will refuse until the text moves out of it"
        )
    return lines
