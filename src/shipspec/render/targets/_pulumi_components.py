"""Which component files a stack gets: the classes its program imports, and what they import.

``infra/components/`` used to receive the whole library, so a stack without a database
still carried ``database.py`` and an ``__init__`` importing it: code nobody runs but
everybody reviews. The blueprint ``__init__.py`` says which module holds each class;
each module's relative imports say which private helpers it needs. Both are read from
the blueprint files as the renderer sees them (a user's override included), so a new
component or helper needs no table here: the ``__init__`` with :mod:`ast`, the modules'
imports by a pattern (parsing every module whole was a fifth of a ``generate``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable

COMPONENTS = "pulumi/infra/components/"
INIT = COMPONENTS + "__init__.py"


def select_components(
    classes: Iterable[str], templates: list[str], read: Callable[[str], str]
) -> dict[str, str | None]:
    """Every non-component file as is, the component modules ``classes`` need, a new ``__init__``.

    A component module is written when it holds one of ``classes``, is imported by
    one that is, or is a public module the blueprint ``__init__`` does not export.

    Raises ``ValueError`` when a class is not exported by the blueprint ``__init__.py``.
    """
    wanted = sorted(set(classes))
    init = ast.parse(read(INIT))
    module_of = {
        alias.asname or alias.name: node.module
        for node in init.body
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
        for alias in node.names
    }
    unknown = [c for c in wanted if c not in module_of]
    if unknown:
        raise ValueError(f"{INIT} exports no {', '.join(unknown)}")
    # A public module no class in __init__ comes from (a user's own, added through a
    # blueprint folder) may be imported by hand: it is kept rather than guessed unused.
    exported = set(module_of.values())
    own = {m for t in templates if (m := _module(t)) and not m.startswith("_")} - exported
    modules = _closure({module_of[c] for c in wanted} | own, templates, read)
    chosen: dict[str, str | None] = {
        t: None for t in templates if not t.startswith(COMPONENTS) or _module(t) in modules
    }
    chosen[INIT] = _init_source(init, {c: module_of[c] for c in wanted})
    return chosen


def _module(template: str) -> str | None:
    """``pulumi/infra/components/_iam.py`` → ``_iam``; None for anything not a module there."""
    name = template.removeprefix(COMPONENTS)
    if "/" in name or not name.endswith(".py") or name == "__init__.py":
        return None
    return name.removesuffix(".py")


def _closure(roots: set[str], templates: list[str], read: Callable[[str], str]) -> set[str]:
    """``roots`` and every sibling module they import, transitively."""
    available = {m: t for t in templates if (m := _module(t))}
    seen: set[str] = set()
    todo = sorted(roots)
    while todo:
        module = todo.pop()
        if module in seen or module not in available:
            continue
        seen.add(module)
        todo.extend(_sibling_imports(read(available[module])))
    return seen


# A one-dot relative import at the start of a line (indented too): ``from ._iam import
# x``, ``from . import _iam, _names as n``, a parenthesised or continued list of names.
# Text in a string that reads like one only adds a module that exists, never drops one.
_RELATIVE_IMPORT = re.compile(
    r"^[ \t]*from[ \t]+\.(?!\.)(\w*)[\w.]*[ \t]+import[ \t]+(\([^)]*\)|(?:[^\n\\]|\\\n)*)",
    re.MULTILINE,
)


def _sibling_imports(source: str) -> list[str]:
    """The sibling modules ``source`` imports with one-dot relative imports."""
    found = []
    for module, names in _RELATIVE_IMPORT.findall(source):
        if module:
            found.append(module)
            continue
        listed = re.sub(r"#[^\n]*|[()\\]", " ", names)  # from . import _iam
        found.extend(part.split()[0] for part in listed.split(",") if part.strip())
    return found


def _init_source(init: ast.Module, module_of: dict[str, str]) -> str:
    """The blueprint ``__init__`` docstring, then imports and ``__all__`` of the used classes."""
    doc = ast.get_docstring(init, clean=False)
    lines = [f'"""{doc}"""', ""] if doc else []
    names: dict[str, list[str]] = {}
    for c in sorted(module_of, key=lambda c: (c[0].islower(), c)):
        names.setdefault(module_of[c], []).append(c)
    lines += [f"from .{module} import {', '.join(names[module])}" for module in sorted(names)]
    lines += ["", "__all__ = ["]
    lines += [f'    "{c}",' for c in sorted(module_of)]
    lines += ["]", ""]
    return "\n".join(lines)
