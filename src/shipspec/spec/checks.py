"""Checks that span fields: references between sections and credentials in plain sight.

These run on the raw document alongside pydantic, so a user sees a dangling ``uses``
and a misspelt key in the same run. They read defensively: the shape may be wrong,
and pydantic reports that separately.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import Diagnostic
from .adopt import import_id_problem
from .classification import classification_problems
from .datastore_refs import ATTRIBUTES
from .diagnostics import dotted
from .models import ACCESS_BY_ENGINE
from .network import network_problems
from .one_off_tasks import one_off_task_problems
from .queue_scaling import check_queue
from .reference_checks import check_override_refs, check_service_refs
from .volumes import volume_owner_problems
from .yamlsource import Path, YamlDocument

# Values that are credentials whatever their variable is called.
_CREDENTIAL_VALUES = (
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (
        re.compile(r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}\b|\bgithub_pat_\w{40,}"),
        "a GitHub token",
    ),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"\b[sr]k_live_[A-Za-z0-9]{16,}"), "a Stripe live key"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), "a GitLab token"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"), "a JWT"),
    (re.compile(r"://[^/\s:@]+:[^/\s@]{3,}@"), "a URL with a password"),
    # ADO.NET, ODBC and JDBC-style key=value connection strings (`...;Password=Pass@word;`).
    (
        re.compile(r"(?:^|[;\s])(?:password|pwd)\s*=\s*[^;\s${}<>]{3,}", re.I),
        "a connection string with a password",
    ),
)
# Names that announce a credential; their value is one unless it is a placeholder.
_CREDENTIAL_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|ACCESS_KEY)$")
_PLACEHOLDER = re.compile(
    r"^(|changeme|change-me|xxx+|\*+|<.*>|\$?\$\{.*\}|todo|none|null|false|true)$", re.I
)


def check_references(document: YamlDocument) -> list[Diagnostic]:
    data = document.data if isinstance(document.data, dict) else {}
    services = _mapping(data.get("services"))
    datastores = _mapping(data.get("datastores"))
    found: list[Diagnostic] = []
    for name, service in services.items():
        service = _mapping(service)
        uses = _list(service.get("uses"))
        for index, target in enumerate(uses):
            path: Path = ("services", name, "uses", index)
            access = None
            if isinstance(target, dict):  # {name: orders, access: consume}
                path, access, target = (*path, "name"), target.get("access"), target.get("name")
            if isinstance(target, str) and target not in datastores:
                found.append(_unknown(document, path, target, "datastore", datastores))
            elif isinstance(target, str) and isinstance(access, str):
                found.extend(_access(document, path[:-1], target, access, datastores))
        names = [u.get("name") if isinstance(u, dict) else u for u in uses]
        found.extend(_duplicates(document, ("services", name, "uses"), names))
        found.extend(_calls(document, services, name, service))
        scaling = _mapping(service.get("scaling"))
        if isinstance(scaling.get("queue"), str):
            found.extend(
                check_queue(
                    name,
                    service,
                    scaling["queue"],
                    datastores,
                    _reporter(document),
                    ("services", name, "scaling"),
                )
            )
        found.extend(_containers(document, data, name, service))
        found.extend(check_service_refs(name, service, datastores, _reporter(document)))
        secrets = [
            s.get("name") if isinstance(s, dict) else s for s in _list(service.get("secrets"))
        ]
        found.extend(_duplicates(document, ("services", name, "secrets"), secrets))
        for variable in _mapping(service.get("env")):
            if variable in secrets:
                found.append(
                    _at(
                        document,
                        ("services", name, "env", variable),
                        "is both in `env` and in `secrets`",
                        "keep it in `secrets` only",
                        "env-secret-clash",
                        key=True,
                    )
                )
    found.extend(check_override_refs(data, datastores, _reporter(document)))
    slos = _mapping(data.get("observability")).get("slos")
    for index, slo in enumerate(_list(slos)):
        target = _mapping(slo).get("service")
        path = ("observability", "slos", index, "service")
        if isinstance(target, str) and target not in services:
            found.append(_unknown(document, path, target, "service", services))
        elif isinstance(target, str) and _mapping(services[target]).get("type") == "static":
            found.append(
                _at(
                    document,
                    path,
                    f"{target!r} is a static site: CloudFront serves it, and its errors alarm "
                    "(5xx, or mostly 4xx) watches it; SLOs measure load-balanced services",
                    "set the SLO on the web service the site calls",
                    "slo-target",
                )
            )
        elif (
            isinstance(target, str)
            and _mapping(services[target]).get("type") in ("worker", "job")
            and _mapping(slo).get("sli") == "latency"
        ):
            found.append(
                _at(
                    document,
                    path,
                    f"a latency SLO needs a web service; {target!r} has no load balancer to "
                    "measure",
                    "use an availability SLO, or measure latency in the application",
                    "slo-target",
                )
            )
    if services and all(_mapping(s).get("type") == "static" for s in services.values()):
        found.append(
            _at(
                document,
                ("services",),
                "every service is a static site: the generated stack and pipelines are built "
                "around at least one ECS service (web, worker or job)",
                "add the service the site talks to, or host a site-only project elsewhere",
                "static-only",
                key=True,
            )
        )
    found.extend(_name_clashes(document, services, datastores))
    found.extend(_renames(document, services, datastores))
    found.extend(_former_variables(document, services, datastores))
    found.extend(_environment_overrides(document, data, services, datastores))
    for path, message, hint, code in (
        *network_problems(data),
        *volume_owner_problems(data),
        *classification_problems(data),
    ):
        found.append(_at(document, path, message, hint, code))
    development = _mapping(data.get("development"))
    listed: tuple[tuple[Path, Any], ...] = (
        (
            ("development", "deliverables"),
            [
                _mapping(item).get("name") if isinstance(item, dict) else item
                for item in _list(development.get("deliverables"))
            ],
        ),
        (
            ("requirements", "security", "compliance"),
            _mapping(_mapping(data.get("requirements")).get("security")).get("compliance"),
        ),
    )
    for where, items in listed:
        found.extend(_duplicates(document, where, _list(items)))
    return found


def _calls(
    document: YamlDocument, services: dict[str, Any], name: str, service: dict[str, Any]
) -> Iterator[Diagnostic]:
    """``calls`` names other long-running services that listen on a port.

    Service Connect serves ECS services only: a scheduled job's task is started by
    EventBridge outside any service, so it can neither call through it nor be called.
    """
    calls = _list(service.get("calls"))
    if calls and service.get("type") == "job":
        yield _at(
            document,
            ("services", name, "calls"),
            "a job cannot call other services: Service Connect serves ECS services, and a "
            "job's task runs outside any service",
            "remove `calls`, or make it a `worker`",
            "calls-from-job",
        )
        return
    for index, target in enumerate(calls):
        path: Path = ("services", name, "calls", index)
        if not isinstance(target, str):
            continue
        if target == name:
            yield _at(
                document,
                path,
                "a service cannot call itself through Service Connect",
                "remove it: the application reaches itself on localhost",
                "self-call",
            )
        elif target not in services:
            yield _unknown(document, path, target, "service", services)
        else:
            callee = _mapping(services[target])
            if callee.get("type") == "static":
                yield _at(
                    document,
                    path,
                    f"{target!r} is a static site: browsers load it from CloudFront, services "
                    "do not call it",
                    f"remove `{target}` from `calls`",
                    "callee-static",
                )
            elif callee.get("type") == "job" or callee.get("port") is None:
                yield _at(
                    document,
                    path,
                    f"{target!r} cannot be called: "
                    + (
                        "it is a job, which runs no standing tasks"
                        if callee.get("type") == "job"
                        else "it has no `port` to listen on"
                    ),
                    f"give `{target}` a `port` (a `worker` with a port is reached only by the "
                    "services that call it), or remove it from `calls`",
                    "callee-without-port",
                )
    yield from _duplicates(document, ("services", name, "calls"), calls)


# The metrics collector's container name (blueprints' _collector.COLLECTOR_NAME): a
# sidecar of that name would give the task two containers of one name.
_RESERVED_CONTAINERS = ("otel-collector",)


def _containers(
    document: YamlDocument, data: dict[str, Any], name: str, service: dict[str, Any]
) -> Iterator[Diagnostic]:
    """Mounted volumes are declared at the top level; sidecar names are the task's own."""
    volumes = _mapping(data.get("volumes"))
    for volume in _mapping(service.get("volumes")):
        if volume not in volumes:
            yield _unknown(
                document, ("services", name, "volumes", volume), volume, "volume", volumes
            )
    for sidecar in _mapping(service.get("sidecars")):
        if sidecar == name or sidecar in _RESERVED_CONTAINERS:
            yield _at(
                document,
                ("services", name, "sidecars", sidecar),
                f"a sidecar cannot be named {sidecar!r}: "
                + (
                    "that is the app container's name"
                    if sidecar == name
                    else "shipspec's metrics collector uses it"
                ),
                "rename the sidecar",
                "container-name-clash",
                key=True,
            )


