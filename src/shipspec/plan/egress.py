"""A task's outbound allowances beyond HTTPS (spec ``egress``, spec/egress.py).

Every task goes out on TCP 443 to anywhere, to the datastores it uses and to the services it
calls; each allowance adds one egress rule to its security group. The decision says both, so
``shipspec plan`` and the stack config state plainly what a task can reach.
"""

from __future__ import annotations

from ..spec.egress import kind_of, rule_ports, rule_suffix
from ..spec.models import Service
from .decisions import Decisions
from .model import EgressPlan

HTTPS_ONLY = (
    "TCP 443 (HTTPS) to anywhere, the datastores it uses and the services it calls; nothing "
    "else goes out"
)


def plan_egress(name: str, service: Service, log: Decisions) -> list[EgressPlan]:
    """The allowances of ``service`` (this environment's, after its override)."""
    plans = []
    for allowance in service.egress:
        low, high = allowance.port_range
        ports = rule_ports(allowance)
        plans.append(
            EgressPlan(
                protocol=allowance.protocol,
                from_port=low,
                to_port=high,
                to=allowance.destination,
                kind=kind_of(allowance.destination),
                description=allowance.why
                or f"{allowance.protocol.upper()} {ports} to {allowance.destination} (spec egress)",
                rule=rule_suffix(allowance),
            )
        )
    plans.sort(key=lambda p: p.rule)
    if not plans:
        log.decide(
            f"services.{name}.egress",
            [],
            f"out: {HTTPS_ONLY} (`egress` on the service opens more, e.g. SMTP to a relay)",
        )
        return plans
    listed = "; ".join(
        f"{p.protocol} {p.from_port if p.from_port == p.to_port else f'{p.from_port}-{p.to_port}'}"
        f" to {p.to}" + (f" ({p.description})" if p.description else "")
        for p in plans
    )
    log.decide(
        f"services.{name}.egress",
        [f"{p.protocol}/{p.from_port}-{p.to_port}/{p.to}" for p in plans],
        f"out: the spec's egress, one security group rule each: {listed}; otherwise {HTTPS_ONLY}",
    )
    return plans
