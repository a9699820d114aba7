"""Read ``.env`` files the way Compose does: for interpolation, and for ``env_file:``.

One ``KEY=value`` a line, ``export`` allowed in front, ``#`` comments; a value may be
single-quoted (literal), double-quoted (``\\n`` escapes, may span lines) or bare (a
`` #`` starts a comment). Bare and double-quoted values may use earlier variables,
``${VAR}``, as Compose's dotenv reader does. A line that is no assignment is an error
naming its line, not a silently lost setting.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .report import ImportFailed
from .sources import Where

_ASSIGN = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*(=)?")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}

Expand = Callable[[str, Where, dict[str, str | None]], str]


def parse_env_file(text: str, shown: str, expand: Expand | None = None) -> dict[str, str | None]:
    """``KEY`` → value; a bare ``KEY`` (no ``=``) maps to None: "take it from the environment"."""
    result: dict[str, str | None] = {}
    i, n = 0, len(text)
    while i < n:
        end = text.find("\n", i)
        end = n if end < 0 else end
        line_no = text.count("\n", 0, i) + 1
        line = text[i:end]
        if not line.strip() or line.lstrip().startswith("#"):
            i = end + 1
            continue
        match = _ASSIGN.match(line)
        rest = line[match.end() :] if match else ""
        if not match or (not match.group(2) and rest.strip() and not rest.lstrip().startswith("#")):
            raise ImportFailed(
                [
                    Where(shown, line_no, 1).problem(
                        "is not a `KEY=value` line",
                        "quote values that contain spaces",
                        "env-syntax",
                    )
                ]
            )
        key = match.group(1)
        where = Where(shown, line_no, 1, key)
        if not match.group(2):
            result[key] = None
            i = end + 1
            continue
        start = i + match.end()
        while start < n and text[start] in " \t":
            start += 1
        quote = text[start] if start < n and text[start] in "'\"" else ""
        if quote:
            value, i = _quoted(text, start, quote, where, expand is not None)
            if quote == '"' and expand is not None:
                value = expand(value, where, result)
        else:
            raw = text[start:end]
            raw = re.split(r"[ \t]#", raw, maxsplit=1)[0].strip()
            value = expand(raw, where, result) if expand is not None else raw
            i = end + 1
        result[key] = value
    return result


def _quoted(text: str, start: int, quote: str, where: Where, expanded: bool) -> tuple[str, int]:
    """The value between quotes starting at ``start``, and where the next line begins."""
    out: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        char = text[i]
        if char == quote:
            end = text.find("\n", i)
            return "".join(out), (n if end < 0 else end + 1)
        if char == "\\" and quote == '"' and i + 1 < n and text[i + 1] in _ESCAPES:
            nxt = text[i + 1]
            # `\$` becomes `$$` so that the expansion afterwards yields one literal dollar.
            out.append("$$" if nxt == "$" and expanded else _ESCAPES[nxt])
            i += 2
            continue
        out.append(char)
        i += 1
    raise ImportFailed([where.problem(f"the {quote} quote is never closed", code="env-syntax")])
