"""The exception tree and the located diagnostic every user-facing error carries.

::

    ShipspecError                 anything shipspec reports to a user (exit code in .exit_code)
    ├── SpecError                 the handoff spec is invalid: a list of Diagnostics (exit 1)
    ├── WriteConflict             generated files were edited by hand; --force overwrites (exit 1)
    ├── StaleOutput               generate --check found output that differs from the spec (exit 3)
    ├── PreviewError              the generated program failed or registered nothing (exit 1)
    ├── BlueprintError            a --blueprints file that no target renders, or no folder (exit 1)
    ├── DataLossError             a preview deletes or replaces a stateful resource (exit 5)
    ├── write.single.FileExists   init/import would replace a user's file (exit 1)
    ├── write.agents.AgentsFileError  AGENTS.md's shipspec markers are broken (exit 1)
    ├── model_io.ModelMissing     an output folder without .shipspec/model.json (exit 1)
    ├── importers.ImportFailed    compose/repository cannot become a spec: Diagnostics (exit 1)
    ├── policy.PackError          a malformed policy pack: Diagnostics (exit 1)
    ├── policy.PolicyViolation    an error-severity rule failed (exit 4)
    └── session.SessionError      progress file malformed, session refused or incomplete (exit 1)

The subclasses outside this module live beside the stage that raises them. Any other
exception escaping shipspec is a bug, and the CLI says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, located in the user's file so an editor can jump to it.

    ``path`` is the dotted field path (``services.web.port``); ``line`` and
    ``column`` are 1-based, or 0 when the problem has no single place (an empty file).
    """

    file: str
    line: int
    column: int
    path: str
    message: str
    hint: str = ""
    code: str = field(default="invalid", compare=False)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        subject = f"{self.path}: " if self.path else ""
        text = f"{subject}{self.message} ({where})"
        return f"{text}\n  hint: {self.hint}" if self.hint else text

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }


class ShipspecError(Exception):
    """Root of every error shipspec reports to a user; ``exit_code`` is what the CLI returns."""

    exit_code = 1


class SpecError(ShipspecError):
    """The handoff spec is invalid. Carries every problem found, sorted by position."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        count = len(self.diagnostics)
        noun = "problem" if count == 1 else "problems"
        body = "\n".join(str(d) for d in self.diagnostics)
        super().__init__(f"{count} {noun} in the handoff spec:\n{body}")


class WriteConflict(ShipspecError):
    """Generated files that the user edited; nothing was written."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = sorted(paths)
        listed = "\n".join(f"  {p}" for p in self.paths)
        super().__init__(
            "these generated files were edited since shipspec wrote them, so nothing was "
            f"written:\n{listed}\n  hint: move your change into the handoff spec or a "
            "blueprint override, or pass --force to overwrite them"
        )


class StaleOutput(ShipspecError):
    """``generate --check``: the committed output differs from what the spec generates."""

    exit_code = 3

    def __init__(self, changes: Iterable[str]) -> None:
        self.changes = sorted(changes)
        listed = "\n".join(f"  {c}" for c in self.changes)
        super().__init__(
            f"generated output is stale ({len(self.changes)} files differ):\n{listed}\n"
            "  hint: run `shipspec generate` and commit the result"
        )


class PreviewError(ShipspecError):
    """The generated program raised, or ran and registered no resources."""


class DataLossError(ShipspecError):
    """A preview would delete or replace databases, buckets, queues... (``--allow-data-loss``)."""

    exit_code = 5

    def __init__(self, environment: str, losses: Iterable[object]) -> None:
        self.environment = environment
        self.losses = list(losses)
        listed = "\n".join(f"  {loss}" for loss in self.losses)
        super().__init__(
            f"{environment}: this change would lose the data of {len(self.losses)} stateful "
            f"resource{'s' if len(self.losses) != 1 else ''}:\n{listed}\n"
            "  hint: undo the change, or pass --allow-data-loss if losing this data is intended"
        )


class BlueprintError(ShipspecError):
    """A user blueprint folder that is missing, or holds files no target would render."""
