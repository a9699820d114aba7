"""Read YAML into plain Python values plus a map from field path to source position.

Hostile input is refused before it can cost anything: files over :data:`MAX_BYTES`
or :data:`MAX_ENTRIES` lines and commas, binary or non-UTF-8 bytes, alias bombs (the
expanded document is capped at :data:`MAX_NODES` values), and nesting deeper than
:data:`MAX_DEPTH`. Every refusal is a :class:`~shipspec.errors.Diagnostic`, never a
parser traceback. Problems that do not stop the reading (a key given twice, a key
that is a list) are kept in :attr:`YamlDocument.problems`, so they are reported
together with the validation errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from ..errors import Diagnostic, SpecError

MAX_BYTES = 1024 * 1024
# The pure-Python parser spends about 0.1 ms per entry: a 1 MiB file of one-line keys
# would take ten seconds, so the cap keeps the worst case near one. A handoff for 200
# services is about 4,000 lines.
MAX_ENTRIES = 10_000
MAX_NODES = 100_000
MAX_DEPTH = 32

Path = tuple[str | int, ...]

_SYNTAX_HINT = "check indentation and quoting"
_EMPTY_HINT = "run `shipspec init` for a commented starter spec"
# Sections whose keys name things: a repeat is a second definition, not a typo.
_NAMED = {"environments": "environment", "services": "service", "datastores": "datastore"}


@dataclass
class YamlDocument:
    """A parsed document: its data, and where each value (and each mapping key) starts."""

    file: str
    data: Any
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """The 1-based position of ``path``, or of its nearest located ancestor."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))


class _Constructor(RoundTripConstructor):
    """Records repeated keys instead of stopping at the first, so all are reported."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.repeats: dict[int, list[tuple[Any, Any]]] = {}

    def check_mapping_key(
        self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any
    ) -> bool:
        if key in mapping:
            self.repeats.setdefault(id(mapping), []).append((key, key_node.start_mark))
            return False
        return True


def read_yaml(raw: bytes, file: str) -> YamlDocument:
    """Parse ``raw`` (the bytes of ``file``) or raise :class:`SpecError` saying why not."""
    text = _decode(raw, file)
    _refuse_costly(text, file)
    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _Constructor
    try:
        loaded = yaml.load(text)
    except ReaderError as exc:
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
    except MarkedYAMLError as exc:
        line, col = _mark(exc.problem_mark or exc.context_mark)
        problem = exc.problem or exc.context or "cannot be parsed"
        raise SpecError(
            [_fatal(file, line, col, f"not valid YAML: {problem}", _SYNTAX_HINT, "yaml-syntax")]
        ) from None
    except (YAMLError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SpecError(
            [_fatal(file, 1, 1, f"not valid YAML: {message}", _SYNTAX_HINT, "yaml-syntax")]
        ) from None
    except RecursionError:
        raise SpecError([_too_deep(file, 1, 1)]) from None
    except (AttributeError, TypeError, KeyError, IndexError, AssertionError) as exc:
        # ruamel's own failures on odd input, e.g. a merge key that merges its own mapping
        # (`a: &a {<<: *a}`): still a file we cannot read, not a shipspec crash.
        message = f"not valid YAML: the parser failed ({type(exc).__name__})"
        raise SpecError([_fatal(file, 1, 1, message, _SYNTAX_HINT, "yaml-syntax")]) from None
    if loaded is None:
        raise SpecError([_fatal(file, 0, 0, "the file is empty", _EMPTY_HINT, "empty")])
    document = YamlDocument(file, None)
    repeats = yaml.constructor.repeats if isinstance(yaml.constructor, _Constructor) else {}
    document.data = _plain(loaded, (), document, [0], 0, repeats)
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
    message = f"nested more than {MAX_DEPTH} levels deep"
    return _fatal(
        file, line, col, message, "a handoff spec is at most a few levels deep", "too-deep"
    )


def _key_text(key: Any) -> str | None:
    """Keys are text in a spec; YAML reads ``8080:``, ``true:`` or ``null:`` as other types."""
    if isinstance(key, str):
        return str(key)
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, int | float):
        return str(key)
    return None


def _plain(
    node: Any,
    path: Path,
    doc: YamlDocument,
    budget: list[int],
    depth: int,
    repeats: dict[int, list[tuple[Any, Any]]],
) -> Any:
    """Copy ruamel's round-trip tree into dicts and lists, recording positions.

    Aliases are expanded here, so the node budget is what stops an alias bomb.
    """
    budget[0] += 1
    if budget[0] > MAX_NODES:
        line, col = doc.position(path)
        message = f"the document expands to more than {MAX_NODES:,} values"
        hint = "YAML aliases that repeat aliases multiply: is this an alias bomb?"
        raise SpecError([Diagnostic(doc.file, line, col, "", message, hint, "too-many-nodes")])
    if depth > MAX_DEPTH:
        line, col = doc.position(path)
        raise SpecError([_too_deep(doc.file, line, col)])
    if isinstance(node, CommentedMap):
        return _plain_map(node, path, doc, budget, depth, repeats)
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            _record(doc.values, child, node.lc.item, index)
            items.append(_plain(value, child, doc, budget, depth + 1, repeats))
        return items
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if node is None:
        return None
    return _text(str(node), path, doc)


def _text(text: str, path: Path, doc: YamlDocument, at: tuple[int, int] | None = None) -> str:
    """Refuse lone UTF-16 surrogates (``"\\ud800"`` escapes): no file or terminal can hold them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line, col = at or doc.position(path)
        message = f"holds an invalid character (a lone surrogate, U+{ord(text[exc.start]):04X})"
        hint = 'write the character itself, or escape it as "\\U0001F600", not as a UTF-16 pair'
        diagnostic = Diagnostic(doc.file, line, col, dotted(path), message, hint, "encoding")
        raise SpecError([diagnostic]) from None
    return text


