"""Where a session stands: each step done, pending or blocked, with its evidence.

Pure: from a :class:`~.state.Session` and the protocol to the checklist that
``session status`` prints, the progress file shows and ``session end`` checks. "Blocked"
is advice, not a lock: a step whose prerequisites lack evidence is shown as blocked, but
evidence that arrives out of order is still recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .protocol import STEPS, Item, Step, step
from .state import Evidence, Session

Status = Literal["done", "pending", "blocked"]


@dataclass(frozen=True)
class ItemStatus:
    item: Item
    status: Status
    evidence: Evidence | None
    how: str
    blocked_by: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.item.id,
            "title": self.item.title,
            "status": self.status,
            "marked_by": self.item.marked_by,
            "how": self.how,
            "evidence": self.evidence.model_dump(mode="json") if self.evidence else None,
        }


@dataclass(frozen=True)
class StepStatus:
    step: Step
    status: Status
    blocked_by: list[str]
    items: list[ItemStatus]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.step.id,
            "label": self.step.label,
            "title": self.step.title,
            "stage": self.step.stage,
            "status": self.status,
            "blocked_by": self.blocked_by,
            "items": [i.as_dict() for i in self.items],
        }


def checklist(session: Session) -> list[StepStatus]:
    """Every protocol step's status in ``session``, in protocol order."""
    out = session.output or "."
    done: set[str] = set()
    result = []
    for s in STEPS:
        blocked_by = [step(r).label for r in s.requires if r not in done]
        items = []
        for item in s.items:
            evidence = session.evidence.get(item.id)
            if evidence is not None:
                status: Status = "done"
            else:
                status = "blocked" if blocked_by else "pending"
            how = item.how(spec=session.spec, out=out)
            items.append(ItemStatus(item, status, evidence, how, blocked_by))
        if all(i.status == "done" for i in items):
            done.add(s.id)
            step_status: Status = "done"
        else:
            step_status = "blocked" if blocked_by else "pending"
        result.append(StepStatus(s, step_status, blocked_by, items))
    return result


def missing_before_end(steps: list[StepStatus]) -> list[ItemStatus]:
    """What ``session end`` still needs: every item without evidence but its own."""
    return [
        i
        for s in steps
        for i in s.items
        if i.status != "done" and i.item.marked_by != "session end"
    ]
