"""What a datastore rename (`renamed_from`) changes for the applications and the operators,
for the handoff's "Renames in this release".

The program keeps the data (Pulumi aliases) and, while `renamed_from` is in the spec, hands
every service that uses the datastore its variables under the former name's prefix too
(``Use.former`` in ``components/_datastore.py``): the same values, the secrets as ECS
secrets. The variables are those the engine's component injects: the ones every use gets
(:data:`~shipspec.spec.datastore_refs.ATTRIBUTES`, checked against the components by
tests/components/test_env_attributes.py), a SQL database's per-use ones (``_SECRET_ARN`` or
``_USERNAME``, and ``_AUTH``: ``database.py``), the ECS secrets (a cache's AUTH token, a
broker's user), and the master credentials a service's migration task gets.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...plan.access import SQL_ENGINES
from ...plan.db_admin import ADMIN_ENGINES
from ...plan.model import DeploymentModel
from ...spec.datastore_refs import ATTRIBUTES, MASTER_SECRET_ONLY

# ECS secrets each engine's component injects (`secrets()`), by variable suffix.
_SECRETS = {"redis": ("PASSWORD",), "rabbitmq": ("USERNAME", "PASSWORD")}


@dataclass(frozen=True)
class RenamedVariable:
    old: str
    new: str
    what: str  # what it holds and where it is set


@dataclass(frozen=True)
class Rename:
    datastore: str
    renamed_from: str
    engine: str
    services: list[str]
    variables: list[RenamedVariable]
    alarms: list[str]  # production's alarm names, now under the new name
    admin: bool  # a SQL database or DocumentDB cluster: its db-admin task, in `db_admin`


def datastore_renames(model: DeploymentModel) -> list[Rename]:
    found = []
    first = model.environments[0]
    for store in first.datastores:
        if store.renamed_from is None:
            continue
        uses = [u for s in first.services for u in s.uses if u.datastore == store.name]
        users = sorted(
            {s.name for s in first.services for u in s.uses if u.datastore == store.name}
        )
        variables: list[RenamedVariable] = []
        if uses and uses[0].former_prefix:
            variables = _variables(
                model, store.name, store.engine, uses[0].former_prefix, uses[0].env_prefix
            )
        alarms = model.monitoring.alarms.get(model.production.name)
        found.append(
            Rename(
                datastore=store.name,
                renamed_from=store.renamed_from,
                engine=store.engine,
                services=users,
                variables=variables,
                alarms=sorted(
                    a.name
                    for a in (alarms.alarms if alarms else [])
                    if a.target == f"datastore:{store.name}"
                ),
                admin=store.engine in ADMIN_ENGINES or store.engine == "mongodb",
            )
        )
    return found


def _variables(
    model: DeploymentModel, name: str, engine: str, old: str, new: str
) -> list[RenamedVariable]:
    own_users = any(
        u.datastore == name and u.db_user
        for e in model.environments
        for s in e.services
        for u in s.uses
    )
    # DocumentDB: no _SECRET_ARN where services sign in with their task roles.
    skipped = MASTER_SECRET_ONLY.get(engine, ()) if own_users else ()
    rows = [
        (suffix.upper(), "variable, every service that uses it")
        for suffix in ATTRIBUTES.get(engine, ())
        if suffix not in skipped
    ]
    if engine == "mongodb":
        rows.append(("AUTH", "variable, every service that uses it (`secret` or `iam`)"))
    if engine in SQL_ENGINES:
        own = sorted(
            {
                e.name
                for e in model.environments
                for s in e.services
                for u in s.uses
                if u.datastore == name and u.db_user
            }
        )
        shared = sorted(
            {
                e.name
                for e in model.environments
                for s in e.services
                for u in s.uses
                if u.datastore == name and not u.db_user
            }
        )
        if shared:
            rows.append(
                (
                    "SECRET_ARN",
                    f"variable, where a service reads the master secret ({', '.join(shared)})",
                )
            )
        if own:
            rows.append(
                (
                    "USERNAME",
                    f"variable, where a service has its own database user ({', '.join(own)})",
                )
            )
        rows.append(("AUTH", "variable, every service that uses it (`secret` or `iam`)"))
        migrating = sorted(
            {
                s.name
                for s in model.environments[0].services
                if s.migrate and any(u.datastore == name for u in s.uses)
            }
        )
        if migrating:
            tasks = ", ".join(f"{m}-migrate" for m in migrating)
            rows.append(("USERNAME", f"ECS secret, the migration task ({tasks}): master user"))
            rows.append(("PASSWORD", f"ECS secret, the migration task ({tasks}): master password"))
    for suffix in _SECRETS.get(engine, ()):
        rows.append((suffix, "ECS secret, every service that uses it"))
    return [RenamedVariable(f"{old}_{s}", f"{new}_{s}", what) for s, what in rows]
