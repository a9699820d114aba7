"""A service's own variables that point at the datastores it uses.

``REDIS_HOST: "${cache.host}"`` keeps the name the application reads and takes the value
the datastore component injects as ``CACHE_HOST`` (spec/datastore_refs.py); the stack
config carries the template and the program resolves it from the component's outputs
(``components/_datastore.resolve_env``). ``secrets: [{name: DB_PASSWORD, from:
db.password}]`` hands one key of the datastore's own secret to ECS. Each is a decision
with its reason, so the plan says where every such value comes from.
"""

from __future__ import annotations

from ..spec.datastore_refs import ROTATED, Reference, has_template, scan, secret_source
from ..spec.models import HandoffSpec, Service
from .decisions import Decisions
from .model import DatastoreSecretPlan

# What each engine's `host` is, for the decision's reason.
_ENDPOINT = {
    "postgres": "RDS instance address",
    "mysql": "RDS instance address",
    "mariadb": "RDS instance address",
    "sqlserver": "RDS instance address",
    "redis": "ElastiCache primary endpoint",
    "memcached": "ElastiCache configuration endpoint",
    "mongodb": "DocumentDB cluster endpoint",
    "rabbitmq": "Amazon MQ broker endpoint",
    "opensearch": "OpenSearch domain endpoint",
}


def plan_env_refs(
    spec: HandoffSpec, name: str, service: Service, log: Decisions
) -> tuple[bool, list[str], list[DatastoreSecretPlan]]:
    """(env needs resolving, the datastores it references, the datastore secrets)."""
    key = f"services.{name}"
    referenced: set[str] = set()
    template = False
    for variable, value in sorted(service.env.items()):
        if not has_template(value):
            continue
        template = True
        refs = [r for r in scan(value) if isinstance(r, Reference)]
        referenced.update(r.datastore for r in refs)
        if not refs:
            log.decide(f"{key}.env.{variable}", value, "`$$` is a literal `$`: written as one")
            continue
        described = "; ".join(
            f"{r.text} is {r.datastore}'s "
            f"{_describe(spec.datastores[r.datastore].engine, r.attribute)}"
            for r in refs
        )
        log.decide(
            f"{key}.env.{variable}",
            value,
            f"resolved at deploy time from the datastore outputs: {described}",
            datastores=sorted({r.datastore for r in refs}),
        )
    secrets = []
    for item in service.datastore_secrets():
        source = secret_source(item.from_)
        if source is None:  # the spec's pattern refuses it
            continue
        store, json_key = source
        engine = spec.datastores[store].engine
        rotation = (
            "AWS rotates it every 7 days and ECS reads it when a task starts: a running task "
            "keeps the old value, so read the secret again on an authentication error or "
            "redeploy after a rotation (docs/credentials.md)"
            if engine in ROTATED
            else "written once by the stack, never rotated: what a task reads at start stays valid"
        )
        log.decide(
            f"{key}.secrets.{item.name}",
            f"{store}.{json_key}",
            f"the `{json_key}` key of {store}'s {engine} credential secret, an ECS secret "
            f"(valueFrom <secret ARN>:{json_key}::); {rotation}",
        )
        secrets.append(DatastoreSecretPlan(name=item.name, datastore=store, key=json_key))
    return template, sorted(referenced), sorted(secrets, key=lambda s: s.name)


def _describe(engine: str, attribute: str) -> str:
    if attribute == "host":
        return _ENDPOINT.get(engine, "the endpoint")
    if attribute == "url" and engine == "redis":
        return "URL, rediss://<primary endpoint>:6379 (TLS)"
    if attribute == "url" and engine == "rabbitmq":
        return "URL, amqps://<broker endpoint>:5671 (TLS)"
    return {
        "port": "port",
        "name": "database name",
        "tls": 'TLS flag, "true" (TLS is required)',
        "url": "connection URL",
        "servers": "node list (host:port, comma-separated)",
        "secret_arn": "credential secret's ARN",
        "auth": "authentication mode",
        "queue_url": "queue URL",
        "bucket": "bucket name",
    }.get(attribute, attribute)
