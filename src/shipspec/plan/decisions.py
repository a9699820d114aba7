"""A notebook for the planner: every derived value goes through :meth:`Decisions.decide`."""

from __future__ import annotations

from typing import Any, TypeVar

from .model import Decision

T = TypeVar("T")


class Decisions:
    """Collects the :class:`Decision` records for one environment, in the order made."""

    def __init__(self) -> None:
        self.records: list[Decision] = []

    def decide(self, key: str, value: T, reason: str, **inputs: Any) -> T:
        self.records.append(Decision(key=key, value=value, reason=reason, inputs=inputs))
        return value

    def override(self, key: str, value: T, reason: str, **inputs: Any) -> T:
        """Replace the decision on ``key`` (the spec set it for this environment)."""
        self.records = [r for r in self.records if r.key != key]
        return self.decide(key, value, reason, **inputs)

    def annotate(self, keys: set[str], note: str) -> None:
        """Add ``note`` to the reasons of the decisions on ``keys``."""
        self.records = [
            r.model_copy(update={"reason": f"{r.reason} ({note})"}) if r.key in keys else r
            for r in self.records
        ]
