"""Build plain values and their source positions from libyaml's event stream.

:mod:`shipspec.spec.yamlsource` hands this module the events of PyYAML's C parser
(``yaml.parse`` with ``CSafeLoader``); nothing here constructs a Python object from a
tag, so ``!!python/object`` is text. Building from events rather than from a composed
node tree keeps every limit in one place and independent of tags:

* every value counts against :data:`MAX_NODES`, and an alias counts the whole value it
  repeats, so an alias bomb is refused whatever its tag (``!!timestamp`` included);
* nesting deeper than :data:`MAX_DEPTH` is refused as it is read, before any recursion;
* an alias inside the collection it names, a repeated key and a redefined anchor are
  located problems, never a library warning or a recursion;
* integers are the YAML 1.2 core schema's and must fit in 64 bits: a 400-digit number
  is a located error, not an ``OverflowError`` further down the pipeline.

Plain scalars resolve by the YAML 1.2 core schema, as the round-trip reader did
(``yes`` and ``on`` are text, ``0o17`` is octal); quoted scalars are text; the standard
tags ``!!str``, ``!!int``, ``!!float``, ``!!bool`` and ``!!null`` are honoured and any
other tag is ignored. Merge keys (``<<: *base``) merge as in YAML 1.1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import Diagnostic, SpecError

MAX_NODES = 100_000
MAX_DEPTH = 32
MAX_INT = 2**63 - 1

Path = tuple[str | int, ...]

# Sections whose keys name things: a repeat is a second definition, not a typo.
_NAMED = {"environments": "environment", "services": "service", "datastores": "datastore"}

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_SPECIAL_FLOAT = {
    ".inf": math.inf,
    ".Inf": math.inf,
    ".INF": math.inf,
    "+.inf": math.inf,
    "+.Inf": math.inf,
    "+.INF": math.inf,
    "-.inf": -math.inf,
    "-.Inf": -math.inf,
    "-.INF": -math.inf,
    ".nan": math.nan,
    ".NaN": math.nan,
    ".NAN": math.nan,
}
_TAG = "tag:yaml.org,2002:"


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


def dotted(path: Path) -> str:
    """``("services", "web", "uses", 2)`` → ``services.web.uses[2]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def too_deep(file: str, line: int, col: int, path: str = "") -> Diagnostic:
    message = f"nested more than {MAX_DEPTH} levels deep"
    hint = "a handoff spec is at most a few levels deep"
    return Diagnostic(file, line, col, path, message, hint, "too-deep")


