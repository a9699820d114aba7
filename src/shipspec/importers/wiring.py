"""Sort each service's variables into ``env``, ``secrets`` and datastore ``uses``.

In compose an application finds its database through a hostname and a password in
its environment (``DATABASE_URL=postgres://app:pw@db:5432/app``). On AWS shipspec
wires that itself: a service that ``uses: [db]`` may reach ``db`` and gets its
endpoint and credentials injected as ``DB_*`` variables. So a variable that names a
datastore's host, repeats its password or points at its secret file is replaced by
``uses`` (with a warning: the application must read the injected variables), and a
``depends_on`` on a datastore becomes ``uses`` too. Values that look like credentials
move to ``secrets``; their values are never written.

A variable or ``depends_on`` naming another application service becomes ``calls``:
on AWS that service answers to its spec name through ECS Service Connect, so
``http://catalog-api:8080`` keeps working as it is (a compose alias that is not the
spec name is rewritten to it), and the security groups allow exactly those calls.
"""

from __future__ import annotations

import re

from ..spec.datastore_refs import CREDENTIAL_KEYS, ROTATED, escape
from .connections import TLS_TEXT, rewrite, shell_line
from .context import Context, credential
from .datastores import Store
from .services import App

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CREDENTIAL = re.compile(r"(PASS|SECRET|KEY|TOKEN)", re.I)
_HOSTISH = re.compile(r"(HOST|ADDR|SERVER|ENDPOINT|BROKER|URL|URI|DSN|CONNECTION)", re.I)
# Suffixes of the variables a datastore may inject (``DB_HOST``...): a compose value
# under the same name would clash with it.
_INJECTED = frozenset(
    {"HOST", "PORT", "URL", "URI", "ENDPOINT", "USER", "USERNAME", "PASSWORD", "NAME"}
    | {"DATABASE", "DB", "ADDRESS", "SECRET_ARN", "AUTH"}
)


def references(name: str, value: str, host: str) -> bool:
    """Does ``name=value`` connect to ``host`` (a URL, ``host:port``, or a host variable)?"""
    escaped = re.escape(host)
    if re.search(rf"://(?:[^@/\s]*@)?{escaped}(?::\d+)?(?=[/?#\s,;]|$)", value, re.I):
        return True
    if re.search(rf"(?:^|[\s,;=]){escaped}:\d+(?=$|[\s,;/])", value, re.I):
        return True
    # key=value connection strings: `Host=db;...`, `Server=sqldata,1433;...`, `Data Source=db`
    if re.search(
        rf"(?:^|;)\s*(?:host|server|data source|address|addr)\s*=\s*(?:tcp:)?{escaped}"
        rf"(?=$|[;,:\s])",
        value,
        re.I,
    ):
        return True
    return value.strip().lower() == host and bool(_HOSTISH.search(name))