def _name_clashes(
    document: YamlDocument, services: dict[str, Any], datastores: dict[str, Any]
) -> Iterator[Diagnostic]:
    """A service and a datastore share the resource-name and the variable-prefix space."""
    for name in sorted(set(services) & set(datastores)):
        yield _at(
            document,
            ("datastores", name),
            f"`{name}` names both a service and a datastore",
            f"rename the datastore, e.g. `{name}-db`: their AWS resources and injected "
            "variables would collide",
            "name-clash",
            key=True,
        )
    for path, message, hint, code in one_off_task_problems(services, datastores):
        yield _at(document, path, message, hint, code, key=True)


def check_credentials(document: YamlDocument) -> list[Diagnostic]:
    data = document.data if isinstance(document.data, dict) else {}
    found = []
    for name, service in _mapping(data.get("services")).items():
        for variable, value in _mapping(_mapping(service).get("env")).items():
            reason = _credential(str(variable), value)
            if reason:
                found.append(
                    _at(
                        document,
                        ("services", name, "env", variable),
                        f"looks like {reason}; credentials must not be in `env`",
                        f"remove it from `env`, list `{variable}` under `secrets` and set its "
                        "value in AWS Secrets Manager",
                        "credential-in-env",
                    )
                )
        for sidecar, settings in _mapping(_mapping(service).get("sidecars")).items():
            for variable, value in _mapping(_mapping(settings).get("env")).items():
                reason = _credential(str(variable), value)
                if reason:
                    found.append(
                        _at(
                            document,
                            ("services", name, "sidecars", sidecar, "env", variable),
                            f"looks like {reason}; credentials must not be in a sidecar's `env`",
                            "a sidecar takes no secrets: bake the credential's source into its "
                            "image's configuration, or move the work into the app",
                            "credential-in-env",
                        )
                    )
    return found