def _at(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


@dataclass
class _Collection:
    """A mapping or sequence being read: its value so far and what the builder needs."""

    path: Path
    value: dict[str, Any] | list[Any]
    anchor: str | None
    start: tuple[int, int]
    size: int = 1
    """Values in this collection, aliases expanded, itself included: the budget's unit."""
    key: Any = None
    """Mappings: the key read and waiting for its value (``_NO_KEY`` when none, ``None``
    after a key that is not a name)."""
    key_at: tuple[int, int] = (0, 0)
    merges: list[dict[str, Any]] = field(default_factory=list)


_NO_KEY = object()
_MERGE = object()


class Builder:
    """Turns one document's events into plain data, filling a :class:`YamlDocument`."""

    def __init__(self, document: YamlDocument) -> None:
        self.doc = document
        self.anchors: dict[str, tuple[Any, int, tuple[int, int]]] = {}
        self.open_anchors: set[str] = set()
        self.stack: list[_Collection] = []
        self.budget = 0
        self.result: Any = None

    def build(self, events: Iterable[Any]) -> Any:
        """The document's data (``None`` for an empty stream or a lone null)."""
        documents = 0
        for event in events:
            kind = type(event)
            if kind is yaml.ScalarEvent:
                at = _at(event.start_mark)
                self._count(1, at)
                value = self._scalar(event)
                self._remember(event.anchor, value, 1, at)
                self._place(value, 1, at)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self._open(event, kind is yaml.MappingStartEvent)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                self._close()
            elif kind is yaml.AliasEvent:
                self._alias(event)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise SpecError(
                        [
                            self._problem(
                                _at(event.start_mark),
                                "",
                                "not valid YAML: expected a single document, "
                                "but found another document",
                                "a handoff spec is one document: remove the `---` line",
                                "yaml-syntax",
                            )
                        ]
                    )
        return self.result

    # -- collections -------------------------------------------------------------------

    def _open(self, event: Any, mapping: bool) -> None:
        at = _at(event.start_mark)
        self._count(1, at)
        path = self._path()
        if not self.stack:
            self.doc.values[()] = at
        if len(self.stack) > MAX_DEPTH:
            raise SpecError([too_deep(self.doc.file, *at, dotted(path))])
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Collection(path, {} if mapping else [], event.anchor, at, key=_NO_KEY))

    def _close(self) -> None:
        done = self.stack.pop()
        if done.anchor is not None:
            self.open_anchors.discard(done.anchor)
        value = done.value
        if isinstance(value, dict) and done.merges:
            # Keys written in the mapping win; then each merged mapping, first one first.
            for merged in done.merges:
                for name, item in merged.items():
                    if name not in value:
                        value[name] = _copy(item)
        self._remember(done.anchor, value, done.size, done.start)
        self._place(value, done.size, done.start)

    def _place(self, value: Any, size: int, at: tuple[int, int]) -> None:
        """Put a finished value (scalar, collection or alias) into the open collection."""
        if not self.stack:
            self.result = value
            return
        top = self.stack[-1]
        top.size += size
        if isinstance(top.value, list):
            self.doc.values[(*top.path, len(top.value))] = at
            top.value.append(value)
            return
        if top.key is _NO_KEY:
            self._take_key(top, value, at)
            return
        key, top.key = top.key, _NO_KEY
        if key is _MERGE:
            self._merge(top, value, at)
            return
        if not isinstance(key, str):
            return  # a key that is a list or mapping: reported when it was read
        path = (*top.path, key)
        if key in top.value:
            self.doc.problems.append(self._repeat(top.path, key, top.key_at))
            return
        self.doc.keys[path] = top.key_at
        self.doc.values[path] = at
        top.value[key] = value

    def _take_key(self, top: _Collection, key: Any, at: tuple[int, int]) -> None:
        top.key_at = at
        if isinstance(key, list | dict):
            kind = "a list" if isinstance(key, list) else "a mapping"
            self.doc.problems.append(
                self._problem(
                    at,
                    dotted(top.path),
                    f"a key here is {kind}, not a name",
                    "keys are plain names, e.g. `web:`",
                    "key-type",
                )
            )
            top.key = None
            return
        top.key = key

    def _merge(self, top: _Collection, value: Any, at: tuple[int, int]) -> None:
        sources = value if isinstance(value, list) else [value]
        if not all(isinstance(source, dict) for source in sources):
            self.doc.problems.append(
                self._problem(
                    at,
                    dotted((*top.path, "<<")),
                    "a merge key (`<<`) takes a mapping or a list of mappings",
                    "write `<<: *name` where `&name` marks a mapping",
                    "yaml-merge",
                )
            )
            return
        top.merges.extend(sources)

    # -- anchors and aliases -----------------------------------------------------------

    def _remember(self, anchor: str | None, value: Any, size: int, at: tuple[int, int]) -> None:
        if anchor is None:
            return
        if anchor in self.anchors:
            first = self.anchors[anchor][2][0]
            self.doc.problems.append(
                self._problem(
                    at,
                    dotted(self._path()),
                    f"the anchor `&{anchor}` is defined twice (first on line {first})",
                    "give each anchor its own name: an alias would silently use the second",
                    "duplicate-anchor",
                )
            )
        self.anchors[anchor] = (value, size, at)

    def _alias(self, event: Any) -> None:
        at = _at(event.start_mark)
        name = event.anchor
        if name in self.open_anchors:
            named = next(c for c in reversed(self.stack) if c.anchor == name)
            raise SpecError(
                [
                    self._problem(
                        at,
                        dotted(named.path),
                        f"not valid YAML: the alias `*{name}` is inside the value it names",
                        "an alias cannot repeat the mapping or list that contains it",
                        "yaml-syntax",
                    )
                ]
            )
        if name not in self.anchors:
            raise SpecError(
                [
                    self._problem(
                        at,
                        "",
                        f"not valid YAML: found undefined alias `*{name}`",
                        "define the anchor (`&name`) before the alias that uses it",
                        "yaml-syntax",
                    )
                ]
            )
        value, size, _ = self.anchors[name]
        self._count(size, at)
        self._place(_copy(value), size, at)

    # -- limits and problems -----------------------------------------------------------

    def _count(self, size: int, at: tuple[int, int]) -> None:
        """Charge ``size`` values to the budget: what stops an alias bomb, whatever its tag."""
        self.budget += size
        if self.budget > MAX_NODES:
            raise SpecError(
                [
                    self._problem(
                        at,
                        dotted(self._path()),
                        f"the document expands to more than {MAX_NODES:,} values",
                        "YAML aliases that repeat aliases multiply: is this an alias bomb?",
                        "too-many-nodes",
                    )
                ]
            )

    def _path(self) -> Path:
        """The path of the value about to be placed."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.value, list):
            return (*top.path, len(top.value))
        if isinstance(top.key, str):
            return (*top.path, top.key)
        return top.path

    def _problem(
        self, at: tuple[int, int], path: str, message: str, hint: str, code: str
    ) -> Diagnostic:
        return Diagnostic(self.doc.file, at[0], at[1], path, message, hint, code)

    # -- scalars -----------------------------------------------------------------------

    def _scalar(self, event: Any) -> Any:
        text: str = event.value
        tag = event.tag
        plain = event.implicit[0] and event.style in (None, "")
        top = self.stack[-1] if self.stack else None
        waiting_key = top is not None and isinstance(top.value, dict) and top.key is _NO_KEY
        if waiting_key:
            if plain and text == "<<":
                return _MERGE
            return "null" if plain and text in _NULL else text
        if tag in (None, "!") and not plain:
            return text
        if tag is None or tag == "!":
            return self._resolve(text, event)
        short = tag[len(_TAG) :] if tag.startswith(_TAG) else None
        if short in ("int", "float", "bool", "null"):
            value = self._resolve(text, event)
            if short == "null" or (short == "bool" and isinstance(value, bool)):
                return value
            if (
                short in ("int", "float")
                and isinstance(value, int | float)
                and not isinstance(value, bool)
            ):
                return float(value) if short == "float" else value
        return text

    def _resolve(self, text: str, event: Any) -> Any:
        if text in _NULL:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if _INT.fullmatch(text):
            digits = text.lstrip("+-")
            if len(digits) > 22:
                self._too_large(text, event)
            value = (
                int(text[2:], 8 if text[1] == "o" else 16)
                if text[:2] in ("0o", "0x")
                else int(text)
            )
            if abs(value) > MAX_INT:
                self._too_large(text, event)
            return value
        if _FLOAT.fullmatch(text):
            number = float(text)
            if math.isinf(number):
                self._too_large(text, event)
            return number
        if text in _SPECIAL_FLOAT:
            return _SPECIAL_FLOAT[text]
        return text

    def _too_large(self, text: str, event: Any) -> None:
        line, col = _at(event.start_mark)
        shown = text if len(text) <= 24 else f"{text[:12]}…{text[-6:]} ({len(text)} characters)"
        raise SpecError(
            [
                Diagnostic(
                    self.doc.file,
                    line,
                    col,
                    dotted(self._path()),
                    f"not valid YAML for a spec: the number {shown} is too large "
                    "(numbers in a spec fit in 64 bits)",
                    "check the value; quote it if it is meant as text",
                    "yaml-syntax",
                )
            ]
        )

    def _repeat(self, path: Path, name: str, at: tuple[int, int]) -> Diagnostic:
        """A key given twice: the first is kept, so the second is the one to point at."""
        first = self.doc.keys.get((*path, name), (0, 0))[0]
        kind = _NAMED.get(str(path[-1])) if len(path) == 1 else None
        if kind:
            message = (
                f"{kind} `{name}` is defined twice (first on line {first}); {kind}s are named once"
            )
            hint = f"rename one of them, or merge the two into one `{name}`"
        else:
            message = f"`{name}` is given twice (first on line {first})"
            hint = "each key may appear once in a mapping: keep one"
        line, col = at
        return Diagnostic(
            self.doc.file, line, col, dotted((*path, name)), message, hint, "duplicate-key"
        )


def _copy(value: Any) -> Any:
    """An alias's own copy of the anchored value (its size was counted against the budget)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
