"""Compose's short and long syntaxes, read into one shape each.

A port may be ``8080``, ``"8080:80"``, ``"127.0.0.1:8080:80/udp"``, ``"[::1]:80:80"``,
a range ``"3000-3005:3000-3005"`` or a mapping (``target``, ``published``,
``host_ip``, ``protocol``); a volume ``"./src:/app:ro"``, ``"data:/var/lib"``, an
anonymous ``"/app/node_modules"`` or a mapping with ``type``; a secret ``"db_pass"`` or a
mapping with ``source``; durations ``1m30s``;
byte sizes ``512m``. Each reader returns None for what it cannot read, and the
converter turns that into a located message.
"""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass
from typing import Any

_RANGE = re.compile(r"^(\d{1,5})(?:-(\d{1,5}))?$")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_BYTES = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)b?\s*$", re.IGNORECASE)
_UNIT = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_SECONDS = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


@dataclass(frozen=True)
class PortSpec:
    target: int
    target_end: int
    published: str | None
    host_ip: str | None
    protocol: str

    @property
    def on_all_interfaces(self) -> bool:
        """Reachable from outside the host (a missing host port is a random one, still public)."""
        return self.host_ip in (None, "", "0.0.0.0", "::")

    @property
    def loopback(self) -> bool:
        return self.host_ip in ("127.0.0.1", "localhost", "::1")


def parse_port(value: Any) -> PortSpec | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _port(str(value), None, None, "tcp")
    if isinstance(value, dict):
        target = value.get("target")
        if isinstance(target, bool) or not isinstance(target, int | str):
            return None
        published = value.get("published")
        protocol = str(value.get("protocol") or "tcp").lower()
        host_ip = value.get("host_ip")
        shown = None if published in (None, "") else str(published)
        return _port(str(target), shown, host_ip, protocol)
    if not isinstance(value, str):
        return None
    text, _, protocol = value.strip().partition("/")
    protocol = (protocol or "tcp").lower()
    ip: str | None = None
    if text.startswith("["):  # [::1]:8080:80
        ip, _, text = text[1:].partition("]")
        text = text.lstrip(":")
    parts = text.rsplit(":", 2) if ip is None else text.split(":")
    if len(parts) == 3:
        ip, published, target = parts
    elif len(parts) == 2:
        published, target = parts
    elif len(parts) == 1:
        published, target = None, parts[0]
    else:
        return None
    return _port(target, published or None, ip, protocol)


def _port(target: str, published: str | None, ip: Any, protocol: str) -> PortSpec | None:
    match = _RANGE.match(target.strip())
    if not match or protocol not in ("tcp", "udp", "sctp"):
        return None
    low = int(match.group(1))
    high = int(match.group(2) or low)
    if not 1 <= low <= high <= 65535:
        return None
    if published is not None and not _RANGE.match(published.strip()):
        return None
    if ip not in (None, ""):
        try:
            ipaddress.ip_address(str(ip))
        except ValueError:
            return None
    return PortSpec(low, high, published, str(ip) if ip is not None else None, protocol)


def port_key(value: Any) -> Any:
    spec = parse_port(value)
    if spec is None:
        return repr(value)
    return (spec.host_ip or "", spec.target, spec.published or "", spec.protocol)


@dataclass(frozen=True)
class VolumeSpec:
    kind: str  # bind | volume | tmpfs | anonymous | other
    source: str
    target: str


def parse_volume(value: Any) -> VolumeSpec | None:
    if isinstance(value, dict):
        kind = str(value.get("type") or "volume")
        source = str(value.get("source") or "")
        target = str(value.get("target") or "")
        if kind == "volume" and not source:
            kind = "anonymous"
        return VolumeSpec(kind, source, target) if target else None
    if not isinstance(value, str) or not value.strip():
        return None
    parts = value.split(":")
    if len(parts) == 1:
        return VolumeSpec("anonymous", "", parts[0])
    source, target = parts[0], parts[1]
    bind = source.startswith(("/", ".", "~")) or source.startswith("$")
    return VolumeSpec("bind" if bind else "volume", source, target)


def target_key(value: Any, kind: str) -> Any:
    if kind == "volume":
        spec = parse_volume(value)
        return spec.target if spec else repr(value)
    if isinstance(value, str):
        return f"/run/{kind}s/{value}" if kind == "secret" else f"/{value}"
    if isinstance(value, dict):
        return value.get("target") or target_key(value.get("source"), kind)
    return repr(value)


def duration_seconds(value: Any) -> float | None:
    """``1m30s`` → 90.0; a bare number is seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    matches = list(_DURATION.finditer(text))
    if not matches or "".join(m.group(0) for m in matches) != text:
        return None
    return sum(float(m.group(1)) * _SECONDS[m.group(2)] for m in matches)


def memory_mib(value: Any) -> int | None:
    """``512m`` / ``1g`` / ``1073741824`` (bytes) → MiB, rounded up."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number, unit = float(value), ""
    elif isinstance(value, str) and (match := _BYTES.match(value)):
        number, unit = float(match.group(1)), match.group(2).lower()
    else:
        return None
    mib = math.ceil(number * _UNIT[unit] / 1024**2)
    return mib if mib > 0 else None


def cpus(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def secret_source(item: Any) -> str | None:
    """The secret a service's ``secrets:`` entry names, in short or long syntax."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and isinstance(item.get("source"), str):
        return str(item["source"])
    return None
