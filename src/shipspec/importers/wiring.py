"""Sort each service's variables into ``env``, ``secrets`` and datastore ``uses``.

In compose an application finds its database through a hostname and a password in
its environment (``DATABASE_URL=postgres://app:pw@db:5432/app``). On AWS shipspec
wires that itself: a service that ``uses: [db]`` may reach ``db`` and gets its
endpoint and credentials injected as ``DB_*`` variables. So a variable that names a
datastore's host, repeats its password or points at its secret file is replaced by
``uses`` (with a warning: the application must read the injected variables), and a
``depends_on`` on a datastore becomes ``uses`` too. Values that look like credentials
move to ``secrets``; their values are never written.
"""

from __future__ import annotations

import re

from .context import Context, credential
from .datastores import Store
from .services import App

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECRET_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_CREDENTIAL = re.compile(r"(PASS|SECRET|KEY|TOKEN)", re.I)
_HOSTISH = re.compile(r"(HOST|ADDR|SERVER|ENDPOINT|BROKER|URL|URI|DSN|CONNECTION)", re.I)
# Suffixes of the variables a datastore may inject (``DB_HOST``...): a compose value
# under the same name would clash with it.
_INJECTED = frozenset(
    {"HOST", "PORT", "URL", "URI", "ENDPOINT", "USER", "USERNAME", "PASSWORD", "NAME"}
    | {"DATABASE", "DB", "ADDRESS", "SECRET_ARN", "AUTH"}
)
# Engines whose password AWS rotates: the app reads it from <PREFIX>_SECRET_ARN at connect
# time (docs/credentials.md) instead of receiving <PREFIX>_PASSWORD once at start.
_ROTATED = frozenset({"postgres", "mysql", "mariadb", "mongodb"})


def references(name: str, value: str, host: str) -> bool:
    """Does ``name=value`` connect to ``host`` (a URL, ``host:port``, or a host variable)?"""
    escaped = re.escape(host)
    if re.search(rf"://(?:[^@/\s]*@)?{escaped}(?::\d+)?(?=[/?#\s,;]|$)", value, re.I):
        return True
    if re.search(rf"(?:^|[\s,;=]){escaped}:\d+(?=$|[\s,;/])", value, re.I):
        return True
    return value.strip().lower() == host and bool(_HOSTISH.search(name))