def credential_reason(variable: str, value: Any) -> str | None:
    """What makes ``variable=value`` a credential (e.g. "a GitHub token"), or None.

    Public so the compose importer moves exactly what validation would refuse into `secrets`.
    """
    return _credential(variable, value)


def _credential(variable: str, value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # `DB_PASSWORD: 12345678` is a real value, only unquoted
    if not isinstance(value, str):
        return None
    for pattern, what in _CREDENTIAL_VALUES:
        if pattern.search(value):
            return what
    if _CREDENTIAL_NAME.search(variable.upper()) and not _PLACEHOLDER.match(value.strip()):
        return f"a credential (the name {variable} says so)"
    return None


# The class family each engine's instances are named in (db.r7g.large, cache.t4g.small...).
_CLASS_PREFIX = {
    "postgres": "db.",
    "mysql": "db.",
    "mariadb": "db.",
    "sqlserver": "db.",
    "mongodb": "db.",
    "redis": "cache.",
    "memcached": "cache.",
    "rabbitmq": "mq.",
}


def _environment_overrides(
    document: YamlDocument,
    data: dict[str, Any],
    services: dict[str, Any],
    datastores: dict[str, Any],
) -> Iterator[Diagnostic]:
    """``environments.<env>.services/datastores.<name>`` name real ones and fit them."""
    from .models import ENGINE_FIELDS

    for env, environment in _mapping(data.get("environments")).items():
        environment = _mapping(environment)
        for name, override in _mapping(environment.get("services")).items():
            path: Path = ("environments", env, "services", name)
            if name not in services:
                yield _unknown(document, path, name, "service", services)
                continue
            if _mapping(services[name]).get("type") == "static":
                yield _at(
                    document,
                    path,
                    f"{name} is a static site: no environment setting applies to it",
                    f"remove environments.{env}.services.{name}",
                    "not-for-type",
                    key=True,
                )
                continue
            yield from _fargate_override(document, path, _mapping(services[name]), override)
            queue = _mapping(_mapping(override).get("scaling")).get("queue")
            if isinstance(queue, str):
                yield from check_queue(
                    name,
                    _mapping(services[name]),
                    queue,
                    datastores,
                    _reporter(document),
                    (*path, "scaling"),
                )
        for name, override in _mapping(environment.get("datastores")).items():
            path = ("environments", env, "datastores", name)
            if name not in datastores:
                yield _unknown(document, path, name, "datastore", datastores)
                continue
            engine = _mapping(datastores[name]).get("engine")
            if not isinstance(engine, str) or engine not in ENGINE_FIELDS:
                continue
            for field in ("storage_gb", "backup_days"):
                if field in _mapping(override) and field not in ENGINE_FIELDS[engine]:
                    yield _at(
                        document,
                        (*path, field),
                        f"`{field}` does not apply to engine {engine}",
                        f"remove it from environments.{env}.datastores.{name}",
                        "not-for-engine",
                        key=True,
                    )
            import_id = _mapping(override).get("import_id")
            problem = import_id_problem(engine, import_id) if isinstance(import_id, str) else None
            if problem is not None:
                yield _at(document, (*path, "import_id"), *problem, "import-id")
            klass = _mapping(override).get("instance_class")
            if isinstance(klass, str) and not _class_fits(engine, klass):
                prefix = _CLASS_PREFIX.get(engine)
                yield _at(
                    document,
                    (*path, "instance_class"),
                    f"{klass!r} is not an instance class for engine {engine}",
                    "use a *.search class, e.g. r6g.large.search"
                    if engine == "opensearch"
                    else (
                        f"use a {prefix}* class" if prefix else f"{engine} has no instance class"
                    ),
                    "not-for-engine",
                )


def _class_fits(engine: str, klass: str) -> bool:
    """OpenSearch names its instance types ``<family>.<size>.search``; the others by prefix."""
    if engine == "opensearch":
        return klass.endswith(".search")
    prefix = _CLASS_PREFIX.get(engine)
    return prefix is not None and klass.startswith(prefix)


def _fargate_override(
    document: YamlDocument, path: Path, service: dict[str, Any], override: Any
) -> Iterator[Diagnostic]:
    """The environment's cpu and memory, over the service's, must be a Fargate size."""
    from pydantic import TypeAdapter, ValidationError

    from .fargate import SizeError, fargate_size
    from .types import MemoryMiB

    override = _mapping(override)
    if "cpu" not in override and "memory" not in override:
        return
    try:
        cpu = float(override.get("cpu", service.get("cpu", 0.25)))
        raw_memory = override.get("memory", service.get("memory"))
        memory = None if raw_memory is None else TypeAdapter(MemoryMiB).validate_python(raw_memory)
        fargate_size(cpu, memory)
    except SizeError as error:
        field = "memory" if "memory" in override else "cpu"
        yield _at(
            document, (*path, field), f"no Fargate size fits: {error}", error.hint, "fargate-size"
        )
    except (TypeError, ValueError, ValidationError):
        return  # the field's own validation reports it


def _renames(
    document: YamlDocument, services: dict[str, Any], datastores: dict[str, Any]
) -> Iterator[Diagnostic]:
    """``renamed_from`` names a former name: not a current one, and claimed only once."""
    current = set(services) | set(datastores)
    claimed: dict[str, str] = {}
    for section, items in (("services", services), ("datastores", datastores)):
        for name, item in items.items():
            old = _mapping(item).get("renamed_from")
            if not isinstance(old, str):
                continue
            path: Path = (section, name, "renamed_from")
            if old in current:
                yield _at(
                    document,
                    path,
                    f"{old!r} is a current name, so {name!r} cannot have been renamed from it",
                    f"remove `renamed_from`, or rename {old!r} too",
                    "rename-clash",
                )
            elif old in claimed:
                yield _at(
                    document,
                    path,
                    f"{claimed[old]!r} is already renamed from {old!r}",
                    "only one service or datastore can keep the old name's resources",
                    "rename-clash",
                )
            claimed.setdefault(old, name)


# What a datastore's component sets beyond ATTRIBUTES, by engine: a SQL database's per-use
# variables, the ECS secrets of a cache and a broker (blueprints/.../components/*.py).
_PER_USE = {
    "postgres": ("secret_arn", "username", "auth"),
    "mysql": ("secret_arn", "username", "auth"),
    "mariadb": ("secret_arn", "username", "auth"),
    "mongodb": ("auth",),
    "redis": ("password",),
    "rabbitmq": ("username", "password"),
}


def _former_variables(
    document: YamlDocument, services: dict[str, Any], datastores: dict[str, Any]
) -> Iterator[Diagnostic]:
    """While a datastore has `renamed_from`, its users get its variables under the former
    name's prefix too (the program's ``Use.former``): a service's own variable or secret of
    such a name would be set twice, and the program stops."""
    for name, service in services.items():
        own = [("env", v) for v in _mapping(_mapping(service).get("env"))] + [
            ("secrets", s.get("name") if isinstance(s, dict) else s)
            for s in _list(_mapping(service).get("secrets"))
        ]
        for used in _list(_mapping(service).get("uses")):
            target = used.get("name") if isinstance(used, dict) else used
            if not isinstance(target, str):
                continue
            store = _mapping(datastores.get(target))
            old, engine = store.get("renamed_from"), store.get("engine")
            if not isinstance(old, str) or not isinstance(engine, str):
                continue
            prefix = old.upper().replace("-", "_")
            injected = {
                f"{prefix}_{a.upper()}"
                for a in (*ATTRIBUTES.get(engine, ()), *_PER_USE.get(engine, ()))
            }
            for index, (section, variable) in enumerate(own):
                if variable not in injected:
                    continue
                path: Path = (
                    ("services", name, "env", variable)
                    if section == "env"
                    else ("services", name, "secrets", index - sum(1 for s, _ in own if s == "env"))
                )
                yield _at(
                    document,
                    path,
                    f"{variable} is what {target} sets under its former name {old} while "
                    "`renamed_from` is in the spec",
                    f"remove it: the program sets it, the same as "
                    f"{target.upper().replace('-', '_')}{variable[len(prefix) :]}",
                    "renamed-variable-clash",
                    key=section == "env",
                )


def _unknown(
    document: YamlDocument, path: Path, target: str, kind: str, known: dict[str, Any]
) -> Diagnostic:
    close = difflib.get_close_matches(target, list(known), n=1, cutoff=0.6)
    hint = (
        f"did you mean `{close[0]}`?"
        if close
        else (
            f"declared {kind}s: " + ", ".join(sorted(known))
            if known
            else f"no {kind}s are declared"
        )
    )
    return _at(
        document, path, f"names {kind} {target!r}, which is not declared", hint, f"unknown-{kind}"
    )


def _access(
    document: YamlDocument, path: Path, target: str, access: str, datastores: dict[str, Any]
) -> Iterator[Diagnostic]:
    engine = _mapping(datastores[target]).get("engine")
    allowed = ACCESS_BY_ENGINE.get(engine) if isinstance(engine, str) else None
    if allowed is None and isinstance(engine, str):
        yield _at(
            document,
            (*path, "access"),
            f"`access` does not apply to {target} ({engine}): it is reached with credentials "
            "over the network, not per API action",
            "remove `access`, or list the datastore by name only",
            "access-not-for-engine",
        )
    elif allowed is not None and access not in allowed:
        yield _at(
            document,
            (*path, "access"),
            f"{target} is {engine}: access {access!r} does not apply",
            "use one of: " + ", ".join(allowed),
            "access-not-for-engine",
        )


def _duplicates(document: YamlDocument, path: Path, items: list[Any]) -> Iterator[Diagnostic]:
    seen: set[Any] = set()
    for index, item in enumerate(items):
        if isinstance(item, str) and item in seen:
            yield _at(
                document,
                (*path, index),
                f"lists {item!r} twice",
                "remove the repeat",
                "duplicate-item",
            )
        seen.add(item if isinstance(item, str) else id(item))


def _at(
    document: YamlDocument, path: Path, message: str, hint: str, code: str, *, key: bool = False
) -> Diagnostic:
    line, col = document.position(path, key=key)
    return Diagnostic(document.file, line, col, dotted(path), message, hint, code)


def _reporter(document: YamlDocument) -> Callable[[Path, str, str, str], Diagnostic]:
    return lambda path, message, hint, code: _at(document, path, message, hint, code)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
