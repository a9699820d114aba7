"""``.env.example`` files → the env and secrets of the service built beside them.

Teams list the variables an application needs in ``.env.example`` (or ``.env.sample``,
``.env.template``, ``.env.dist``). Their names are carried over: credentials (by name
or value) become ``secrets``, database URLs become ``uses`` of a datastore of that
engine (declared from the URL when the repository has no compose file to declare
it), the rest become ``env`` with the example's value, or an empty one to fill in.
The example's values are never taken for secrets.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .context import Context, credential
from .convert import spec_name
from .envfile import parse_env_file
from .images import SERVICE
from .report import Finding, ImportFailed
from .sources import MAX_BYTES, usable

EXAMPLES = (
    ".env.example",
    ".env.sample",
    ".env.template",
    ".env.dist",
    "env.example",
    "example.env",
)
_SCHEME = re.compile(r"^([a-z][a-z0-9]*)(?:\+[a-z0-9]+)?://", re.I)
ENGINES = {
    "postgres": "postgres", "postgresql": "postgres", "postgis": "postgres", "mysql": "mysql",
    "mysql2": "mysql", "mariadb": "mariadb", "redis": "redis", "rediss": "redis",
    "mongodb": "mongodb", "amqp": "rabbitmq", "amqps": "rabbitmq", "memcached": "memcached",
}  # fmt: skip
_NAMES = {
    "postgres": "db",
    "mysql": "db",
    "mariadb": "db",
    "redis": "cache",
    "mongodb": "docdb",
    "rabbitmq": "mq",
    "memcached": "memcache",
}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECRET_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def apply_env_examples(
    ctx: Context,
    root: Path,
    services: dict[str, Any],
    datastores: dict[str, Any],
    *,
    infer_datastores: bool,
) -> None:
    built = {name: _folder(ctx, spec) for name, spec in services.items()}
    root_example = _example(root)
    for name, spec in services.items():
        folder = built[name]
        if folder is None or not folder.is_relative_to(root):
            continue
        example = _example(folder)
        if example is None and root_example is not None and (folder == root or len(services) == 1):
            example = root_example
        if example is None or not example.resolve().is_relative_to(root):
            continue
        shown = example.relative_to(root).as_posix()
        try:
            values = parse_env_file(_read(example), shown)
        except ImportFailed as failed:
            ctx.report.add(
                Finding("dropped", name, shown, f"not read: {failed.diagnostics[0].message}", shown)
            )
            continue
        for variable, value in values.items():
            _one(ctx, name, spec, datastores, variable, value or "", shown, infer_datastores)


def _one(
    ctx: Context,
    name: str,
    spec: dict[str, Any],
    datastores: dict[str, Any],
    variable: str,
    value: str,
    shown: str,
    infer: bool,
) -> None:
    env = spec.setdefault("env", {})
    secrets = spec.setdefault("secrets", [])
    uses = spec.setdefault("uses", [])

    def find(which: str, message: str) -> None:
        ctx.report.add(Finding(which, name, f"{shown}:{variable}", message, shown))  # type: ignore[arg-type]

    if variable in env or variable in secrets or not _ENV_NAME.match(variable):
        _tidy(spec)
        return
    match = _SCHEME.match(value)
    engine = ENGINES.get(match.group(1).lower()) if match else None
    if engine:
        store = next((d for d, s in datastores.items() if s.get("engine") == engine), None)
        if store is None and infer:
            store = spec_name(_NAMES[engine], set(datastores) | set(ctx.names.values()) | {name})
            datastores[store] = {"engine": engine}
            ctx.note(
                ("datastores", store), f"inferred from {variable} in {shown}: {SERVICE[engine]}"
            )
        if store is not None:
            if store not in uses:
                uses.append(store)
            find(
                "dropped",
                f"a {engine} URL: replaced by `uses: [{store}]`; read the injected "
                "variables instead",
            )
        else:
            find("dropped", f"a {engine} URL, but the compose file declares no {engine} datastore")
    elif credential(variable, value):
        if _SECRET_NAME.match(variable):
            secrets.append(variable)
            find(
                "mapped",
                "a credential: listed under `secrets`; set its value in AWS Secrets Manager",
            )
        else:
            find("dropped", "a credential, but secrets must be named in capitals")
    else:
        env[variable] = value
        find("mapped", "env" + ("" if value else ": no example value, fill it in"))
        if not value:
            ctx.note(("services", name, "env", variable), f"from {shown}: set a value")
    _tidy(spec)


def _tidy(spec: dict[str, Any]) -> None:
    for key in ("env", "secrets", "uses"):
        if not spec.get(key):
            spec.pop(key, None)
    if "env" in spec:
        spec["env"] = dict(sorted(spec["env"].items()))
    for key in ("secrets", "uses"):
        if key in spec:
            spec[key] = sorted(set(spec[key]))


def _folder(ctx: Context, spec: dict[str, Any]) -> Path | None:
    build = spec.get("build")
    context = build.get("context") if isinstance(build, dict) else None
    if not isinstance(context, str) or "://" in context or not usable(context):
        return None
    return (ctx.base_dir / context).resolve()


def _example(folder: Path) -> Path | None:
    return next((folder / n for n in EXAMPLES if (folder / n).is_file()), None)


def _read(path: Path) -> str:
    with path.open("rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES or b"\x00" in raw:
        return ""
    return raw.decode("utf-8", "replace")
