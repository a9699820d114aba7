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
