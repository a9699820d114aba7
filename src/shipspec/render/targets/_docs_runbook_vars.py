"""The runbook's shell variables: one per service and datastore, and which ones an alarm's
section sets before its commands.

"Before you start" derives one variable per service (``<NAME>_SERVICE``) and per datastore
(``<NAME>_URL`` for a queue, ``<NAME>_DB_ID``...) from the stack's outputs. The alarm guides are
shared by every service of a kind, so their commands use the generic ``$SERVICE``,
``$QUEUE_URL``, ``$DB_ID``...; each section opens with the assignments for the services and
datastores its alarms watch, one line per alarm target (an SQS queue's line sets its
consumer too), so the commands that follow act on what the alarm is about. The suffix keeps
a service called ``home`` or ``path`` from overwriting the shell's own ``HOME`` or ``PATH``.
"""

from __future__ import annotations

from ...plan.model import DeploymentModel, EnvironmentPlan

# The generic variable a guide's commands use for each datastore engine, and the suffix of
# the per-datastore variable "Before you start" sets.
ENGINE_VARIABLE = {
    "sqs": "QUEUE_URL",
    "postgres": "DB_ID",
    "mysql": "DB_ID",
    "mariadb": "DB_ID",
    "sqlserver": "SQLSERVER_ID",
    "redis": "CACHE_ID",
    "memcached": "MEMCACHED_ID",
    "opensearch": "SEARCH_DOMAIN",
    "mongodb": "DOCDB_ID",
    "rabbitmq": "BROKER_ID",
}
# A queue's variable ends in _URL (HOLD_REQUESTS_QUEUE_URL, not ..._QUEUE_QUEUE_URL).
_SUFFIX = {"sqs": "URL"}
GENERIC = ("SERVICE", *dict.fromkeys(ENGINE_VARIABLE.values()))


def _stem(name: str) -> str:
    return name.upper().replace("-", "_")


def service_variable(name: str) -> str:
    """``hold-fulfilment-worker`` -> ``HOLD_FULFILMENT_WORKER_SERVICE``."""
    return f"{_stem(name)}_SERVICE"


def datastore_variable(name: str, engine: str) -> str:
    """``hold-requests-queue`` (sqs) -> ``HOLD_REQUESTS_QUEUE_URL``, ``ledger`` (postgres) ->
    ``LEDGER_DB_ID``. The suffixes differ by engine, and none ends another, so two names never
    make one variable."""
    return f"{_stem(name)}_{_SUFFIX.get(engine, ENGINE_VARIABLE[engine])}"


def consumers(env: EnvironmentPlan, queue: str) -> list[str]:
    """The long-running services that consume ``queue`` (their use of it includes consume)."""
    return [
        s.name
        for s in env.services
        if s.kind != "job"
        and any(u.datastore == queue and "consume" in (u.access or "") for u in s.uses)
    ]


def assignments(
    model: DeploymentModel, targets: dict[str, str], used: set[str]
) -> list[tuple[str, str]]:
    """One line per alarm target (``{target: environment}``) that sets the generic variables
    ``used`` by the section's commands: the line, and what it is for."""
    lines: list[tuple[str, str]] = []
    for target, env_name in targets.items():
        prefix, _, name = target.partition(":")
        env = model.environment(env_name)
        if prefix == "service":
            service = env.service(name)
            sets = [("SERVICE", service_variable(name))]
            about = name
            if service.queue_scaling is not None:
                queue = env.datastore(service.queue_scaling.queue)
                sets.append(("QUEUE_URL", datastore_variable(queue.name, queue.engine)))
                about = f"{name}, consuming {queue.name}"
            lines.append((_line(sets, used), about))
        elif prefix == "datastore":
            store = env.datastore(name)
            if store.engine not in ENGINE_VARIABLE:
                continue
            own = (ENGINE_VARIABLE[store.engine], datastore_variable(name, store.engine))
            found = consumers(env, name) if store.engine == "sqs" else []
            # A queue's line sets its consumer too; one line per consumer, each scales alone.
            for consumer in found:
                sets = [own, ("SERVICE", service_variable(consumer))]
                lines.append((_line(sets, used), f"{name}, consumed by {consumer}"))
            if not found:
                lines.append((_line([own], used), name))
    return [pair for pair in dict.fromkeys(lines) if pair[0]]


def _line(sets: list[tuple[str, str]], used: set[str]) -> str:
    return "; ".join(f'{generic}="${own}"' for generic, own in sets if generic in used)


# The generic variables the commands of a shared section (runbook.md.j2) read, by its anchor:
# an alarm section that sends the reader there (``[Cache metrics](#cache-metrics)``) runs
# them for its alarm, so its first line sets them too (only its target's engine's: a
# Memcached cache's line sets MEMCACHED_ID, a Redis one's CACHE_ID).
LINKED = {"cache-metrics": ("CACHE_ID", "MEMCACHED_ID")}


def used_variables(texts: list[str]) -> set[str]:
    """The generic variables the section's commands read, its own or through the shared
    sections it links to."""
    used = {v for v in GENERIC if any(f"${v}" in t or f"${{{v}}}" in t for t in texts)}
    for anchor, variables in LINKED.items():
        if any(f"](#{anchor})" in t for t in texts):
            used.update(variables)
    return used


# The stack output each engine's identifier comes from, and how it is cut from the value.
_OUTPUT = {
    "sqs": ("endpoints", ""),
    "postgres": ("endpoints", " | cut -d. -f1"),
    "mysql": ("endpoints", " | cut -d. -f1"),
    "mariadb": ("endpoints", " | cut -d. -f1"),
    "sqlserver": ("endpoints", " | cut -d. -f1"),
    "redis": ("cache_ids", ""),
    "memcached": ("cache_ids", ""),
    "opensearch": ("search_domains", ""),
    # The cluster endpoint, <cluster identifier>.cluster-<id>.<region>.docdb.amazonaws.com.
    "mongodb": ("endpoints", " | cut -d. -f1"),
    # The broker's host, b-<id>.mq.<region>...: its first label is the broker ID.
    "rabbitmq": ("endpoints", " | cut -d. -f1"),
}
_WHAT = {
    "sqs": "queue",
    "postgres": "database",
    "mysql": "database",
    "mariadb": "database",
    "sqlserver": "SQL Server",
    "redis": "Redis replication group",
    "memcached": "Memcached cluster",
    "opensearch": "OpenSearch domain",
    "mongodb": "DocumentDB cluster",
    "rabbitmq": "Amazon MQ broker",
}


def before_you_start(env: EnvironmentPlan) -> list[str]:
    """One line per long-running service and per datastore the alarm sections name."""
    lines = []
    for service in env.services:
        if service.kind == "job":
            continue
        lines.append(
            f"{service_variable(service.name)}=$(pulumi stack output service_names --json "
            f"| jq -r '.[\"{service.name}\"]')   # ECS service of {service.name} ({service.kind})"
        )
    for store in env.datastores:
        if store.engine not in _OUTPUT:
            continue
        output, cut = _OUTPUT[store.engine]
        lines.append(
            f"{datastore_variable(store.name, store.engine)}=$(pulumi stack output {output} "
            f"--json | jq -r '.[\"{store.name}\"]'{cut})   # {_WHAT[store.engine]} {store.name}"
        )
    return lines
