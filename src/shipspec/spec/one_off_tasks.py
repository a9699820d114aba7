"""Checks for the one-off tasks the program adds beside the spec's own services.

Each PostgreSQL, MySQL, MariaDB or DocumentDB database gets a db-admin task named
``<datastore>-admin`` (``plan/db_admin.py``) and each service with ``migrate`` a
``<service>-migrate`` task: their log groups and task families would collide with a service
of that name. ``migrate`` runs as
the master user of the SQL databases the service uses, so it needs one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .yamlsource import Path

SQL_ENGINES = ("postgres", "mysql", "mariadb")
ADMIN_ENGINES = (*SQL_ENGINES, "mongodb")  # DocumentDB's db-admin task runs mongosh


def one_off_task_problems(
    services: dict[str, Any], datastores: dict[str, Any]
) -> Iterator[tuple[Path, str, str, str]]:
    """(path, message, hint, code) for each problem, located at the offending key."""
    for name, store in sorted(datastores.items()):
        admin = f"{name}-admin"
        if _mapping(store).get("engine") in ADMIN_ENGINES and admin in services:
            yield (
                ("services", admin),
                f"`{admin}` is the name of datastore `{name}`'s db-admin task",
                "rename the service (or the datastore): their log group and task family "
                "would collide",
                "name-clash",
            )
    for name, service in sorted(services.items()):
        if _mapping(service).get("migrate") is None:
            continue
        task = f"{name}-migrate"
        if task in services:
            yield (
                ("services", task),
                f"`{task}` is the name of service `{name}`'s migration task",
                "rename one of the services: their log group and task family would collide",
                "name-clash",
            )
        uses = _mapping(service).get("uses")
        used = [u.get("name") if isinstance(u, dict) else u for u in _list(uses)]
        if not any(
            isinstance(u, str) and _mapping(datastores.get(u)).get("engine") in SQL_ENGINES
            for u in used
        ):
            yield (
                ("services", name, "migrate"),
                "`migrate` needs a PostgreSQL, MySQL or MariaDB database in `uses`: the "
                "migration task connects with their master credentials",
                "add the database to `uses`, or remove `migrate`",
                "migrate-without-database",
            )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
