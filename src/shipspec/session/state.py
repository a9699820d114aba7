"""The machine-readable record in the progress file: phases, sessions, evidence, audit trail.

This is the source of truth; the markdown tables and checklists around it are rendered
from it. It is strict (unknown keys are errors) so a hand edit that breaks it is caught
and located instead of silently dropped. ``blocks`` holds the digest of each markdown
block as shipspec last wrote it, which is how an edit inside a block is noticed before
it would be overwritten.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .protocol import PROTOCOL

FORMAT: Literal[1] = 1
PHASE_NAMES = {6: "Development", 7: "Deployment", 8: "Operations"}


def sha256(text: str) -> str:
    """The evidence digest: ``sha256:<hex>`` of the text's UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evidence(Record):
    command: str  # what produced it: "shipspec plan handoff.yaml", or "session mark"
    at: str  # ISO 8601 UTC, seconds
    by: str
    summary: str  # the result text (for a person's mark: their evidence, verbatim)
    digest: str  # sha256 of ``summary``
    override: bool = False  # a person marked an item a command normally proves


class Phase(Record):
    number: int
    name: str
    status: str  # pending | in-progress | complete | ready
    approved_by: str | None = None
    date: str | None = None  # YYYY-MM-DD of the last status change


class AuditEntry(Record):
    at: str
    by: str
    action: str
    detail: str


class DeliverableRecord(Record):
    """One deliverable of the handoff package as ``session start`` found it."""

    name: str
    evidence: str | None = None  # the path the spec names, relative to the spec file
    proven: bool = False  # the evidence file exists and is not empty
    detail: str  # "sha256:… 1204 bytes", or why it is only claimed


class Session(Record):
    number: int
    protocol: str = PROTOCOL
    status: Literal["open", "ended"] = "open"
    started_at: str
    started_by: str
    spec: str  # the handoff spec, relative to the project root
    output: str | None = None  # the folder generate last wrote, relative to the root
    ended_at: str | None = None
    evidence: dict[str, Evidence] = Field(default_factory=dict)  # by protocol item id
    deliverables: list[DeliverableRecord] = Field(default_factory=list)  # at session start


class ProgressState(Record):
    format: Literal[1] = FORMAT
    app: str
    phases: list[Phase]
    sessions: list[Session] = Field(default_factory=list)
    audit: list[AuditEntry] = Field(default_factory=list)
    blocks: dict[str, str] = Field(default_factory=dict)  # block name → sha256 of its body

    def phase(self, number: int) -> Phase:
        for phase in self.phases:
            if phase.number == number:
                return phase
        phase = Phase(
            number=number, name=PHASE_NAMES.get(number, f"Phase {number}"), status="pending"
        )
        self.phases.append(phase)
        self.phases.sort(key=lambda p: p.number)
        return phase

    def open_session(self) -> Session | None:
        return next((s for s in reversed(self.sessions) if s.status == "open"), None)

    def latest_session(self) -> Session | None:
        return self.sessions[-1] if self.sessions else None

    def log(self, at: str, by: str, action: str, detail: str) -> None:
        self.audit.append(AuditEntry(at=at, by=by, action=action, detail=detail))
