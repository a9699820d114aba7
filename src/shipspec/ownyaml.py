"""Read YAML that shipspec wrote itself (stack configs): libyaml, no positions, no limits.

User input goes through :mod:`shipspec.spec.yamlsource`, which keeps positions and
refuses hostile input; shipspec's own output needs neither, and a 200-service stack
config (over 20,000 lines) is read in a few milliseconds by PyYAML's C parser. Plain
scalars resolve by the YAML 1.2 core schema, as the spec reader and the Pulumi CLI
read them (``yes`` and ``on`` stay text; no timestamps).
"""

from __future__ import annotations

import gc
import re
from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    """The C loader with the YAML 1.2 core schema's implicit types."""


_Loader.yaml_implicit_resolvers = {}
_CORE = [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    (
        "tag:yaml.org,2002:int",
        r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
        list("-+0123456789"),
    ),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
]
for _tag, _pattern, _first in _CORE:
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)


def _construct_int(loader: Any, node: Any) -> int:
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load_own_yaml(text: str) -> Any:
    """Parse ``text``; :class:`yaml.YAMLError` when it is not YAML.

    The cyclic garbage collector is paused meanwhile: a 200-service stack config is some
    50,000 nodes, each allocation counting towards a collection that would scan the whole
    heap (the spec, the plan, the rendered files) several times over, while the parse
    creates no reference cycles to collect (it roughly halves the parse's time).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader: constructs no Python objects
    finally:
        if was_enabled:
            gc.enable()
