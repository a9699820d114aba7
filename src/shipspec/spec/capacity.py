"""Task capacity: the numbers that turn availability and peak traffic into task counts.

They live in the spec package because two stages use them: the planner sizes
services with them, and the loader refuses a spec whose explicit ``scaling.max`` is
below what its own requirements need (the planner re-exports them from ``rules``).
A spec's explicit bound is never exceeded: a conflict is an error with the numbers,
because a stack that silently runs more tasks than the owner allowed (or quietly
fewer than the peak needs) is a surprise on the bill or in an outage.
"""

from __future__ import annotations

from .fargate import tasks_for
from .models import HandoffSpec, Service
from .yamlsource import Path

# Availability → AZs and the minimum task count of a web service (one task per AZ).
THREE_AZ_AVAILABILITY = 99.95
TWO_TASK_AVAILABILITY = 99.9

# Peak traffic is served at this fraction of a task's stated capacity, so a task
# lost at peak or a slow scale-out does not overload the rest.
PEAK_HEADROOM = 1.25

# Environments called this are production unless `production:` says otherwise.
PRODUCTION_NAMES = frozenset({"prod", "production", "prd", "live"})


def production_az_count(availability: float) -> int:
    """AZs a production environment spans: three from 99.95 %, else two."""
    return 3 if availability >= THREE_AZ_AVAILABILITY else 2


def availability_floor(spec: HandoffSpec, service: Service) -> tuple[int, str]:
    """Tasks production needs for the spec's availability, and why."""
    availability = spec.requirements.availability
    if availability < TWO_TASK_AVAILABILITY:
        return 1, f"availability {availability}% < {TWO_TASK_AVAILABILITY}%: one task may run alone"
    if service.type == "web":
        azs = production_az_count(availability)
        return azs, f"one task per AZ ({azs} AZs) for availability {availability}%"
    return 2, (
        f"two workers for availability {availability}%, so one can fail while the queue drains"
    )


def peak_tasks(spec: HandoffSpec, service: Service) -> int | None:
    """Tasks a public web service needs at the spec's peak, or None when it is not stated."""
    peak = spec.requirements.performance.peak_rps
    if service.type != "web" or not service.public or not peak or not service.capacity_rps:
        return None
    return tasks_for(peak, service.capacity_rps, PEAK_HEADROOM)


def has_production(spec: HandoffSpec) -> bool:
    """Whether any environment is production (the planner's rule, see plan.planner)."""
    envs = spec.environments
    return any(
        env.production is True
        or (env.production is None and (name in PRODUCTION_NAMES or len(envs) == 1))
        for name, env in envs.items()
    )


def explicit_max(service: Service) -> int | None:
    """The spec's own ``scaling.max``, or None when it was left to the default."""
    scaling = service.scaling
    return scaling.max if scaling is not None and "max" in scaling.model_fields_set else None


def scaling_conflicts(spec: HandoffSpec) -> list[tuple[Path, str, str]]:
    """``(path, message, hint)`` for each explicit ``scaling.max`` production would exceed.

    Non-production environments cap their tasks below ``scaling.max`` anyway, so only a
    spec with a production environment can conflict.
    """
    if not has_production(spec):
        return []
    found: list[tuple[Path, str, str]] = []
    for name, service in spec.services.items():
        bound = explicit_max(service)
        if bound is None or service.type == "job":
            continue
        path: Path = ("services", name, "scaling", "max")
        floor, why = availability_floor(spec, service)
        if floor > bound:
            found.append(
                (
                    path,
                    f"is {bound}, but production needs at least {floor} tasks: {why}",
                    f"raise `scaling.max` to {floor}, or lower `requirements.availability` "
                    f"below {TWO_TASK_AVAILABILITY}",
                )
            )
            continue
        needed = peak_tasks(spec, service)
        if needed is not None and needed > bound:
            peak = spec.requirements.performance.peak_rps
            found.append(
                (
                    path,
                    f"is {bound}, but peak {peak:g} rps ÷ {service.capacity_rps:g} rps per task × "
                    f"{PEAK_HEADROOM} headroom needs {needed} tasks in production",
                    f"raise `scaling.max` to {needed}, raise `capacity_rps` if a task serves "
                    "more, or lower `requirements.performance.peak_rps`",
                )
            )
    return found
