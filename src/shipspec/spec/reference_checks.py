"""Located errors for ``${datastore.attribute}`` in ``env`` and ``from:`` in ``secrets``.

Read on the raw document like the rest of :mod:`.checks`: a reference names a datastore
the service ``uses`` and an attribute its engine injects (:mod:`.datastore_refs`), and a
credential comes only through ``secrets``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..errors import Diagnostic
from .datastore_refs import ATTRIBUTES, CREDENTIAL_KEYS, Malformed, scan, secret_source
from .yamlsource import Path

Report = Callable[[Path, str, str, str], Diagnostic]

# Attributes that are credentials: never a plain `env` value, whatever the engine.
_CREDENTIALS = frozenset({"password", "username", "user", "token", "secret"})


def check_service_refs(
    name: str, service: dict[str, Any], datastores: dict[str, Any], report: Report
) -> Iterator[Diagnostic]:
    used = _used(service)
    yield from _env_refs(("services", name), service.get("env"), used, datastores, report)
    secrets = service.get("secrets")
    for index, item in enumerate(secrets if isinstance(secrets, list) else []):
        if isinstance(item, dict) and isinstance(item.get("from"), str):
            yield from _secret(name, index, item["from"], used, datastores, report)


def check_override_refs(
    data: dict[str, Any], datastores: dict[str, Any], report: Report
) -> Iterator[Diagnostic]:
    """``environments.<env>.services.<name>.env`` refers to what the service itself uses."""
    found = data.get("services")
    services: dict[str, Any] = found if isinstance(found, dict) else {}
    environments = data.get("environments")
    for env, settings in (environments if isinstance(environments, dict) else {}).items():
        overrides = settings.get("services") if isinstance(settings, dict) else None
        for name, override in (overrides if isinstance(overrides, dict) else {}).items():
            service = services.get(name)
            if isinstance(override, dict) and isinstance(service, dict):
                where: Path = ("environments", env, "services", name)
                used = _used(service)
                yield from _env_refs(where, override.get("env"), used, datastores, report)


def _env_refs(
    where: Path, env: Any, used: set[str], datastores: dict[str, Any], report: Report
) -> Iterator[Diagnostic]:
    for variable, value in (env if isinstance(env, dict) else {}).items():
        if not isinstance(value, str):
            continue
        path: Path = (*where, "env", variable)
        for ref in scan(value):
            if isinstance(ref, Malformed):
                yield report(
                    path,
                    f"`{ref.text}` is not a datastore reference",
                    "write `${<datastore>.<attribute>}`, e.g. `${db.host}`; `$$` is a literal `$`",
                    "bad-reference",
                )
                continue
            problem = _target(ref.datastore, used, datastores, variable)
            if problem:
                yield report(path, *problem, "unknown-reference")
                continue
            store = datastores[ref.datastore]  # not a mapping: pydantic reports it
            engine = str(store.get("engine")) if isinstance(store, dict) else ""
            attributes = ATTRIBUTES.get(engine, ())
            if ref.attribute in attributes:
                continue
            if ref.attribute in _CREDENTIALS:
                hint = (
                    "credentials never go in `env`: add `{name: "
                    + f"{ref.datastore.upper().replace('-', '_')}_{ref.attribute.upper()}, "
                    + f"from: {ref.datastore}.{ref.attribute}}}` to `secrets`"
                    if ref.attribute in CREDENTIAL_KEYS.get(engine, ())
                    else f"{engine} has no credential the stack can hand over"
                )
                hint += " (a credential inside a URL: docs/import.md, 'Connection strings')"
            else:
                hint = _did_you_mean(ref.attribute, attributes, f"{engine} has")
            yield report(
                path,
                f"`{ref.text}`: {engine} datastore {ref.datastore!r} has no attribute "
                f"{ref.attribute!r}",
                hint,
                "unknown-attribute",
            )


def _secret(
    name: str, index: int, text: str, used: set[str], datastores: dict[str, Any], report: Report
) -> Iterator[Diagnostic]:
    path: Path = ("services", name, "secrets", index, "from")
    source = secret_source(text)
    if source is None:
        return  # pydantic reports the pattern
    store, key = source
    problem = _target(store, used, datastores, None)
    if problem:
        yield report(path, *problem, "unknown-reference")
        return
    definition = datastores[store]
    if not isinstance(definition, dict):
        return  # not a mapping: pydantic reports it
    engine = str(definition.get("engine"))
    keys = CREDENTIAL_KEYS.get(engine)
    if keys is None:
        yield report(
            path,
            f"{engine} datastore {store!r} has no credential secret the stack creates",
            "engines with one: " + ", ".join(sorted(CREDENTIAL_KEYS)),
            "no-credential",
        )
    elif key not in keys:
        yield report(
            path,
            f"{store!r}'s secret has no key {key!r}",
            _did_you_mean(key, keys, "its keys are"),
            "unknown-attribute",
        )


def _target(
    store: str, used: set[str], datastores: dict[str, Any], variable: str | None
) -> tuple[str, str] | None:
    """(message, hint) when ``store`` is not a datastore this service uses."""
    if store in datastores and store in used:
        return None
    if store in datastores:
        return (
            f"refers to datastore {store!r}, which this service does not use",
            f"add `{store}` to `uses` (network access and IAM come with it)",
        )
    close = difflib.get_close_matches(store, sorted(used) or list(datastores), n=1, cutoff=0.6)
    known = ", ".join(sorted(used)) or "none"
    return (
        f"refers to datastore {store!r}, which is not declared",
        f"did you mean `{close[0]}`?" if close else f"datastores this service uses: {known}",
    )


def _did_you_mean(word: str, choices: Iterable[str], lead: str) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    listed = ", ".join(choices)
    return f"did you mean `{close[0]}`? ({lead} {listed})" if close else f"{lead} {listed}"


def _used(service: dict[str, Any]) -> set[str]:
    uses = service.get("uses")
    names = set()
    for use in uses if isinstance(uses, list) else []:
        target = use.get("name") if isinstance(use, dict) else use
        if isinstance(target, str):
            names.add(target)
    return names
