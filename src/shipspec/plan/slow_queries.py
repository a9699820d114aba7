"""How slow a statement is before its database logs it (the slow-query log's threshold).

The databases whose component exports a slow-statement log (MySQL and MariaDB
``slowquery``, PostgreSQL ``postgresql``, DocumentDB ``profiler``) write it only when their
parameter group turns it on with a threshold; this plans that threshold, once per database:
half the tightest p99 latency target among the services that use it (a statement taking
that long spends half the request's budget alone), at least ``rules.SLOW_QUERY_MIN_MS``.
Only the services that answer requests behind the load balancer have a latency target (the
one their latency alarm reads): a worker or a job has none, whatever
``requirements.performance`` says, so it is never named as the target's owner. A database
only workers and jobs use takes the spec's ``requirements.performance.latency_p99_ms``
itself. Without any latency target the services' own latency alarms use
``rules.DEFAULT_LATENCY_P99_MS``, and so does this.
"""

from __future__ import annotations

from ..spec.models import HandoffSpec
from . import rules
from .decisions import Decisions
from .services import latency_target
from .traffic import on_alb

SLOW_LOG_ENGINES = ("postgres", "mysql", "mariadb", "mongodb")
"""The engines whose component exports a slow-statement log and sets its threshold."""


def plan_slow_query_ms(spec: HandoffSpec, name: str, used_by: list[str], log: Decisions) -> int:
    targets = {
        s: t
        for s in used_by
        if s in spec.services and on_alb(spec.services[s]) and (t := latency_target(spec, s))
    }
    if targets:
        service = min(targets, key=lambda s: (targets[s], s))
        latency = targets[service]
        whose = f"the {latency} ms p99 latency target of {service}"
        if len(targets) > 1:
            whose += " (the tightest of its services)"
        elif len(used_by) > 1:
            whose += " (the only one of its services with a latency target)"
    elif (required := spec.requirements.performance.latency_p99_ms) and used_by:
        # Workers and jobs alone: none answers a request, but the spec states how fast its
        # requests must be, and their statements run on the same database.
        service, latency = None, required
        whose = (
            f"the spec's {latency} ms p99 latency target (`requirements.performance`; none of "
            "its services answers requests behind the load balancer)"
        )
    else:
        service, latency = None, rules.DEFAULT_LATENCY_P99_MS
        whose = (
            f"the default {latency} ms p99 latency (no latency target "
            + ("for its services" if used_by else "and no service uses it")
            + ")"
        )
    half = round(latency * rules.SLOW_QUERY_SHARE)
    ms = max(rules.SLOW_QUERY_MIN_MS, half)
    floor = (
        f", raised to the {rules.SLOW_QUERY_MIN_MS} ms floor: below it a busy database logs a "
        "large share of its statements"
        if ms > half
        else ""
    )
    return log.decide(
        f"datastores.{name}.slow_query_ms",
        ms,
        f"a statement is logged when it takes half {whose}: {half} ms{floor}",
        latency_p99_ms=latency,
        service=service,
    )
