"""Would the imported application run? Per compose sample, counted from the compose file itself.

Not part of the test suite: a measurement printed as a table, to compare the importer
before and after a change (issue 15). For every sample that imports (with
``--allow-incompatible``), the compose file (merged and interpolated as Compose reads it)
is the ground truth and the imported spec is judged against it:

* **health**: an application service passes when the probe it will be judged by is one
  it is known to answer: the path of its compose ``healthcheck`` HTTP probe, else a
  health URL another service calls it at (``CatalogUrlHC=http://catalog-api/hc``); a
  container health check carried over as the compose command passes too, and so does a
  service with no load balancer probe when nothing says it has one, and a probe passing on
  any answer but a server error (``matcher: 200-499``). A load balancer
  probe on a path nothing vouches for (the invented ``/health``), or an HTTP/1.1 probe of a
  gRPC port, fails; a service the spec lost fails.
* **reachable**: a service another service's environment names by host (a URL,
  ``host:port``, a ``*_HOST``-like variable; ``depends_on`` alone orders start-up and says
  nothing of how or whether it connects, so it does not count) is reachable when every
  port its callers use is served (``port`` or ``ports`` of the spec service) and each
  caller ``calls`` it;
  a datastore is reachable when each caller ``uses`` it.
* **secret**: a service with credentials in compose (by key: password, secret, token,
  key...; by value: a URL's ``user:password@``, a connection string's ``Password=``)
  keeps them when no credential value appears in a plain ``env`` value of the spec and
  each such variable is in ``secrets`` (its own or a datastore's ``from: db.password``) or
  replaced by a datastore ``uses`` (built at start from its secret).
* **conn**: a variable of an application service that connects to a datastore (its host,
  ``host:port``, a URL or a ``Host=``/``Server=`` connection string) counts when the spec
  keeps it under the same name pointing at the managed datastore: a value with a
  ``${<datastore>.`` reference, or a name the datastore's ``uses`` injects itself
  (``DB_HOST``). Removed, or left for the entrypoint to build, it does not.
* **way in**: the number of public services (or kept gateways).

    python bench/import_outcomes.py [--samples DIR ...]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from shipspec.importers import ImportFailed, import_compose
from shipspec.importers.project import load_project

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SAMPLES = [ROOT / ".." / "shared" / "compose-samples", ROOT / "tests/importers/samples"]
_URL = re.compile(r"(?:(\w+)://)?(?:[^@/\s;]*@)?([A-Za-z0-9_.-]+)(?::(\d+))?(/[^\s;,'\"]*)?")
_LOCAL = {"localhost", "127.0.0.1", "0.0.0.0"}
_CRED_KEY = re.compile(r"(pass(word|wd)?|secret|token|api_?key|access_?key|_key$|key$)", re.I)
_CRED_IN_URL = re.compile(r"://[^:/@\s]+:([^@/\s]+)@")
_CRED_IN_CONN = re.compile(r"(?:^|;)\s*(?:password|pwd)\s*=\s*([^;]+)", re.I)
_GRPC = re.compile(r"grpc|http2", re.I)
# Databases, caches, brokers and search servers: judged as datastores, not services.
_STATEFUL = re.compile(
    r"(mssql|sqlserver|elasticsearch|opensearch|kafka|zookeeper|cassandra|neo4j|influxdb|"
    r"couchdb|etcd|clickhouse|postgres|mysql|mariadb|mongo|redis|valkey|memcached|rabbitmq|"
    r"minio)",
    re.I,
)
# Health endpoints documented for the sample's images (not read from the importer): the
# Spring PetClinic microservices ship Spring Boot Actuator (their Prometheus scrapes
# /actuator/prometheus), whose /actuator/health is exposed over HTTP by default.
_DOCUMENTED = ((re.compile(r"spring-petclinic"), "/actuator/health"),)
_SCHEME_PORT = {"http": 80, "https": 443, "grpc": 80}


def _env(data: dict[str, Any]) -> dict[str, str]:
    env = data.get("environment") or {}
    if isinstance(env, list):
        env = dict(str(e).partition("=")[::2] for e in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _hosts(name: str, data: dict[str, Any]) -> set[str]:
    hosts = {name.lower()}
    for key in ("hostname", "container_name"):
        if isinstance(data.get(key), str):
            hosts.add(data[key].lower())
    return hosts


def _container_ports(data: dict[str, Any]) -> list[int]:
    found = []
    for raw in list(data.get("ports") or []) + list(data.get("expose") or []):
        text = str(raw.get("target")) if isinstance(raw, dict) else str(raw)
        last = text.split("/")[0].split(":")[-1].split("-")[0]
        if last.isdigit():
            found.append(int(last))
    return found


def _credentials(env: dict[str, str]) -> dict[str, str]:
    """Variable -> the credential value it holds (the whole value or the embedded one)."""
    out = {}
    for key, value in env.items():
        if not value.strip() or value.strip().lower() in ("true", "false"):
            continue
        embedded = _CRED_IN_URL.search(value) or _CRED_IN_CONN.search(value)
        if embedded and len(embedded.group(1).strip()) >= 3:
            out[key] = embedded.group(1).strip()
        elif _CRED_KEY.search(key) and not value.startswith("/run/secrets/"):
            out[key] = value
    return out


def _references(value: str, host: str) -> list[tuple[str | None, int | None, str | None]]:
    """(scheme, port, path) of each connection ``value`` makes to ``host``."""
    out = []
    for match in _URL.finditer(value):
        if match.group(2).lower() == host:
            port = int(match.group(3)) if match.group(3) else None
            out.append((match.group(1), port, match.group(4)))
    return out


def measure(path: Path) -> dict[str, Any] | None:
    try:
        result = import_compose([path], environ={}, allow_incompatible=True)
    except ImportFailed:
        return None
    project = load_project([path], env_files=[], profiles=[], environ={})
    compose = {n: d for n, d in project.services.items() if isinstance(d, dict)}
    for data in compose.values():  # `- CART_ADDR` takes its value from the .env file
        env = data.get("environment")
        if isinstance(env, dict):
            for key in [k for k, v in env.items() if v is None]:
                env[key] = project.env.get(str(key))
    spec = result.spec
    names = {c: _spec_name(c, spec) for c in compose}
    health_urls: dict[str, set[str]] = {}
    callers: dict[str, dict[str, set[int | None]]] = {}
    for caller, data in compose.items():
        env = _env(data)
        for target, tdata in compose.items():
            if target == caller:
                continue
            for variable, value in env.items():
                for host in _hosts(target, tdata):
                    for scheme, port, upath in _references(value, host):
                        if scheme is None and port is None and value.strip().lower() != host:
                            continue
                        used = port or _SCHEME_PORT.get(scheme or "")
                        if used is None:
                            first = _container_ports(tdata)
                            used = first[0] if first else None
                        callers.setdefault(target, {}).setdefault(caller, set()).add(used)
                        if upath and re.search(r"hc|health|ready|live", variable + upath, re.I):
                            health_urls.setdefault(target, set()).add(upath)
    rows = {"services": 0, "health": 0, "called": 0, "reachable": 0, "with_creds": 0}
    rows |= {"secret": 0, "public": 0, "connections": 0, "in_place": 0}
    stores = {c: names[c] for c in spec_datastore_names(spec, names)}
    for name, data in compose.items():
        service = spec.services.get(names[name] or "")
        for variable, value in _env(data).items():
            store = _connects_to(value, {c: _hosts(c, compose[c]) for c in stores})
            if store is not None and name not in stores:
                rows["connections"] += 1
                rows["in_place"] += _in_place(variable, service, str(stores[store]))
    for name, data in compose.items():
        image = str(data.get("image") or "")
        if name in spec_datastore_names(spec, names) or _STATEFUL.search(image):
            continue
        rows["services"] += 1
        service = spec.services.get(names[name] or "")
        rows["health"] += _healthy(name, data, service, health_urls.get(name, set()))
        creds = _credentials(_env(data))
        if creds:
            rows["with_creds"] += 1
            rows["secret"] += _secret(creds, service, spec)
        if service is not None and service.public:
            rows["public"] += 1
    for target, by_caller in callers.items():
        rows["called"] += 1
        rows["reachable"] += _reachable(target, by_caller, names, spec)
    return rows


# What a datastore's `uses` injects under its prefix (the components' environment()).
_INJECTED = ("HOST", "PORT", "NAME", "URL", "TLS", "SERVERS", "QUEUE_URL", "BUCKET")
_KEY_HOST = re.compile(
    r"(?:^|;)\s*(?:host|server|data source|address)\s*=\s*(?:tcp:)?([^;,:]+)", re.I
)


def _connects_to(value: str, hosts: dict[str, set[str]]) -> str | None:
    """The compose datastore ``value`` connects to, if any."""
    named = {m.group(2).lower() for m in _URL.finditer(value)}
    named |= {m.group(1).strip().lower() for m in _KEY_HOST.finditer(value)}
    for store, names in hosts.items():
        if value.strip().lower() in names or (named & names and (":" in value or "=" in value)):
            return store
    return None


def _in_place(variable: str, service: Any, store: str) -> int:
    if service is None:
        return 0
    if "${" + store + "." in service.env.get(variable, ""):
        return 1
    prefix = re.sub(r"[^A-Z0-9]", "_", store.upper()) + "_"
    injected = variable.startswith(prefix) and variable[len(prefix) :] in _INJECTED
    return int(injected and service.uses_datastore(store))


def spec_datastore_names(spec: Any, names: dict[str, str | None]) -> set[str]:
    return {c for c, n in names.items() if n in spec.datastores}


def _spec_name(compose: str, spec: Any) -> str | None:
    from shipspec.importers.convert import spec_name

    name = spec_name(compose, set())
    return name if name in spec.services or name in spec.datastores else None


def _healthy(name: str, data: dict[str, Any], service: Any, urls: set[str]) -> int:
    if service is None:
        return 0
    check = data.get("healthcheck") or {}
    test = check.get("test") if isinstance(check, dict) else None
    text = " ".join(map(str, test)) if isinstance(test, list) else str(test or "")
    probes = [
        r for h in ("localhost", "127.0.0.1", *_hosts(name, data)) for r in _references(text, h)
    ]
    lenient = "curl" in text and not re.search(r"\s(-\w*f\w*|--fail)\b", text)
    # a curl without -f accepts any answer (a 404 too): it vouches for no path
    known = set() if lenient else {p or "/" for s, _, p in probes if s in ("http", "https")}
    carried = getattr(service, "healthcheck", None)
    if carried is not None and text and "CMD" in " ".join(getattr(carried, "command", [])):
        return 1
    if service.type != "web":
        return 1  # no load balancer probe: ECS judges the running process (or its own check)
    path = service.health.path if service.health else "/health"
    if service.health is not None and getattr(service.health, "matcher", None) == "200-499":
        return 1  # passes on any answer but a server error: it cannot fail a healthy server
    grpc = _GRPC.search(" ".join(f"{k}={v}" for k, v in _env(data).items()))
    protocol = getattr(service, "protocol", "http")
    grpc_port = service.port and f":{service.port}" in str(_grpc_ports(data))
    if grpc and grpc_port and protocol == "http":
        return 0
    documented = {p for pattern, p in _DOCUMENTED if pattern.search(str(data.get("image", "")))}
    return int(path in (known or urls or documented))


def _grpc_ports(data: dict[str, Any]) -> list[str]:
    env = _env(data)
    return [v for k, v in env.items() if _GRPC.search(k) and "://" in v]


def _secret(creds: dict[str, str], service: Any, spec: Any) -> int:
    if service is None:
        return 0
    for value in service.env.values():
        held = {value.strip()} | {m.group(1).strip() for m in _CRED_IN_URL.finditer(value)}
        held |= {m.group(1).strip() for m in _CRED_IN_CONN.finditer(value)}
        if held & set(creds.values()):
            return 0
    # Its own secrets and those taken from a datastore's credential (`from: db.password`).
    secrets = {s if isinstance(s, str) else s.name for s in service.secrets}
    uses = bool(service.uses)
    return int(all(var in secrets or (uses and var not in service.env) for var in creds))


def _reachable(
    target: str, by_caller: dict[str, set[int | None]], names: dict[str, str | None], spec: Any
) -> int:
    name = names.get(target)
    if name is None:
        return 0
    for caller, ports in by_caller.items():
        caller_service = spec.services.get(names.get(caller) or "")
        if caller_service is None:
            continue
        if name in spec.datastores:
            if not caller_service.uses_datastore(name):
                return 0
            continue
        callee = spec.services[name]
        served = {callee.port} | {p.port for p in getattr(callee, "ports", None) or []}
        if any(p is not None and p not in served for p in ports) or callee.port is None:
            return 0
        if name not in caller_service.calls:
            return 0
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", nargs="*", type=Path, default=DEFAULT_SAMPLES)
    args = parser.parse_args()
    files = sorted(
        p
        for folder in args.samples
        if folder.is_dir()
        for p in folder.rglob("*.y*ml")
        if p.name not in ("SOURCES.tsv",)
    )
    header = (
        f"{'sample':58} {'svc':>4} {'health':>7} {'reach':>7} {'secret':>7} {'conn':>7} "
        f"{'public':>6}"
    )
    print(header)
    totals = dict.fromkeys(("services", "health", "called", "reachable", "with_creds"), 0)
    totals |= {"secret": 0, "public": 0, "connections": 0, "in_place": 0}
    for path in files:
        rows = measure(path)
        shown = path.resolve().relative_to(ROOT.parent).as_posix()
        if rows is None:
            print(f"{shown:58} refused")
            continue
        for key in totals:
            totals[key] += rows[key]
        print(_line(shown, rows))
    print(_line("total", totals))
    return 0


def _line(label: str, rows: dict[str, int]) -> str:
    return (
        f"{label[-58:]:58} {rows['services']:>4} {rows['health']:>3}/{rows['services']:<3} "
        f"{rows['reachable']:>3}/{rows['called']:<3} {rows['secret']:>3}/{rows['with_creds']:<3} "
        f"{rows['in_place']:>3}/{rows['connections']:<3} {rows['public']:>6}"
    )


if __name__ == "__main__":
    sys.exit(main())
