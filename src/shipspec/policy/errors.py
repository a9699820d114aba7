"""The policy stage's two errors, both under :class:`~shipspec.errors.ShipspecError`::

    ShipspecError
    ├── PackError          a policy pack is malformed: a list of Diagnostics (exit 1)
    └── PolicyViolation    the checked stacks break an error-severity rule (exit 4)

Exit 4 is distinct from 1 (bad input) and 3 (stale output), so CI can tell "the spec
is wrong" from "the deployment would be non-compliant".
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import Diagnostic, ShipspecError


class PackError(ShipspecError):
    """A policy pack that cannot be used. Carries every problem found, sorted by position."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        count = len(self.diagnostics)
        noun = "problem" if count == 1 else "problems"
        body = "\n".join(str(d) for d in self.diagnostics)
        super().__init__(f"{count} {noun} in the policy pack:\n{body}")


class PolicyViolation(ShipspecError):
    """Error-severity rules failed; ``count`` of them, summarised per environment."""

    exit_code = 4

    def __init__(self, count: int, summary: Iterable[str]) -> None:
        self.count = count
        lines = "\n".join(f"  {line}" for line in summary)
        super().__init__(
            f"{count} policy {'error' if count == 1 else 'errors'}:\n{lines}\n"
            "  hint: fix the handoff spec (or the pack) and regenerate; "
            "`shipspec check --json` lists each finding"
        )
