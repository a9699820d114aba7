"""Write a spec document as commented YAML: stable, readable, and loadable as it is.

A small emitter of our own rather than a YAML library's dumper, because the output is
for people: comments sit above the key they explain, short lists are written
``[a, b]``, and a string is quoted only when YAML would read it as something else.
Quoted strings escape every character that is not printable ASCII, so no value can
break the document or hide a control character in it. The same document always gives
the same bytes.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from .sources import KeyPath

_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./@+-]*(:[A-Za-z0-9_./@+-]+)*$")
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"})
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
WIDTH = 98


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return '"' + "".join(_escape(char) for char in text) + '"'


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if 0x20 <= code < 0x7F:
        return char
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _clean(text: str) -> str:
    """Comment text with anything YAML might refuse, or read as a line break, made a space."""
    return "".join(c if (c.isprintable() and c.isascii()) or c.isalnum() else " " for c in text)


def comment(text: str, indent: int) -> list[str]:
    """``text`` as ``#`` lines at ``indent``, wrapped, with no control characters left."""
    clean = _clean(text)
    pad = " " * indent
    wrapped = textwrap.wrap(clean, width=max(40, WIDTH - indent - 2), break_on_hyphens=False) or [
        ""
    ]
    return [f"{pad}# {line}".rstrip() for line in wrapped]


def emit(
    document: dict[str, Any],
    notes: dict[KeyPath, list[str]] | None = None,
    header: list[str] | None = None,
    after: dict[KeyPath, list[str]] | None = None,
) -> str:
    """The YAML text of ``document``; ``notes`` go above keys, ``after`` below mappings."""
    lines = [f"# {_clean(line)}".rstrip() if line else "#" for line in header or []]
    _mapping(document, (), 0, notes or {}, after or {}, lines)
    return "\n".join(lines) + "\n"


def _mapping(
    data: dict[str, Any],
    path: KeyPath,
    indent: int,
    notes: dict[KeyPath, list[str]],
    after: dict[KeyPath, list[str]],
    out: list[str],
) -> None:
    pad = " " * indent
    for key, value in data.items():
        here = (*path, key)
        for note in notes.get(here, []):
            out.extend(comment(note, indent))
        name = scalar(key)
        if isinstance(value, dict) and value:
            out.append(f"{pad}{name}:")
            _mapping(value, here, indent + 2, notes, after, out)
        elif isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
            out.append(f"{pad}{name}:")
            for item in value:
                if isinstance(item, dict) and item:
                    inner: list[str] = []
                    _mapping(item, here, indent + 4, {}, {}, inner)
                    out.append(f"{pad}  - {inner[0].lstrip()}")
                    out.extend(inner[1:])
                else:
                    out.append(f"{pad}  - {_inline(item)}")
        else:
            out.append(f"{pad}{name}: {_inline(value)}")
    for line in after.get(path, []):
        out.append(f"{pad}# {_clean(line)}".rstrip() if line else f"{pad}#")


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return scalar(value)


def commented_block(name: str, spec: dict[str, Any]) -> list[str]:
    """A spec entry written out as comment lines (for an entry the user must finish)."""
    lines: list[str] = []
    _mapping({name: spec}, (), 0, {}, {}, lines)
    return lines