def _plain_map(
    node: CommentedMap,
    path: Path,
    doc: YamlDocument,
    budget: list[int],
    depth: int,
    repeats: dict[int, list[tuple[Any, Any]]],
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in node.items():
        name = _key_text(key)
        if name is not None:
            _record(doc.keys, (*path, name), node.lc.key, key)
            name = _text(name, path, doc, doc.keys.get((*path, name)))  # path: no surrogate
        if name is None:
            line, col = _located(node.lc.key, key) or doc.position(path)
            kind = "a list" if isinstance(key, tuple | list) else "a mapping"
            message = f"a key here is {kind}, not a name"
            hint = "keys are plain names, e.g. `web:`"
            doc.problems.append(
                Diagnostic(doc.file, line, col, dotted(path), message, hint, "key-type")
            )
            continue
        child = (*path, name)
        _record(doc.keys, child, node.lc.key, key)
        _record(doc.values, child, node.lc.value, key)
        result[name] = _plain(value, child, doc, budget, depth + 1, repeats)
    for key, mark in repeats.get(id(node), []):
        repeated = _key_text(key)
        if repeated is None:
            continue
        doc.problems.append(_repeat(doc, path, repeated, mark))
    return result


def _repeat(doc: YamlDocument, path: Path, name: str, mark: Any) -> Diagnostic:
    """A key given twice: ruamel kept the first, so the second is the one to point at."""
    first = doc.keys.get((*path, name), (0, 0))[0]
    kind = _NAMED.get(str(path[-1])) if len(path) == 1 else None
    if kind:
        message = (
            f"{kind} `{name}` is defined twice (first on line {first}); {kind}s are named once"
        )
        hint = f"rename one of them, or merge the two into one `{name}`"
    else:
        message = f"`{name}` is given twice (first on line {first})"
        hint = "each key may appear once in a mapping: keep one"
    line, col = _mark(mark)
    return Diagnostic(doc.file, line, col, dotted((*path, name)), message, hint, "duplicate-key")


def _located(lookup: Any, key: Any) -> tuple[int, int] | None:
    """ruamel's 0-based (line, column) of a key, value or item, made 1-based."""
    try:
        line, col = lookup(key)
    except (KeyError, TypeError, IndexError):
        return None
    return (line + 1, col + 1)


def _record(table: dict[Path, tuple[int, int]], path: Path, lookup: Any, key: Any) -> None:
    where = _located(lookup, key)
    if where is not None:
        table[path] = where


def dotted(path: Path) -> str:
    """``("services", "web", "uses", 2)`` → ``services.web.uses[2]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
