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

from ...plan.model import DeploymentModel, SloPlan

# A service's own alarms that say it is not doing its work (not CPU or memory).
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
    reasons = {d.key: d.reason for d in model.monitoring.decisions}
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
