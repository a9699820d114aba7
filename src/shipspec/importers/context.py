"""The state one conversion shares: the project, the report, the notes, the errors.

Every converter step reports through :class:`Context`, so each finding is located at
the compose key it is about (file and line, through the project's locator) and each
comment destined for the written handoff is attached to the spec path it explains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Diagnostic
from ..spec.checks import credential_reason
from ..spec.yamlsource import dotted
from .project import ComposeProject
from .report import Bin, Finding, ImportReport
from .sources import KeyPath, Where


@dataclass
class Context:
    project: ComposeProject
    report: ImportReport
    base_dir: Path
    allow_incompatible: bool = False
    problems: list[Diagnostic] = field(default_factory=list)
    notes: dict[KeyPath, list[str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # compose service -> spec name
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)  # top-level spec volumes
    public: tuple[str, ...] = ()  # --public: the only services that face the internet
    # proxy -> its routes richer than listener rules carry (regex, headers...): kept
    rich_routes: dict[str, list[str]] = field(default_factory=dict)

    def where(self, service: str, *keys: str | int, key: bool = False) -> Where:
        return self.project.locator.where(("services", service, *keys), key=key)

    def find(self, which: Bin, service: str, keys: tuple[str | int, ...], message: str) -> None:
        where = self.where(service, *keys)
        self.report.add(Finding(which, service, dotted(keys), message, where.file, where.line))

    def incompatible(self, service: str, keys: tuple[str | int, ...], message: str) -> None:
        """An incompatibility: an error, unless the user allowed dropping it."""
        self.find("incompatible", service, keys, message)
        if not self.allow_incompatible:
            where = self.where(service, *keys)
            self.problems.append(
                where.problem(
                    f"cannot run on AWS as written: {message}",
                    "remove it from the compose file, or pass --allow-incompatible to drop it",
                    "incompatible",
                )
            )

    def error(
        self, service: str, keys: tuple[str | int, ...], message: str, hint: str = ""
    ) -> None:
        where = self.where(service, *keys, key=not keys or isinstance(keys[-1], str))
        self.problems.append(where.problem(message, hint, "compose"))

    def note(self, path: KeyPath, text: str) -> None:
        lines = self.notes.setdefault(path, [])
        if text not in lines:
            lines.append(text)


_SECRET_WORDS = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|API_?KEY|ACCESS_KEY|FERNET_KEY|SIGNING_KEY|"
    r"ENCRYPTION_KEY)(_|$)"
)


# Keys named for what they unlock, in any case (`AzureStorageAccountKey`, `CLIENT_KEY`);
# a bare `*_KEY` (`CACHE_KEY`, `SORT_KEY`) is usually a setting, so only these count.
_NAMED_KEY = re.compile(
    r"(ACCOUNT|ACCESS|API|SECRET|PRIVATE|SIGNING|ENCRYPTION|MASTER|CLIENT|STORAGE|AUTH|LICEN[CS]E)"
    r"_?KEY$"
)


def credential(variable: str, value: str) -> str | None:
    """Why ``variable=value`` is a credential, or None.

    Validation's own test (:func:`~shipspec.spec.checks.credential_reason`), widened to
    names such as ``SECRET_KEY`` or ``CLIENT_SECRET_ID`` and to names of credentials whose
    value compose leaves empty (it is set at deploy time).
    """
    reason = credential_reason(variable, value)
    if reason:
        return reason
    name = variable.upper()
    if _SECRET_WORDS.search(name) and value.strip().lower() not in ("true", "false"):
        return f"a credential (the name {variable} says so)"
    if _NAMED_KEY.search(name):
        return f"a key (the name {variable} says so)"
    if name.endswith("_KEY") and not value.strip():
        return f"a key left for deploy time (the name {variable} says so)"
    return None


def text_of(value: Any) -> str | None:
    """A compose scalar as text (``8000`` → ``"8000"``), or None for mappings and lists."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None
