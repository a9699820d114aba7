"""shipspec's marked section in the repository's ``AGENTS.md``, and nothing else of it.

``AGENTS.md`` is the file coding assistants read first; it belongs to the user. shipspec
owns only the lines from ``<!-- shipspec:begin deployment-context -->`` to
``<!-- shipspec:end deployment-context -->``: it creates the file when it is missing,
appends the section when the file has none, and otherwise replaces what lies between the
markers. Every other byte goes back out as it came in (line endings, a missing final
newline, encoding), as in the progress file. A broken marker (unclosed, duplicated,
misspelt, an end before its begin) is reported at its line and the file is not written:
guessing where the section ends could eat the user's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from ..errors import Diagnostic, ShipspecError
from .atomic import replace_file

AGENTS_FILE = "AGENTS.md"
SECTION = "deployment-context"
BEGIN = f"<!-- shipspec:begin {SECTION} -->"
END = f"<!-- shipspec:end {SECTION} -->"
_MARKER = re.compile(r"^<!--\s*shipspec:(begin|end)\s+([^\s>]+)\s*-->$")
_OURS = re.compile(r"^\s*<!--\s*shipspec:")

SectionAction = Literal["create", "update", "unchanged"]


class AgentsFileError(ShipspecError):
    """``AGENTS.md`` cannot be edited safely (a broken marker, not UTF-8): nothing was written."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics)
        super().__init__(
            f"{len(self.diagnostics)} problem(s) in AGENTS.md; it was not changed:\n"
            + "\n".join(str(d) for d in self.diagnostics)
        )


def section_text(body: list[str], newline: str = "\n") -> str:
    """The section as it appears in the file, markers included, ending with ``newline``."""
    return "".join(line + newline for line in (BEGIN, *body, END))


def updated_text(current: bytes | None, body: list[str], shown: str = AGENTS_FILE) -> str:
    """The file's new text: ``current`` with the section inserted or replaced.

    ``current`` is None when the file does not exist. Raises :class:`AgentsFileError`
    for a file whose markers cannot be trusted.
    """
    if current is None:
        return section_text(body)
    try:
        text = current.decode("utf-8")
    except UnicodeDecodeError as error:
        line = current[: error.start].count(b"\n") + 1
        raise AgentsFileError(
            [Diagnostic(shown, line, 1, "", "is not UTF-8 text", "save it as UTF-8", "agents")]
        ) from None
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    span = _find_section(lines, shown)
    if span is None:
        prefix = text
        if prefix and not prefix.endswith(("\n", "\r")):
            prefix += newline
        if prefix.strip():
            prefix += newline
        return prefix + section_text(body, newline)
    begin, end = span
    end_line = lines[end]
    ending = end_line[len(end_line.rstrip("\r\n")) :]  # keep "no final newline" as it was
    inner = "".join(line + newline for line in body)
    return (
        "".join(lines[:begin])
        + lines[begin]
        + inner
        + end_line.rstrip("\r\n")
        + ending
        + "".join(lines[end + 1 :])
    )


def _find_section(lines: list[str], shown: str) -> tuple[int, int] | None:
    """``(begin index, end index)`` of the section, None when absent; strict about markers."""
    problems = []
    begin: int | None = None
    found: tuple[int, int] | None = None

    def problem(index: int, message: str, hint: str) -> None:
        problems.append(Diagnostic(shown, index + 1, 1, SECTION, message, hint, "agents-marker"))

    for index, line in enumerate(lines):
        stripped = line.strip()
        match = _MARKER.match(stripped)
        if match is None:
            if _OURS.match(stripped):
                problem(index, f"unrecognised marker {stripped!r}", f"write `{BEGIN}`")
            continue
        kind, name = match.groups()
        if name != SECTION:
            problem(index, f"unknown shipspec section `{name}`", f"the section is `{SECTION}`")
        elif kind == "begin" and begin is not None:
            problem(
                index, f"`{SECTION}` begins again (opened at line {begin + 1})", "close it first"
            )
        elif kind == "begin" and found is not None:
            problem(
                index,
                f"section `{SECTION}` appears twice (first at line {found[0] + 1})",
                "keep one copy: delete the other, markers included",
            )
        elif kind == "begin":
            begin = index
        elif begin is None:
            problem(index, f"`end {SECTION}` without its begin", f"add `{BEGIN}` above it")
        else:
            found, begin = (begin, index), None
    if begin is not None:
        problem(begin, f"section `{SECTION}` is never closed", f"add `{END}` after it")
    if problems:
        raise AgentsFileError(problems)
    return found


def sync_agents_section(
    out_dir: Path, body: list[str], *, check: bool = False
) -> tuple[str, SectionAction]:
    """Bring the section in ``out_dir/AGENTS.md`` up to date; ``(path, what changed)``.

    With ``check``, nothing is written. A symlinked ``AGENTS.md`` is edited where it
    points, but only inside ``out_dir``; nothing is ever written outside it.
    """
    root = Path(out_dir).resolve()
    path = Path(out_dir) / AGENTS_FILE
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root):
            raise AgentsFileError(
                [
                    Diagnostic(
                        str(path),
                        0,
                        0,
                        "",
                        f"is a link to {target}, outside the output folder",
                        "shipspec writes only inside the output folder: replace the link "
                        "with a file, or point it inside the folder",
                        "agents-link",
                    )
                ]
            )
        path = target
    exists = path.is_file()
    if path.exists() and not exists:
        raise AgentsFileError(
            [Diagnostic(str(path), 0, 0, "", "is not a regular file", "remove it", "agents")]
        )
    current = path.read_bytes() if exists else None
    text = updated_text(current, body, str(Path(out_dir) / AGENTS_FILE))
    new = text.encode("utf-8")
    if current == new:
        return AGENTS_FILE, "unchanged"
    action: SectionAction = "update" if exists else "create"
    if not check:
        replace_file(path, new, keep_mode=True)
    return AGENTS_FILE, action
