"""The session's errors: every one says what is wrong, where, and what to do next.

::

    ShipspecError
    └── SessionError            a session command cannot go on (exit 1)
        ├── ProgressFileError   the progress file cannot be read safely: located diagnostics
        ├── SessionRefused      `session start`: Phase 6 is not complete and approved
        └── SessionIncomplete   `session end`: required steps have no evidence yet

A refusal never changes the progress file, so running the command again after fixing
the cause is always safe.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import Diagnostic, ShipspecError


class SessionError(ShipspecError):
    """A session command cannot proceed; the message names the fix."""


class ProgressFileError(SessionError):
    """The progress file is malformed or was edited where shipspec writes; nothing was written."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        count = len(self.diagnostics)
        noun = "problem" if count == 1 else "problems"
        body = "\n".join(str(d) for d in self.diagnostics)
        super().__init__(f"{count} {noun} in the progress file, so it was left as it is:\n{body}")


class SessionRefused(SessionError):
    """The development handoff is not ready for a deployment session (Phase 6)."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        body = "\n".join(str(d) for d in self.diagnostics)
        super().__init__(
            "a deployment session starts from a complete, approved development handoff "
            f"(Phase 6), and this one is not:\n{body}"
        )


class SessionIncomplete(SessionError):
    """``session end`` before every required step has its evidence."""

    def __init__(self, session: int, missing: list[tuple[str, str, str]]) -> None:
        self.missing = missing  # (item id, title, how to get it)
        lines = "\n".join(f"  {item}: {title}\n    how: {how}" for item, title, how in missing)
        super().__init__(
            f"session {session} cannot end: {len(missing)} required steps have no evidence "
            f"yet:\n{lines}\n  hint: `shipspec session status` shows the whole checklist"
        )
