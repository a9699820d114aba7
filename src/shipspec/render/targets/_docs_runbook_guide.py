"""One alarm kind's guidance in the runbook: what it means, how to check, how to mitigate."""

from __future__ import annotations

from dataclasses import dataclass

DESCRIBE = "the alarm's state and why it changed (the look-up commands under the table)"


@dataclass(frozen=True)
class Guide:
    title: str
    meaning: str
    check: tuple[str, ...]
    mitigate: tuple[str, ...]
