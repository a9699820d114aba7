"""What an import carried over, and what it could not: the three bins, and the error.

Compose describes containers on one machine; the handoff spec describes services on
AWS. Much maps cleanly, some settings have no AWS counterpart and are dropped with a
warning, and some mean the application cannot run on Fargate at all (host networking,
privileged mode, devices). Every compose key of every service lands in exactly one
bin, so a reviewer sees the whole translation, not just the parts that went well.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ..errors import Diagnostic, ShipspecError

Bin = Literal["mapped", "dropped", "incompatible"]
_TITLES = {
    "mapped": "Mapped",
    "dropped": "Dropped with a warning",
    "incompatible": "Incompatible with AWS (Fargate and the managed services)",
}


@dataclass(frozen=True, order=True)
class Finding:
    """One compose setting and what became of it. ``key`` is dotted (``ports[1]``)."""

    bin: Bin
    service: str
    key: str
    message: str
    file: str = ""
    line: int = 0

    def __str__(self) -> str:
        subject = ".".join(p for p in (self.service, self.key) if p) or "(project)"
        where = f" ({self.file}:{self.line})" if self.file and self.line else ""
        return f"{subject}: {self.message}{where}"


@dataclass
class ImportReport:
    """The findings of one import, kept in the order they were made and shown sorted."""

    sources: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    allow_incompatible: bool = False
    # Choices the user may want to correct (which services face the internet), shown first.
    decisions: list[str] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        if finding not in self.findings:
            self.findings.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.add(finding)

    def binned(self, which: Bin) -> list[Finding]:
        return sorted(f for f in self.findings if f.bin == which)

    @property
    def mapped(self) -> list[Finding]:
        return self.binned("mapped")

    @property
    def dropped(self) -> list[Finding]:
        return self.binned("dropped")

    @property
    def incompatible(self) -> list[Finding]:
        return self.binned("incompatible")

    def lines(self, width: int = 98) -> list[str]:
        """The report as plain text lines, wrapped to ``width``, one section per bin."""
        out: list[str] = []
        if self.decisions:
            out.append("Entry points (change with --public NAME):")
            for decision in sorted(self.decisions):
                out.extend(
                    textwrap.wrap(decision, width=width, initial_indent="  - ",
                                  subsequent_indent="    ", break_on_hyphens=False)
                )  # fmt: skip
        for which in ("incompatible", "dropped", "mapped"):
            found = self.binned(which)
            if not found:
                continue
            title = _TITLES[which]
            if which == "incompatible" and self.allow_incompatible:
                title += ", dropped because of --allow-incompatible"
            out.append(f"{title} ({len(found)}):")
            for finding in found:
                out.extend(
                    textwrap.wrap(
                        str(finding),
                        width=width,
                        initial_indent="  - ",
                        subsequent_indent="    ",
                        break_on_hyphens=False,
                    )
                )
        return out

    def text(self) -> str:
        return "\n".join(self.lines())


class ImportFailed(ShipspecError):
    """The compose file or repository cannot become a handoff spec (exit code 1).

    ``diagnostics`` are located problems (file, line, compose key, hint); ``report`` is
    what the import found up to that point, so the CLI can show the three bins anyway.
    """

    def __init__(self, diagnostics: Iterable[Diagnostic], report: ImportReport | None = None):
        self.diagnostics = sorted(set(diagnostics))
        self.report = report
        count = len(self.diagnostics)
        noun = "problem" if count == 1 else "problems"
        body = "\n".join(str(d) for d in self.diagnostics)
        super().__init__(f"cannot import: {count} {noun}:\n{body}")
