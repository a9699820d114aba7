"""Read YAML into plain Python values plus a map from field path to source position.

Hostile input is refused before it can cost anything: files over
:data:`MAX_BYTES`, binary or non-UTF-8 bytes, alias bombs (the expanded document is
capped at :data:`MAX_NODES` values), and nesting deeper than :data:`MAX_DEPTH`. Every
refusal is a :class:`~shipspec.errors.Diagnostic`, never a parser traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ..errors import Diagnostic, SpecError

MAX_BYTES = 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 32

Path = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """A parsed document: its data, and where each value (and each mapping key) starts."""

    file: str
    data: Any
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

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


def read_yaml(raw: bytes, file: str) -> YamlDocument:
    """Parse ``raw`` (the bytes of ``file``) or raise :class:`SpecError` saying why not."""
    text = _decode(raw, file)
    _refuse_deep_flow(text, file)
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        loaded = yaml.load(text)
    except DuplicateKeyError as exc:
        line, col = _mark(exc.problem_mark)
        key = str(exc.problem).split('"')[1] if '"' in str(exc.problem) else ""
        raise SpecError(
            [Diagnostic(file, line, col, key, "is defined twice", "each key may appear once in a mapping", "duplicate-key")]
        ) from None
    except MarkedYAMLError as exc:
        line, col = _mark(exc.problem_mark or exc.context_mark)
        raise SpecError(
            [Diagnostic(file, line, col, "", f"not valid YAML: {exc.problem or exc.context}", "check indentation and quoting", "yaml-syntax")]
        ) from None
    except (YAMLError, ValueError) as exc:
        raise SpecError([Diagnostic(file, 1, 1, "", f"not valid YAML: {exc}", code="yaml-syntax")]) from None
    except RecursionError:
        raise SpecError([_too_deep(file, 1, 1)]) from None
    if loaded is None:
        raise SpecError(
            [Diagnostic(file, 0, 0, "", "the file is empty", "run `shipspec init` for a commented starter spec", "empty")]
        )
    document = YamlDocument(file, None)
    document.data = _plain(loaded, (), document, [0], 0)
    return document


def _decode(raw: bytes, file: str) -> str:
    if len(raw) > MAX_BYTES:
        raise SpecError(
            [Diagnostic(file, 0, 0, "", f"the file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}", "a handoff spec is a few kilobytes: is this the right file?", "too-large")]
        )
    if b"\x00" in raw[:8192]:
        raise SpecError([Diagnostic(file, 0, 0, "", "this is a binary file, not YAML", "point shipspec at handoff.yaml", "binary")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError(
            [Diagnostic(file, line, col, "", f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8", "encoding")]
        ) from None
    if not text.strip():
        raise SpecError([Diagnostic(file, 0, 0, "", "the file is empty", "run `shipspec init` for a commented starter spec", "empty")])
    return text


def _refuse_deep_flow(text: str, file: str) -> None:
    """Refuse ``[[[[...`` before the recursive parser spends seconds on it.

    Brackets are counted everywhere outside comments, quotes included: a real spec
    never holds 32 unclosed brackets, and ignoring quotes could be gamed.
    """
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        for column, char in enumerate(line.split(" #", 1)[0], start=1):
            if char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    raise SpecError([_too_deep(file, number, column)])
            elif char in "]}":
                depth = max(0, depth - 1)


def _mark(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _too_deep(file: str, line: int, col: int) -> Diagnostic:
    return Diagnostic(file, line, col, "", f"nested more than {MAX_DEPTH} levels deep", "a handoff spec is at most a few levels deep", "too-deep")


def _plain(node: Any, path: Path, doc: YamlDocument, budget: list[int], depth: int) -> Any:
    """Copy ruamel's round-trip tree into dicts and lists, recording positions.

    Aliases are expanded here, so the node budget is what stops an alias bomb.
    """
    budget[0] += 1
    if budget[0] > MAX_NODES:
        line, col = doc.position(path)
        raise SpecError(
            [Diagnostic(doc.file, line, col, "", f"the document expands to more than {MAX_NODES:,} values", "YAML aliases that repeat aliases multiply: is this an alias bomb?", "too-many-nodes")]
        )
    if depth > MAX_DEPTH:
        line, col = doc.position(path)
        raise SpecError([_too_deep(doc.file, line, col)])
    if isinstance(node, CommentedMap):
        result: dict[Any, Any] = {}
        for key, value in node.items():
            # Keys are text in a spec; YAML may read `8080:` or `true:` as other types.
            name = key if isinstance(key, str) else str(key)
            child = (*path, name)
            if isinstance(key, str | int | float | bool) or key is None:
                try:
                    doc.keys[child] = (node.lc.key(key)[0] + 1, node.lc.key(key)[1] + 1)
                    doc.values[child] = (node.lc.value(key)[0] + 1, node.lc.value(key)[1] + 1)
                except (KeyError, TypeError):
                    pass
            result[name] = _plain(value, child, doc, budget, depth + 1)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            try:
                doc.values[child] = (node.lc.item(index)[0] + 1, node.lc.item(index)[1] + 1)
            except (KeyError, TypeError):
                pass
            items.append(_plain(value, child, doc, budget, depth + 1))
        return items
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool | int | float) or node is None:
        return _scalar(node)
    return str(node)


def _scalar(node: Any) -> Any:
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node
