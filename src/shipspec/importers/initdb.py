"""Databases and users a datastore container creates at first start, reported exactly.

Database images create what their environment names (``POSTGRES_DB``, ``MYSQL_USER``...)
and run the scripts mounted into ``/docker-entrypoint-initdb.d``. The managed service
does neither: shipspec's RDS instance starts with one database, ``app`` (injected as
``<P>_NAME``), and the master user. So the import lists every database, user and grant
the container would have created, and the statements to run against the new endpoint;
an application that expected its own database name must either get that database or
read ``<P>_NAME``.
"""

from __future__ import annotations

import re
from typing import Any

from .context import Context, text_of
from .report import ImportFailed
from .shapes import mapping, sequence

MANAGED_DATABASE = "app"  # the database the generated RDS instance is created with
_NAMES = {
    "postgres": (("POSTGRES_DB", "POSTGRESQL_DATABASE"), ("POSTGRES_USER", "POSTGRESQL_USERNAME")),
    "mysql": (("MYSQL_DATABASE",), ("MYSQL_USER",)),
    "mariadb": (("MARIADB_DATABASE", "MYSQL_DATABASE"), ("MARIADB_USER", "MYSQL_USER")),
    "mongodb": (("MONGO_INITDB_DATABASE",), ("MONGO_INITDB_ROOT_USERNAME",)),
}
_STATEMENT = re.compile(
    r"^\s*((?:CREATE|ALTER)\s+(?:DATABASE|USER|ROLE|SCHEMA|EXTENSION)\b[^;]*;|GRANT\b[^;]*;)",
    re.I | re.M,
)
INITDB = "/docker-entrypoint-initdb.d"


def initdb_keys(engine: str) -> frozenset[str]:
    """The environment keys :func:`report_initdb` reports for ``engine``."""
    databases, users = _NAMES.get(engine, ((), ()))
    return frozenset(databases) | frozenset(users)


def report_initdb(ctx: Context, compose: str, engine: str, data: dict[str, Any]) -> None:
    env = mapping(data.get("environment"))
    databases, users = _NAMES.get(engine, ((), ()))
    prefix = re.sub(r"[^A-Z0-9]", "_", ctx.names.get(compose, compose).upper())
    for key in databases:
        name = text_of(env.get(key))
        if name and name != MANAGED_DATABASE:
            ctx.find(
                "dropped",
                compose,
                ("environment", key),
                f"the container creates database `{name}`; the managed one starts with "
                f"`{MANAGED_DATABASE}` ({prefix}_NAME): run `CREATE DATABASE {name};` as the "
                f"master user, or have the application read {prefix}_NAME",
            )
    for key in users:
        name = text_of(env.get(key))
        if name:
            ctx.find(
                "dropped",
                compose,
                ("environment", key),
                f"the container creates user `{name}`; the managed service has its master user "
                f"(its secret, {prefix}_SECRET_ARN): connect as that, or create `{name}` and "
                "store its password in a secret",
            )
    for index, volume in enumerate(sequence(data.get("volumes"))):
        source, target = _mount(volume)
        if not source or not target.startswith(INITDB):
            continue
        statements = _statements(ctx, compose, index, source)
        shown = " ".join(s.replace("\n", " ") for s in statements[:8])
        ctx.find(
            "dropped",
            compose,
            ("volumes", index),
            f"init scripts ({source}) do not run on the managed service: run them once against "
            f"the new endpoint" + (f"; they create: {shown}" if shown else ""),
        )


def _mount(volume: Any) -> tuple[str, str]:
    if isinstance(volume, str):
        parts = volume.split(":")
        return (parts[0], parts[1]) if len(parts) >= 2 else ("", "")
    volume = mapping(volume)
    return str(volume.get("source", "")), str(volume.get("target", ""))


def _statements(ctx: Context, compose: str, index: int, source: str) -> list[str]:
    """The CREATE/GRANT statements of the mounted SQL file (or the files of the folder)."""
    if not source.startswith("."):
        return []
    path = ctx.project.directory / source
    files = sorted(path.glob("*.sql"))[:20] if path.is_dir() else [path]
    found: list[str] = []
    for file in files:
        try:
            raw = ctx.project.reader.read(
                file, ctx.where(compose, "volumes", index), what="init script", optional=True
            )
        except ImportFailed:
            continue
        if raw is not None:
            found += [
                m.group(1).strip() for m in _STATEMENT.finditer(raw.decode("utf-8", "replace"))
            ]
    return found