def prefix_of(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def rename_host(value: str, host: str, name: str) -> str:
    """``value`` with each connection to ``host`` (as :func:`references` finds them) → ``name``."""
    escaped = re.escape(host)
    value = re.sub(
        rf"(://(?:[^@/\s]*@)?){escaped}(?=(?::\d+)?(?:[/?#\s,;]|$))",
        rf"\g<1>{name}",
        value,
        flags=re.I,
    )
    value = re.sub(
        rf"(^|[\s,;=]){escaped}(?=:\d+(?:$|[\s,;/]))", rf"\g<1>{name}", value, flags=re.I
    )
    return name if value.strip().lower() == host else value


def wire(
    ctx: Context,
    app: App,
    stores: list[Store],
    services: dict[str, set[str]],
    servers: dict[str, tuple[str, int]],
) -> None:
    """Fill ``app.spec``'s env, secrets, uses and calls.

    ``services`` maps each application service's compose name to its hostnames;
    ``servers`` maps those that listen on a port to their spec name and that port.
    """
    uses: set[str] = set()
    calls: set[str] = set()
    env: dict[str, str] = {}
    secrets: set[str] = set()
    from_stores: list[dict[str, str]] = []  # {name, from: store.password}
    compose = app.compose
    depended: dict[str, tuple[str, ...]] = {}
    for target, condition in sorted(app.depends_on.items()):
        keys = ("depends_on", target)
        store = next((s for s in stores if s.compose == target), None)
        if store:
            depended[store.name] = keys
        elif condition == "service_completed_successfully" and ctx.names.get(
            target, target
        ) in app.spec.get("depends_on", {}):
            ctx.find("mapped", compose, keys, f"waits for the init container {target}: SUCCESS")
        elif condition == "service_completed_successfully":
            ctx.find(
                "dropped",
                compose,
                keys,
                f"run the one-shot task {target} before deploying this service",
            )
        elif target in servers and target != compose:
            name, port = servers[target]
            calls.add(name)
            ctx.find(
                "mapped",
                compose,
                keys,
                f"calls {name} (http://{name}:{port} through Service Connect); ECS starts "
                f"services independently, so {compose} must retry until {name} answers",
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
                    if store.engine in ROTATED
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
            uses.add(store.name)
            if how == "connected to" and _rewritten(ctx, app, keys, variable, value, store, env):
                continue
            if how == "held the password of" and _credential_secret(
                ctx, app, keys, variable, store, from_stores
            ):
                continue
            prefix = prefix_of(store.name)
            ctx.find(
                "dropped",
                compose,
                keys,
                f"{how} {store.name}: replaced by `uses: [{store.name}]`; build {variable} at "
                f'start from the injected {prefix}_* variables (docs/import.md, "Connection '
                f'strings"). {_tls(store.engine, value, prefix)}',
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
        if other in servers:
            value = _call(ctx, app, keys, value, variable, services[other], servers[other])
            calls.add(servers[other][0])
        elif other:
            ctx.find(
                "dropped",
                compose,
                keys,
                f"names service {other}, which listens on no port here: nothing answers to "
                "it on AWS (kept as is)",
            )
        _unreachable_host(ctx, compose, keys, value)
        reason = credential(variable, value)
        if reason:
            secrets.add(variable)
            whole = " (the whole value: ECS injects it as is)" if value.strip() else ""
            ctx.find(
                "mapped",
                compose,
                keys,
                f"looks like {reason}: moved to `secrets`{whole}; its value is not written, "
                "set it in AWS Secrets Manager",
            )
            continue
        env[variable] = escape(value)  # a literal `${` is not a datastore reference
    _depended(ctx, compose, depended, uses)
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
    if secrets or from_stores:
        app.spec["secrets"] = [*sorted(secrets), *from_stores]
    if uses:
        app.spec["uses"] = sorted(uses)
    if calls:
        app.spec["calls"] = sorted(calls)


def _rewritten(
    ctx: Context,
    app: App,
    keys: tuple[str, ...],
    variable: str,
    value: str,
    store: Store,
    env: dict[str, str],
) -> bool:
    """Point ``variable`` at the managed datastore in place; False when its shape is unknown.

    A value with a credential inside stays out of the spec: the report gives the line
    that builds it when the container starts.
    """
    found = rewrite(variable, value, store.hosts, store.engine)
    if found is None:
        return False
    prefix = prefix_of(store.name)
    tls = TLS_TEXT.get(store.engine, "").replace("<P>", prefix)
    if found.embedded:
        line = shell_line(variable, found, prefix, store.engine)
        ctx.find(
            "dropped",
            app.compose,
            keys,
            f"connected to {store.name} with a credential inside (a {found.shape}): ECS cannot "
            "put a secret inside a plain value, so build it when the container starts "
            f'(docs/import.md, "Connection strings"): `{line}`' + (f"; {tls}" if tls else ""),
        )
        ctx.note(
            ("services", app.name, "uses"),
            f"{variable} connected to compose service {store.compose} with a credential "
            f"inside; build it at start from {prefix}_*",
        )
        return True
    env[variable] = found.spec_value(store.name)
    before = f"`{value.strip()}`" if credential(variable, value) is None else "its value"
    ctx.find(
        "mapped",
        app.compose,
        keys,
        f"connected to {store.name}: rewritten in place ({found.shape}), {before} → "
        f"`{env[variable]}`, resolved to the managed endpoint at deploy time"
        + (f"; {tls}" + (", stated in the value" if found.shape != "host" else "") if tls else ""),
    )
    ctx.note(
        ("services", app.name, "env", variable),
        f"was {found.shape} of compose service {store.compose}; now {store.name}'s endpoint",
    )
    return True


def _credential_secret(
    ctx: Context,
    app: App,
    keys: tuple[str, ...],
    variable: str,
    store: Store,
    from_stores: list[dict[str, str]],
) -> bool:
    """``DB_PASSWORD=s3cret`` (the datastore's own password): its managed secret's key."""
    prefix = prefix_of(store.name) + "_"
    # The cache's and the broker's `uses` inject <PREFIX>_PASSWORD (and _USERNAME) already.
    injected = store.engine in ("redis", "rabbitmq") and variable in (
        f"{prefix}PASSWORD",
        f"{prefix}USERNAME",
    )
    if "password" not in CREDENTIAL_KEYS.get(store.engine, ()) or injected:
        return False
    from_stores.append({"name": variable, "from": f"{store.name}.password"})
    rotation = (
        "AWS rotates it every 7 days and ECS reads it when a task starts: redeploy or read "
        f"{prefix}SECRET_ARN again after a rotation (docs/credentials.md)"
        if store.engine in ROTATED
        else "written once by the stack"
    )
    ctx.find(
        "mapped",
        app.compose,
        keys,
        f"held {store.name}'s password: `secrets: [{{name: {variable}, from: "
        f"{store.name}.password}}]`, the `password` key of the secret the stack creates for "
        f"it; {rotation}",
    )
    return True


def _depended(
    ctx: Context, compose: str, depended: dict[str, tuple[str, ...]], uses: set[str]
) -> None:
    """``depends_on`` a datastore grants access only when the service names it elsewhere.

    Compose only orders start-up; access on AWS is a security group rule, an IAM grant
    and injected variables, so it follows what the service's configuration connects to.
    """
    for name, keys in sorted(depended.items()):
        if name in uses:
            ctx.find(
                "mapped",
                compose,
                keys,
                f"uses {name}: network access, IAM and its {prefix_of(name)}_* variables "
                "(its environment connects to it)",
            )
        else:
            ctx.find(
                "dropped",
                compose,
                keys,
                f"waits for {name}, but no variable or secret of {compose} connects to it, so "
                f"no access is granted: add `uses: [{name}]` if its code or image config does",
            )


def _call(
    ctx: Context,
    app: App,
    keys: tuple[str, ...],
    value: str,
    variable: str,
    hosts: set[str],
    server: tuple[str, int],
) -> str:
    """The value, with the callee's compose hostname replaced by its spec name if they differ."""
    name, port = server
    renamed = value
    for host in sorted(hosts):
        if host != name and references(variable, renamed, host):
            renamed = rename_host(renamed, host, name)
    how = "kept as is" if renamed == value else f"host renamed to {name}, the spec name"
    ctx.find(
        "mapped",
        app.compose,
        keys,
        f"calls {name}: Service Connect answers to http://{name}:{port} ({how})",
    )
    return renamed


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


# Addresses that mean "this machine" under Docker: on Fargate the task is its own host and
# Docker Desktop's names do not resolve, so nothing answers there.
_HOST_ONLY = re.compile(
    r"(?:^|[/@\s=;,])(localhost|127\.0\.0\.1|0\.0\.0\.0|host\.docker\.internal|"
    r"gateway\.docker\.internal|docker\.for\.(?:mac|win|linux)\.(?:localhost|host\.internal))"
    r"(?=[:/\s;,]|$)",
    re.I,
)


def _unreachable_host(ctx: Context, compose: str, keys: tuple[str, ...], value: str) -> None:
    """Warn about a value that reaches the Docker host or the container itself by name."""
    match = _HOST_ONLY.search(value)
    if match is None or match.group(1) == "0.0.0.0" or _binds(value):
        return
    host = match.group(1)
    ctx.find(
        "dropped",
        compose,
        keys,
        f"points at {host}, which on AWS is "
        + (
            "the task itself"
            if host.lower() in ("localhost", "127.0.0.1")
            else "a Docker Desktop name that does not resolve"
        )
        + ": set it to the address the service has on AWS (kept as is)",
    )


def _binds(value: str) -> bool:
    """``http://0.0.0.0:80``-like listen addresses are the app's own binding, not a call."""
    return bool(re.fullmatch(r"\s*(https?://)?(0\.0\.0\.0|\*|\+|\[::\])(:\d+)?/?\s*", value))


_TLS_OFF = re.compile(
    r"(sslmode\s*=\s*disable|encrypt\s*=\s*(false|no)|ssl\s*=\s*false|tls\s*=\s*false|"
    r"^redis://|^amqp://|^mongodb://(?!.*tls=true))",
    re.I,
)


def _tls(engine: str, value: str, prefix: str) -> str:
    """The managed service's TLS requirement, and whether the compose value turns TLS off."""
    wanted = TLS_TEXT.get(engine, "").replace("<P>", prefix) or None
    if wanted is None:
        return ""
    off = _TLS_OFF.search(value)
    return wanted + (f"; the compose value has `{off.group(0)}`, which fails" if off else "")
