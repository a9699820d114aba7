"""The engine version each datastore's component sets, as the documents state it.

The spec's ``version`` is not always what reaches AWS: an RDS instance gets the major
version only (``components/database.py``'s ``major_version``: postgres 16.4 → ``16``,
because with automatic minor upgrades a pinned minor would ask RDS for a downgrade once
it upgraded), DocumentDB a three-part version (``docdb_version``: 5.0 → ``5.0.0``) and
OpenSearch its ``OpenSearch_<version>`` string. This module mirrors those functions (a test
runs the generated program under mocks and compares every engine's recorded
``engineVersion`` with :func:`deployed_version`), so the handoff, the diagrams and the
assistant's context say what the program sets, and whether AWS moves it later.
"""

from __future__ import annotations

from .engine_support import support_note
from .model import DatastorePlan

# Engines whose component turns automatic minor version upgrades on.
AUTO_MINOR = frozenset(
    {"postgres", "mysql", "mariadb", "sqlserver", "redis", "memcached", "rabbitmq", "mongodb"}
)


def deployed_version(d: DatastorePlan) -> str | None:
    """The ``engine_version`` the program passes to AWS for ``d``; None without one."""
    v = d.version
    if v is None:
        return None
    parts = v.split(".")
    if d.engine == "postgres":
        return parts[0]
    if d.engine in ("mysql", "mariadb"):
        return ".".join(parts[:2])
    if d.engine == "mongodb":
        return ".".join([*parts, "0"][:3])
    if d.engine == "opensearch":
        return f"OpenSearch_{v}"
    return v


def version_label(d: DatastorePlan) -> str:
    """``postgres 16`` / ``mongodb 5.0.0`` / ``opensearch 2.17``: engine and set version."""
    v = deployed_version(d)
    if v is None:
        return d.engine
    return f"{d.engine} {v.removeprefix('OpenSearch_')}"


def version_note(d: DatastorePlan) -> str:
    """What AWS does with that version afterwards, and the spec's value where it differs."""
    v = deployed_version(d)
    if v is None:
        return ""
    notes = []
    if d.version != v.removeprefix("OpenSearch_"):
        notes.append(f"spec: {d.version}")
    if d.engine in ("postgres", "mysql", "mariadb", "sqlserver"):
        notes.append("RDS picks the minor version and upgrades it automatically")
        if past := support_note(d):
            notes.append(past)
    elif d.engine == "mongodb":
        notes.append("DocumentDB applies patches automatically")
    elif d.engine in AUTO_MINOR:
        notes.append("minor upgrades automatic")
    elif d.engine == "opensearch":
        notes.append("version upgrades by hand; service software updates by AWS")
    return "; ".join(notes)
