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

    libyaml composes the node tree and :func:`_plain_data` turns it into values, which
    is what PyYAML's ``SafeConstructor`` does for such files at under half its cost;
    anything beyond plain mappings, lists and the core schema's scalars (an explicit
    tag, an alias, a mapping as a key) goes through the full constructor, as before.
    The cyclic garbage collector is paused meanwhile: a 200-service stack config is some
    50,000 nodes, each allocation counting towards a collection that would scan the whole
    heap (the spec, the plan, the rendered files) several times over, while a parse
    creates no reference cycles to collect.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            try:
                return _plain_data(loader, node, set())
            except (_NotPlain, TypeError, RecursionError):
                return loader.construct_document(node)
        finally:
            loader.dispose()
    finally:
        if was_enabled:
            gc.enable()


class _NotPlain(Exception):
    """A node :func:`_plain_data` leaves to PyYAML's constructor."""


_SCALARS: dict[str, Any] = {
    "tag:yaml.org,2002:str": lambda loader, node: node.value,
    "tag:yaml.org,2002:null": lambda loader, node: None,
    "tag:yaml.org,2002:bool": lambda loader, node: loader.construct_yaml_bool(node),
    "tag:yaml.org,2002:int": _construct_int,
    "tag:yaml.org,2002:float": lambda loader, node: loader.construct_yaml_float(node),
}


def _plain_data(loader: Any, node: Any, seen: set[int]) -> Any:
    """The value of ``node`` as the loader's constructors build it (same types, same order,
    the last of repeated keys); :class:`_NotPlain` for anything else."""
    kind = type(node)
    if kind is yaml.ScalarNode:
        construct = _SCALARS.get(node.tag)
        if construct is None:
            raise _NotPlain(node.tag)
        return construct(loader, node)
    if id(node) in seen:  # an alias: PyYAML shares the one value, so leave it to PyYAML
        raise _NotPlain("alias")
    seen.add(id(node))
    if kind is yaml.MappingNode and node.tag == "tag:yaml.org,2002:map":
        return {
            _plain_data(loader, key, seen): _plain_data(loader, value, seen)
            for key, value in node.value
        }
    if kind is yaml.SequenceNode and node.tag == "tag:yaml.org,2002:seq":
        return [_plain_data(loader, item, seen) for item in node.value]
    raise _NotPlain(node.tag)
