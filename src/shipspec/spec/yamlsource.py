"""Read YAML into plain Python values plus a map from field path to source position.

The text is parsed by libyaml (PyYAML's C parser) and built by :mod:`.yamltree`.
Hostile input is refused before it can cost anything: files over :data:`MAX_BYTES`
or :data:`MAX_ENTRIES` lines and commas, binary or non-UTF-8 bytes, alias bombs (the
expanded document is capped at :data:`MAX_NODES` values), and nesting deeper than
:data:`MAX_DEPTH`. Every refusal is a :class:`~shipspec.errors.Diagnostic`, never a
parser traceback. Problems that do not stop the reading (a key given twice, a key
that is a list) are kept in :attr:`YamlDocument.problems`, so they are reported
together with the validation errors.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..errors import Diagnostic, SpecError
from .yamltree import MAX_DEPTH, MAX_NODES, Builder, Path, YamlDocument, dotted, too_deep

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_ENTRIES",
    "MAX_NODES",
    "Path",
    "YamlDocument",
    "dotted",
    "read_yaml",
]

# PyYAML's libyaml parser; the pure-Python one where PyYAML was built without it.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 1024 * 1024
# Reading costs a few microseconds per entry with libyaml; the cap keeps a hostile file
# of one-line keys well under a second. A handoff for 200 services is about 4,000 lines.
MAX_ENTRIES = 10_000

_SYNTAX_HINT = "check indentation and quoting"
_EMPTY_HINT = "run `shipspec init` for a commented starter spec"


def read_yaml(raw: bytes, file: str) -> YamlDocument:
    """Parse ``raw`` (the bytes of ``file``) or raise :class:`SpecError` saying why not."""
    text = _decode(raw, file)
    _refuse_costly(text, file)
    document = YamlDocument(file, None)
    try:
        loaded = Builder(document).build(yaml.parse(text, Loader=_LOADER))
    except yaml.reader.ReaderError as exc:
        line, col = _offset(text, exc.position)
        shown = (
            f"0x{exc.character:02x}" if isinstance(exc.character, int) else "a control character"
        )
        raise SpecError(
            [
                _fatal(
                    file,
                    line,
                    col,
                    f"contains {shown}, which YAML does not allow",
                    "remove it, or quote and escape it",
                    "encoding",
                )
            ]
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_syntax_error(exc, text, file)]) from None
    except (yaml.YAMLError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SpecError(
            [_fatal(file, 1, 1, f"not valid YAML: {message}", _SYNTAX_HINT, "yaml-syntax")]
        ) from None
    except RecursionError:
        raise SpecError([_too_deep(file, 1, 1)]) from None
    if loaded is None:
        raise SpecError([_fatal(file, 0, 0, "the file is empty", _EMPTY_HINT, "empty")])
    document.data = loaded
    return document


def _decode(raw: bytes, file: str) -> str:
    if len(raw) > MAX_BYTES:
        message = f"the file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}"
        raise SpecError(
            [
                _fatal(
                    file,
                    0,
                    0,
                    message,
                    "a handoff spec is a few kilobytes: is this the right file?",
                    "too-large",
                )
            ]
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SpecError(
            [_fatal(file, 0, 0, "is UTF-16 text, not UTF-8", "save the file as UTF-8", "encoding")]
        )
    if b"\x00" in raw:
        raise SpecError(
            [
                _fatal(
                    file,
                    0,
                    0,
                    "this is a binary file, not YAML",
                    "point shipspec at handoff.yaml",
                    "binary",
                )
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x})"
        raise SpecError(
            [_fatal(file, line, col, message, "save the file as UTF-8", "encoding")]
        ) from None
    if not text.strip():
        raise SpecError([_fatal(file, 0, 0, "the file is empty", _EMPTY_HINT, "empty")])
    return text


def _refuse_costly(text: str, file: str) -> None:
    """Refuse what would make the parser spend seconds: ``[[[[...`` and huge entry counts.

    Brackets are counted everywhere outside comments, quotes included: a real spec
    never holds 32 unclosed brackets, and ignoring quotes could be gamed.
    """
    entries = text.count("\n") + text.count(",")
    if entries > MAX_ENTRIES:
        message = f"the file has {entries:,} lines and commas; the limit is {MAX_ENTRIES:,}"
        raise SpecError(
            [
                _fatal(
                    file,
                    0,
                    0,
                    message,
                    "a handoff spec is a few hundred lines: is this the right file?",
                    "too-large",
                )
            ]
        )
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        for column, char in enumerate(line.split(" #", 1)[0], start=1):
            if char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    raise SpecError([_too_deep(file, number, column)])
            elif char in "]}":
                depth = max(0, depth - 1)


def _fatal(file: str, line: int, col: int, message: str, hint: str, code: str) -> Diagnostic:
    return Diagnostic(file, line, col, "", message, hint, code)


def _mark(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _offset(text: str, position: Any) -> tuple[int, int]:
    """A character offset into ``text`` → 1-based line and column."""
    if not isinstance(position, int):
        return 1, 1
    line = text.count("\n", 0, position) + 1
    return line, position - (text.rfind("\n", 0, position) + 1) + 1


def _too_deep(file: str, line: int, col: int) -> Diagnostic:
    return too_deep(file, line, col)


# libyaml's wording where the pure-Python parser's (which users and tests know) was clearer.
_REWORDED = {
    "mapping values are not allowed in this context": "mapping values are not allowed here",
    "did not find expected ',' or ']'": "expected ',' or ']'",
    "did not find expected ',' or '}'": "expected ',' or '}'",
}


def _syntax_error(exc: Any, text: str, file: str) -> Diagnostic:
    """libyaml's parse error as a located diagnostic, in words a user can act on."""
    mark = exc.problem_mark or exc.context_mark
    line, col = _mark(mark)
    problem = exc.problem or exc.context or "cannot be parsed"
    lines = text.splitlines()
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    if problem == "found invalid Unicode character escape code" and exc.context_mark is not None:
        escape = re.match(r"[0-9a-fA-F]{4,8}", source[col - 1 :])
        code = int(escape.group(0), 16) if escape else 0
        if 0xD800 <= code <= 0xDFFF:
            at = _mark(exc.context_mark)
            message = f"holds an invalid character (a lone surrogate, U+{code:04X})"
            hint = 'write the character itself, or escape it as "\\U0001F600", not as a UTF-16 pair'
            return Diagnostic(file, at[0], at[1], "", message, hint, "encoding")
    if problem == "found character that cannot start any token" and col - 1 < len(source):
        problem = f"found character {source[col - 1]!r} that cannot start any token"
    problem = _REWORDED.get(problem, problem)
    return _fatal(file, line, col, f"not valid YAML: {problem}", _SYNTAX_HINT, "yaml-syntax")
