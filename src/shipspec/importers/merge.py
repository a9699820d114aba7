"""Merge compose files the way Compose does, so ``-f a.yml -f b.yml`` means what it means there.

The rules are the Compose specification's (merge chapter): mappings merge key by key;
sequences append, keeping each entry once; ``command``, ``entrypoint`` and
``healthcheck.test`` are replaced, not appended; ``ports``, ``volumes``, ``secrets``
and ``configs`` are unique by their target (ports by ip, target, published and
protocol), so an override can replace one entry; ``!reset`` removes a value and
``!override`` replaces it wholesale. Settings that may be written as a list or a
mapping (``environment``, ``labels``, ``depends_on``...) are normalised to mappings
first, which is what lets an override change one variable.

``record`` is told every model path a file set, so a problem found after the merge
still points at the file and line it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .sources import KeyPath, Override, Reset, strip
from .syntax import port_key, target_key

REPLACED = frozenset({"command", "entrypoint"})
LIST_OR_DICT = ("environment", "labels", "annotations", "sysctls", "extra_hosts")
UNIQUE: dict[str, Callable[[Any], Any]] = {
    "ports": port_key,
    "volumes": lambda v: target_key(v, "volume"),
    "secrets": lambda v: target_key(v, "secret"),
    "configs": lambda v: target_key(v, "config"),
}
Record = Callable[[KeyPath], None]


def normalise_service(service: Any) -> Any:
    """A service mapping with list-or-mapping settings as mappings, in one file's terms."""
    if not isinstance(service, dict):
        return service
    out = dict(service)
    for key in LIST_OR_DICT:
        out[key] = (
            _as_mapping(out[key], "=" if key != "extra_hosts" else None) if key in out else None
        )
        if out[key] is None:
            del out[key]
    if isinstance(out.get("depends_on"), list) and all(
        isinstance(d, str) for d in out["depends_on"]
    ):
        out["depends_on"] = {d: {"condition": "service_started"} for d in out["depends_on"]}
    if isinstance(out.get("networks"), list) and all(isinstance(n, str) for n in out["networks"]):
        out["networks"] = {n: None for n in out["networks"]}
    for key in ("env_file", "dns", "dns_search", "tmpfs"):
        if isinstance(out.get(key), str | dict):
            out[key] = [out[key]]
    if isinstance(out.get("build"), str):
        out["build"] = {"context": out["build"]}
    if isinstance(out.get("build"), dict) and "args" in out["build"]:
        args = _as_mapping(out["build"]["args"], "=")
        out["build"] = {**out["build"], "args": args if args is not None else out["build"]["args"]}
    return out


def _as_mapping(value: Any, separator: str | None) -> Any:
    """``["A=1", "B"]`` → ``{"A": "1", "B": None}``; a mapping or a wrapper stays as it is."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return value
    out: dict[str, Any] = {}
    for item in value:
        if separator is None and "=" not in item and ":" in item:
            name, _, rest = item.partition(":")  # extra_hosts: "host:ip"
            out[name] = rest
        else:
            name, found, rest = item.partition("=")
            out[name] = rest if found else None
    return out


def merge(base: dict[str, Any], over: dict[str, Any], path: KeyPath, record: Record) -> None:
    """Merge ``over`` into ``base`` in place; ``path`` is where ``base`` sits in the model."""
    for key, value in over.items():
        here = (*path, key)
        record(here)
        if isinstance(value, Reset):
            base.pop(key, None)
            continue
        if isinstance(value, Override):
            base[key] = strip(value.value)
            continue
        old = base.get(key)
        in_service = len(path) == 2 and path[0] == "services"
        if (in_service and key in REPLACED) or (path[-1:] == ("healthcheck",) and key == "test"):
            base[key] = strip(value)
        elif isinstance(old, dict) and isinstance(value, dict):
            merge(old, value, here, record)
        elif isinstance(old, list) and isinstance(value, list):
            base[key] = _merge_list(key if in_service else "", old, value)
        else:
            base[key] = strip(value) if not isinstance(value, dict) else _fresh(value, here, record)


def _fresh(value: dict[str, Any], path: KeyPath, record: Record) -> dict[str, Any]:
    out: dict[str, Any] = {}
    merge(out, value, path, record)
    return out


def _merge_list(key: str, old: list[Any], new: list[Any]) -> list[Any]:
    identity = UNIQUE.get(key, _identity)
    merged: dict[Any, Any] = {}
    for item in [*old, *(strip(v) for v in new if not isinstance(v, Reset))]:
        merged[identity(item)] = item
    return list(merged.values())


def _identity(item: Any) -> Any:
    return repr(item)