def prefix_of(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def wire(ctx: Context, app: App, stores: list[Store], services: dict[str, set[str]]) -> None:
    uses: set[str] = set()
    env: dict[str, str] = {}
    secrets: set[str] = set()
    compose = app.compose
    for target, condition in sorted(app.depends_on.items()):
        keys = ("depends_on", target)
        store = next((s for s in stores if s.compose == target), None)
        if store:
            uses.add(store.name)
            ctx.find(
                "mapped",
                compose,
                keys,
                f"uses {store.name}: network access, IAM and its {prefix_of(store.name)}_* "
                "variables",
            )
        elif condition == "service_completed_successfully":
            ctx.find(
                "dropped",
                compose,
                keys,
                f"run the one-shot task {target} before deploying this service",
            )
        elif target in services:
            ctx.find(
                "dropped",
                compose,
                keys,
                f"ECS starts services independently: {compose} must retry until {target} answers",
            )
        else:
            ctx.find(
                "dropped", compose, keys, f"{target} is not imported (inactive profile or dropped)"
            )
    for source, variable in sorted(app.secrets.items()):
        store = next((s for s in stores if source in s.secrets), None)
        keys = ("secrets", source)
        if store:
            uses.add(store.name)
            ctx.find(
                "dropped",
                compose,
                keys,
                f"{store.name}'s credential: the managed service generates it; "
                + (
                    f"read it from the secret {prefix_of(store.name)}_SECRET_ARN names when "
                    "connecting (docs/credentials.md)"
                    if store.engine in _ROTATED
                    else f"read {prefix_of(store.name)}_PASSWORD (injected by uses)"
                ),
            )
            continue
        secrets.add(variable)
        definition = ctx.project.secrets.get(source)
        origin = _secret_origin(definition)
        ctx.find(
            "mapped",
            compose,
            keys,
            f"secret {variable}, injected as an environment variable (not a file in "
            f"/run/secrets): store {origin} in AWS Secrets Manager",
        )
        ctx.note(
            ("services", app.name, "secrets"),
            f"{variable} was compose secret `{source}`: the app reads it from the "
            "environment, not /run/secrets",
        )
    for variable, value in sorted(app.env.items()):
        keys = ("environment", variable)
        if not _ENV_NAME.match(variable):
            ctx.find("dropped", compose, keys, "not a valid environment variable name on ECS")
            continue
        found = _datastore_for(variable, value, stores)
        if found is not None:
            store, how = found
            prefix = prefix_of(store.name)
            uses.add(store.name)
            ctx.find(
                "dropped",
                compose,
                keys,
                f"{how} {store.name}: replaced by `uses: [{store.name}]`; read the injected "
                f"{prefix}_* variables instead",
            )
            ctx.note(
                ("services", app.name, "uses"),
                f"{variable} {how} compose service {store.compose}; now injected as {prefix}_*",
            )
            continue
        if value.startswith("/run/secrets/"):
            ctx.find(
                "dropped",
                compose,
                keys,
                "points at a compose secret file; on ECS the secret arrives as an "
                "environment variable",
            )
            continue
        other = next(
            (
                s
                for s, hosts in sorted(services.items())
                if s != compose and any(references(variable, value, h) for h in hosts)
            ),
            None,
        )
        if other:
            ctx.find(
                "dropped",
                compose,
                keys,
                f"names service {other} by its compose hostname: on AWS, point it at "
                f"{other}'s load balancer address (kept as is)",
            )
        reason = credential(variable, value)
        if reason:
            if _SECRET_NAME.match(variable):
                secrets.add(variable)
                ctx.find(
                    "mapped",
                    compose,
                    keys,
                    f"looks like {reason}: moved to `secrets`; its value is not written, "
                    "set it in AWS Secrets Manager",
                )
            else:
                ctx.find(
                    "dropped",
                    compose,
                    keys,
                    f"looks like {reason}, but secrets must be named in capitals: rename it "
                    "and list it under `secrets`",
                )
            continue
        env[variable] = value
    for store in stores:
        if store.name in uses:
            prefix = prefix_of(store.name) + "_"
            for variable in [
                v for v in env if v.startswith(prefix) and v[len(prefix) :] in _INJECTED
            ]:
                del env[variable]
                ctx.find(
                    "dropped",
                    compose,
                    ("environment", variable),
                    f"uses {store.name} injects {variable} itself",
                )
    for variable in secrets & set(env):
        del env[variable]
    if env:
        ctx.find("mapped", compose, ("environment",), "env: " + ", ".join(sorted(env)))
        app.spec["env"] = env
    if secrets:
        app.spec["secrets"] = sorted(secrets)
    if uses:
        app.spec["uses"] = sorted(uses)


def _datastore_for(variable: str, value: str, stores: list[Store]) -> tuple[Store, str] | None:
    """The datastore a variable connects to, and how it says so."""
    for store in stores:
        if any(references(variable, value, host) for host in store.hosts):
            return store, "connected to"
        if value in store.passwords and _CREDENTIAL.search(variable):
            return store, "held the password of"
        if any(value == f"/run/secrets/{secret}" for secret in store.secrets):
            return store, "read the secret of"
    return None


def _secret_origin(definition: object) -> str:
    if isinstance(definition, dict):
        if isinstance(definition.get("file"), str):
            return f"the content of {definition['file']}"
        if isinstance(definition.get("environment"), str):
            return f"the value of ${definition['environment']}"
        if definition.get("external"):
            return f"the existing secret {definition.get('name', '')}".rstrip()
    return "its value"
