"""The spec's SLOs the stack does not implement, and what watches their service instead.

``model.monitoring.slos`` holds the SLOs that have recording rules, burn-rate alerts and
alarms; an SLO the spec asks for on a service with no requests to count (a worker's
"99.5% availability") is planned as not monitored. The handoff, the monitoring README and
the assistant's context page all name it, with the plan's reason and the alarms that do
watch the service: for a queue consumer its queues' oldest-message and dead-letter alarms
(and the backlog composite that pages for a muted one), for any service its own
missing-task alarms. An empty ``watched`` means nothing measures it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...plan.frozen import derived
from ...plan.model import DeploymentModel, SloPlan
from ...plan.monitoring import GRPC_SERVER_FAULTS
from ...plan.traffic_alarms import GRPC_UNWATCHED, grpc_ports

# A service's own alarms that say it is not doing its work (not CPU or memory): no task
# running (a page), any task missing (a ticket). An SLO the stack cannot measure is a
# non-web service's, which has no service-down composite, so no tasks-missing-share.
_SERVICE_CHECKS = ("no-tasks", "running-tasks")


@dataclass(frozen=True)
class UnmonitoredSlo:
    slo: SloPlan
    reason: str  # the plan's, without its "not monitored: " prefix
    environment: str  # where the alarms below live: the environment the SLOs describe
    watched: list[tuple[str, str, bool]]  # (alarm name, description, pages)


def unmonitored_slos(model: DeploymentModel) -> list[UnmonitoredSlo]:
    """Each SLO of the spec without rules or alarms of its own, in the spec's order."""
    monitored = {(s.service, s.sli) for s in model.monitoring.slos}
    # Once per plan: the docs and the context page both ask, and the monitoring plan of 200
    # services holds thousands of decisions.
    reasons = derived(
        model.monitoring, "reasons by key", lambda plan: {d.key: d.reason for d in plan.decisions}
    )
    environment = model.monitoring.environment
    alarms = model.monitoring.alarms.get(environment)
    env = model.environment(environment)
    rows = []
    for slo in model.slos:
        if (slo.service, slo.sli) in monitored:
            continue
        queues = {
            f"datastore:{u.datastore}"
            for s in env.services
            if s.name == slo.service
            for u in s.uses
            if u.engine == "sqs" and u.access in ("consume", "produce-consume", None)
        }
        watched: list[tuple[str, str, bool]] = []
        if alarms is not None:
            for a in alarms.alarms:
                own = a.target == f"service:{slo.service}" and a.check in _SERVICE_CHECKS
                if a.notify and (own or a.target in queues):
                    watched.append((a.name, a.description, a.pages))
            for c in alarms.composites:
                if c.target in queues:
                    watched.append((c.name, c.description, c.pages))
        reason = reasons.get(f"monitoring.slos.{slo.service}-{slo.sli}", "not monitored")
        rows.append(
            UnmonitoredSlo(slo, reason.removeprefix("not monitored: "), environment, watched)
        )
    return rows


def grpc_coverage(model: DeploymentModel) -> dict[str, str]:
    """Per service with a further gRPC port, in the environment the SLOs describe: what
    CloudWatch watches (its HTTP port) and what alone measures its gRPC status errors (the
    Prometheus SLO, or nothing). One sentence the runbook, the handoff and the monitoring
    README all print (see :func:`~shipspec.plan.traffic_alarms.grpc_ports` for why)."""
    mon = model.monitoring
    env = model.environment(mon.environment)
    out: dict[str, str] = {}
    for s in env.services:
        ports = grpc_ports(s)
        if not ports:
            continue
        slos = grpc_slos(model)[s.name]
        text = (
            f"{s.name} also serves gRPC on port {', '.join(ports)}. CloudWatch watches its "
            f"HTTP port {s.port} only: gRPC answers errors as a `grpc-status` on HTTP 200 "
            "(Envoy's own answer to a gRPC call it cannot deliver too: grpc-status 14), and "
            "AWS documents no Service Connect metric of gRPC statuses (its `GrpcRequestCount` "
            "counts calls), so no CloudWatch alarm, burn rate or rollback reads the gRPC "
            "port. "
        )
        if slos:
            codes = ", ".join(f"{c} {n}" for c, n in GRPC_SERVER_FAULTS.items())
            text += (
                "gRPC status errors are measured only by the Prometheus SLO "
                + " and ".join(f"`{n}`" for n in slos)
                + f" (`{mon.metrics.rpc_count_metric}`; errors: {codes}), whose alerts reach "
                "only the receivers of Prometheus alerts."
            )
        else:
            text += (
                "No availability SLO of the spec covers it, so nothing measures its gRPC "
                "status errors."
            )
        out[s.name] = text
    return out


def grpc_slos(model: DeploymentModel) -> dict[str, list[str]]:
    """Per service with a further gRPC port, in the environment the SLOs describe: the
    availability SLOs whose Prometheus rules count its gRPC status errors (a latency SLO
    counts slow calls only; empty: nothing measures them)."""
    mon = model.monitoring
    return {
        s.name: [
            slo.name
            for slo in mon.slos
            if slo.service == s.name and slo.grpc_ports and slo.sli == "availability"
        ]
        for s in model.environment(mon.environment).services
        if grpc_ports(s)
    }


def grpc_errors(model: DeploymentModel, services: list[str]) -> str:
    """What counts the gRPC status errors of those of ``services`` that serve gRPC, for the
    runbook's 5xx guidance: '' when none does. A service an SLO covers: its Prometheus SLO
    alone; one without: nothing."""
    found = grpc_slos(model)
    parts = []
    for name in services:
        if name not in found:
            continue
        if found[name]:
            links = " and ".join(f"[{n}](#slo-{n})" for n in found[name])
            parts.append(f"for {name}, its Prometheus SLO alone counts them (see {links})")
        else:
            parts.append(f"for {name}, {GRPC_UNWATCHED}")
    return "; ".join(parts)
