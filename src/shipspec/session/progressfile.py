"""Read and write ``.ai_context/framework_progress.md`` without losing a byte a person wrote.

The file is the shared record between the framework's phases; people write in it too.
shipspec owns only the blocks between ``<!-- shipspec:begin NAME -->`` and
``<!-- shipspec:end NAME -->`` markers (``phases``, ``session-N``, ``audit``, ``state``)
and rewrites nothing else: every other line goes back out exactly as it came in.

Reading is strict, because a wrong guess would cost someone's notes: duplicated, nested
or unclosed markers, a ``state`` block that is not valid JSON of the right shape, and text
typed inside a block shipspec owns (noticed by the block's digest) are reported with the
file and line and a hint, and the file is not written. An empty block is not an edit:
deleting a block's contents asks shipspec to render it again.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..errors import Diagnostic
from .blocks import STATE_CLOSE, markdown_blocks, state_block
from .errors import ProgressFileError, SessionError
from .layout import Block, assemble
from .protocol import PROTOCOL, item_ids
from .state import ProgressState, sha256

_MARKER = re.compile(r"^<!--\s*shipspec:(begin|end)\s+([^\s>]+)\s*-->$")
_OURS = re.compile(r"^\s*<!--\s*shipspec:")
_NAME = re.compile(r"^(phases|audit|state|session-[1-9][0-9]*)$")
_MARKER_HINT = (
    "shipspec's markers are `<!-- shipspec:begin NAME -->` and `<!-- shipspec:end NAME -->`"
)
_EDIT_HINT = (
    "shipspec rewrites this block; move your text outside the markers (it is kept there), or "
    "empty the block to have it rendered again. Record evidence with `shipspec session mark`"
)


@dataclass
class ProgressFile:
    path: Path
    shown: str  # the name used in messages
    lines: list[str] = field(default_factory=list)  # with their line endings
    newline: str = "\n"
    blocks: dict[str, Block] = field(default_factory=dict)
    state: ProgressState | None = None
    edited: dict[str, int] = field(default_factory=dict)  # block → 1-based first edited line

    @classmethod
    def read(cls, path: Path, shown: str | None = None) -> ProgressFile:
        doc = cls(Path(path), shown or str(path))
        raw = doc.path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            raise ProgressFileError(
                [doc._at(line, "", "is not UTF-8 text", "save the file as UTF-8")]
            ) from None
        doc.lines = text.splitlines(keepends=True)
        doc.newline = "\r\n" if doc.lines and doc.lines[0].endswith("\r\n") else "\n"
        problems = doc._find_blocks()
        if not problems:
            problems = doc._read_state()
        if problems:
            raise ProgressFileError(problems)
        if doc.state is not None:
            doc._find_edits()
        return doc

    def _at(
        self, line: int, path: str, message: str, hint: str, code: str = "progress"
    ) -> Diagnostic:
        return Diagnostic(self.shown, line, 1 if line else 0, path, message, hint, code)

    def _find_blocks(self) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        open_block: tuple[str, int] | None = None
        for index, line in enumerate(self.lines):
            stripped = line.strip()
            match = _MARKER.match(stripped)
            if match is None:
                if _OURS.match(stripped):
                    problems.append(
                        self._at(
                            index + 1,
                            "",
                            f"unrecognised marker {stripped!r}",
                            _MARKER_HINT,
                            "marker",
                        )
                    )
                continue
            kind, name = match.groups()
            if not _NAME.match(name):
                problems.append(
                    self._at(
                        index + 1,
                        name,
                        f"unknown shipspec block `{name}`",
                        "blocks are phases, session-N, audit and state",
                        "marker",
                    )
                )
            elif kind == "begin" and open_block is not None:
                problems.append(
                    self._at(
                        index + 1,
                        name,
                        f"`{name}` begins inside `{open_block[0]}` (opened at "
                        f"line {open_block[1] + 1})",
                        f"close `{open_block[0]}` first",
                        "marker",
                    )
                )
            elif kind == "begin" and name in self.blocks:
                first = self.blocks[name].begin + 1
                problems.append(
                    self._at(
                        index + 1,
                        name,
                        f"block `{name}` appears twice (first at line {first})",
                        "keep one copy: delete the other, markers included",
                        "duplicate",
                    )
                )
            elif kind == "begin":
                open_block = (name, index)
            elif open_block is None or open_block[0] != name:
                problems.append(
                    self._at(
                        index + 1, name, f"`end {name}` without its begin", _MARKER_HINT, "marker"
                    )
                )
            else:
                self.blocks[name] = Block(name, open_block[1], index)
                open_block = None
        if open_block is not None:
            problems.append(
                self._at(
                    open_block[1] + 1,
                    open_block[0],
                    f"block `{open_block[0]}` is never closed",
                    f"add `<!-- shipspec:end {open_block[0]} -->`",
                    "marker",
                )
            )
        return problems

    def _read_state(self) -> list[Diagnostic]:
        block = self.blocks.get("state")
        if block is None:
            if self.blocks:
                first = min(b.begin for b in self.blocks.values()) + 1
                return [
                    self._at(
                        first,
                        "state",
                        "shipspec blocks without the `state` block that records them",
                        "restore the state block from version "
                        "control (`git log -p`), or delete every shipspec block to "
                        "start over",
                        "no-state",
                    )
                ]
            return []
        body = [line.rstrip("\r\n") for line in self.lines[block.begin + 1 : block.end]]
        if (
            len(body) < 2
            or not body[0].lstrip().startswith("<!--")
            or body[-1].strip() != STATE_CLOSE
        ):
            return [
                self._at(
                    block.begin + 1,
                    "state",
                    "the state block must hold the record inside an HTML comment",
                    "restore it from version control",
                    "state",
                )
            ]
        start = block.begin + 2  # 0-based index of the first JSON line
        try:
            data = json.loads("\n".join(body[1:-1]))
            # A lone surrogate (``"\\ud800"``) parses, but could never be written back.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except json.JSONDecodeError as error:
            return [
                self._at(
                    start + error.lineno,
                    "state",
                    f"the record is not valid JSON: {error.msg} (column {error.colno})",
                    "restore it from version control, or fix the JSON by hand",
                    "state-json",
                )
            ]
        except (ValueError, RecursionError) as error:
            # An integer past Python's digit limit, nesting deeper than the parser's
            # recursion, or a string that is not Unicode text: not a record shipspec wrote.
            reason = "nests too deeply" if isinstance(error, RecursionError) else f"holds {error}"
            return [
                self._at(
                    start,
                    "state",
                    f"the record is not one shipspec wrote: it {reason}",
                    "restore it from version control (`git log -p` on the progress file)",
                    "state-json",
                )
            ]
        try:
            self.state = ProgressState.model_validate(data)
        except ValidationError as error:
            return [self._invalid(detail, body[1:-1], start) for detail in error.errors()]
        return self._check_state(self.state, start)

    def _invalid(self, detail: object, json_lines: list[str], start: int) -> Diagnostic:
        loc = detail["loc"]  # type: ignore[index]
        index = 0
        for part in loc:
            if isinstance(part, str):
                index = next(
                    (i for i in range(index, len(json_lines)) if f'"{part}":' in json_lines[i]),
                    index,
                )
        path = ".".join(str(p) for p in loc)
        return self._at(
            start + index + 1,
            f"state.{path}",
            detail["msg"],  # type: ignore[index]
            "restore the record from version control, or fix it by hand",
            "state-invalid",
        )

    def _check_state(self, state: ProgressState, start: int) -> list[Diagnostic]:
        problems = []
        known = set(item_ids())
        for session in state.sessions:
            if session.protocol != PROTOCOL:
                problems.append(
                    self._at(
                        start,
                        f"state.sessions.{session.number}",
                        "written "
                        f"under protocol {session.protocol}; this shipspec knows "
                        f"{PROTOCOL}",
                        "use the shipspec version that started it",
                    )
                )
            for item in sorted(set(session.evidence) - known):
                problems.append(
                    self._at(
                        start,
                        f"state.sessions.{session.number}.{item}",
                        f"unknown protocol step `{item}`",
                        f"known steps: {', '.join(sorted(known))}",
                    )
                )
        return problems

    def _find_edits(self) -> None:
        assert self.state is not None
        expected = dict(markdown_blocks(self.state))
        for name, block in self.blocks.items():
            if name == "state":
                continue
            body = [line.rstrip("\r\n") for line in self.lines[block.begin + 1 : block.end]]
            if not "".join(body).strip():
                continue
            if self.state.blocks.get(name) == sha256("\n".join(body)):
                continue
            fresh = expected.get(name, [])
            offset = next(
                (i for i, (a, b) in enumerate(zip(body, fresh, strict=False)) if a != b),
                min(len(body), len(fresh)),
            )
            self.edited[name] = block.begin + 2 + min(offset, max(len(body) - 1, 0))

    def refuse_edits(self) -> None:
        if self.edited:
            raise ProgressFileError(
                self._at(
                    line,
                    name,
                    f"text was added or changed inside shipspec's `{name}` block",
                    _EDIT_HINT,
                    "edited",
                )
                for name, line in self.edited.items()
            )

    def write(self, state: ProgressState) -> None:
        """Render ``state`` into the owned blocks and replace the file atomically."""
        self.refuse_edits()
        bodies = dict(markdown_blocks(state))
        state.blocks = {name: sha256("\n".join(lines)) for name, lines in bodies.items()}
        bodies["state"] = state_block(state)
        text = "".join(assemble(self.lines, self.blocks, bodies, self.newline))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=".progress-", dir=self.path.parent)
        except OSError as error:
            raise self._unwritable(error) from None
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(text.encode("utf-8"))
            os.replace(temp, self.path)
        except OSError as error:
            Path(temp).unlink(missing_ok=True)
            raise self._unwritable(error) from None
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        self.state = state

    def _unwritable(self, error: OSError) -> SessionError:
        return SessionError(
            f"{self.shown}: cannot write the progress file: {error.strerror}; it was left as "
            "it was\n  hint: the folder must be writable and have space (read-only, full or "
            "immutable? `lsattr -d .ai_context`), then run the command again"
        )
