"""The runbook's "Slow statements" section: where each database's slow-statement log is, and
how slow a statement is before it lands there.

The program's parameter groups make the engines write them (``components/database.py``'s
``slow_query_parameters``, ``components/document_db.py``'s profiler) with the plan's
``slow_query_ms`` (``plan/slow_queries.py``); the log groups are the exports' own names,
under the identifier the "Before you start" variables hold.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ...plan.model import DeploymentModel
from ._docs_runbook_guide import Guide
from ._docs_runbook_vars import datastore_variable

ANCHOR = "slow-statements"
LATENCY_KEY = "service:latency-p99"

# engine: (its name, the log group under the identifier, the parameter the threshold sets,
# what marks a slow statement in the log)
_LOGS = {
    "postgres": (
        "PostgreSQL",
        "/aws/rds/instance/{id}/postgresql",
        "`log_min_duration_statement` {ms}",
        "'\"duration:\"'",
    ),
    "mysql": ("MySQL", "/aws/rds/instance/{id}/slowquery", "`long_query_time` {s}", None),
    "mariadb": ("MariaDB", "/aws/rds/instance/{id}/slowquery", "`long_query_time` {s}", None),
    "mongodb": ("DocumentDB", "/aws/docdb/{id}/profiler", "`profiler_threshold_ms` {ms}", None),
}


@dataclass(frozen=True)
class SlowLog:
    datastore: str
    engine: str  # PostgreSQL, MySQL...
    variable: str  # the "Before you start" variable holding its identifier
    log_group: str  # with the variable in place of the identifier
    threshold: str  # "100 ms" or, where environments differ, each environment's
    parameter: str  # the parameter that sets it, with its value
    filter_pattern: str | None  # what marks a slow statement among the log's other lines


def slow_logs(model: DeploymentModel) -> list[SlowLog]:
    """The databases that write a slow-statement log, in the production stack's order."""
    found = []
    for store in model.production.datastores:
        if store.engine not in _LOGS or store.slow_query_ms is None:
            continue
        name, group, parameter, pattern = _LOGS[store.engine]
        per_env = {
            env.name: env.datastore(store.name).slow_query_ms
            for env in model.environments
            if any(d.name == store.name for d in env.datastores)
        }
        values = set(per_env.values())
        threshold = (
            f"{store.slow_query_ms} ms"
            if len(values) == 1
            else "; ".join(f"{env}: {ms} ms" for env, ms in per_env.items())
        )
        variable = datastore_variable(store.name, store.engine)
        found.append(
            SlowLog(
                store.name,
                name,
                variable,
                group.format(id=f"${variable}"),
                threshold,
                parameter.format(ms=store.slow_query_ms, s=f"{store.slow_query_ms / 1000:g}"),
                pattern,
            )
        )
    return found


def with_slow_logs(guide: Guide) -> Guide:
    """The p99 latency guide, its slow-queries step pointing at the slow-statement logs."""
    step = (
        f"slow queries: the databases' slow-statement logs ([Slow statements](#{ANCHOR}): "
        "each database's log group and threshold), then Performance Insights, or the "
        "statement statistics in the database's CPU section"
    )
    mitigate = tuple(step if m.startswith("slow queries:") else m for m in guide.mitigate)
    return replace(guide, mitigate=mitigate)
