"""Fargate sizes and task counts: the table exhaustively, then how the planner sizes services."""

from __future__ import annotations

import pytest

import shipspec
from shipspec.plan.model import EnvironmentPlan
from shipspec.plan.planner import plan
from shipspec.spec.fargate import MEMORY_BY_CPU, SizeError, cpu_units, fargate_size, tasks_for

GIB = 1024
# AWS's table (Linux, platform 1.4), written out independently of the implementation.
TABLE: dict[float, list[int]] = {
    0.25: [512, 1024, 2048],
    0.5: [g * GIB for g in (1, 2, 3, 4)],
    1: [g * GIB for g in range(2, 9)],
    2: [g * GIB for g in range(4, 17)],
    4: [g * GIB for g in range(8, 31)],
    8: [g * GIB for g in range(16, 61, 4)],
    16: [g * GIB for g in range(32, 121, 8)],
}
VALID = [(cpu, memory) for cpu, sizes in TABLE.items() for memory in sizes]


def test_the_table_is_aws_table() -> None:
    assert {cpu: list(sizes) for cpu, sizes in MEMORY_BY_CPU.items()} == TABLE


@pytest.mark.parametrize(("cpu", "memory"), VALID)
def test_every_valid_size_is_kept(cpu: float, memory: int) -> None:
    assert fargate_size(cpu, memory) == (cpu, memory)


@pytest.mark.parametrize(("cpu", "memory"), VALID)
def test_a_request_just_below_a_size_rounds_up_to_it(cpu: float, memory: int) -> None:
    smaller = [m for m in TABLE[cpu] if m < memory]
    if smaller:
        assert fargate_size(cpu, smaller[-1] + 1) == (cpu, memory)
    else:  # below the CPU's smallest memory: the smallest
        assert fargate_size(cpu, 1) == (cpu, memory)


@pytest.mark.parametrize("cpu", list(TABLE))
def test_no_memory_means_the_smallest_for_the_cpu(cpu: float) -> None:
    assert fargate_size(cpu, None) == (cpu, TABLE[cpu][0])


@pytest.mark.parametrize(
    ("requested", "cpu"),
    [(0.1, 0.25), (0.25, 0.25), (0.26, 0.5), (0.75, 1), (1.5, 2), (3, 4), (5, 8), (9, 16)],
)
def test_cpu_rounds_up_to_the_next_fargate_cpu(requested: float, cpu: float) -> None:
    assert fargate_size(requested, None)[0] == cpu


@pytest.mark.parametrize(
    ("cpu", "memory", "ask_for"),
    [
        (0.25, 3 * GIB, "cpu: 0.5"),
        (0.25, 8 * GIB, "cpu: 1"),
        (0.5, 5 * GIB, "cpu: 1"),
        (1, 9 * GIB, "cpu: 2"),
        (2, 17 * GIB, "cpu: 4"),
        (4, 31 * GIB, "cpu: 8"),
        (8, 61 * GIB, "cpu: 16"),
    ],
)
def test_memory_above_what_the_cpu_allows_names_the_cpu_to_ask_for(
    cpu: float, memory: int, ask_for: str
) -> None:
    with pytest.raises(SizeError) as caught:
        fargate_size(cpu, memory)
    assert f"does not fit {cpu:g} vCPU (at most {TABLE[cpu][-1] // GIB:g} GiB)" in str(caught.value)
    assert f"ask for {ask_for} or more" in str(caught.value)
    assert f"`{ask_for}`" in caught.value.hint


def test_memory_beyond_the_largest_size() -> None:
    with pytest.raises(SizeError, match="more than Fargate's largest size, 120 GiB"):
        fargate_size(16, 121 * GIB)


def test_cpu_beyond_the_largest_size() -> None:
    with pytest.raises(SizeError, match="more than Fargate's largest size, 16 vCPU"):
        fargate_size(17, None)


@pytest.mark.parametrize(
    ("vcpu", "units"), [(0.25, 256), (0.5, 512), (1, 1024), (2, 2048), (4, 4096), (16, 16384)]
)
def test_cpu_units(vcpu: float, units: int) -> None:
    assert cpu_units(vcpu) == units


@pytest.mark.parametrize(
    ("peak", "capacity", "tasks"),
    [(900, 150, 8), (100, 100, 2), (80, 100, 1), (0, 100, 1), (1200, 120, 13), (2.4, 1, 3)],
)
def test_tasks_for_peak_with_headroom(peak: float, capacity: float, tasks: int) -> None:
    assert tasks_for(peak, capacity, 1.25) == tasks


HEADER = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: app, owner: team-app}
cloud: {region: eu-west-1}
"""


def env(
    services: str,
    *,
    availability: float = 99.9,
    environments: str = "{dev: {}, prod: {}}",
    extra: str = "",
    name: str = "prod",
) -> EnvironmentPlan:
    text = (
        HEADER
        + f"environments: {environments}\n"
        + f"services:\n{services}"
        + f"requirements:\n  availability: {availability}\n"
        + extra
    )
    return plan(shipspec.loads(text)).environment(name)


WEB = "  web: {type: web, image: x:1, port: 80, public: true%s}\n"
WORKER = "  worker: {type: worker, image: x:1%s}\n"


def counts(environment: EnvironmentPlan, service: str) -> tuple[int, int, int]:
    planned = environment.service(service)
    return planned.min_count, planned.max_count, planned.desired_count


@pytest.mark.parametrize(
    ("availability", "azs", "web_min", "worker_min"),
    [(99.0, 2, 1, 1), (99.5, 2, 1, 1), (99.9, 2, 2, 2), (99.95, 3, 3, 2), (99.99, 3, 3, 2)],
)
def test_availability_sets_the_floors_in_production(
    availability: float, azs: int, web_min: int, worker_min: int
) -> None:
    prod = env(WEB % "" + WORKER % "", availability=availability)
    assert prod.network.az_count == azs
    assert counts(prod, "web")[0] == web_min
    assert counts(prod, "worker")[0] == worker_min
    assert counts(prod, "web")[2] == web_min  # deploys start at the minimum


def test_scaling_min_above_the_floor_is_kept() -> None:
    prod = env(WEB % ", scaling: {min: 5, max: 8}", availability=99.95)
    assert counts(prod, "web") == (5, 8, 5)
    assert "scaling.min is 5" in prod.decision("services.web.min_count").reason


def test_explicit_scaling_max_below_the_floor_is_refused() -> None:
    """Version 1 raised an explicit scaling.max to the floor without a word."""
    with pytest.raises(shipspec.SpecError) as caught:
        env(WEB % ", scaling: {min: 1, max: 2}", availability=99.95)
    (problem,) = caught.value.diagnostics
    assert problem.path == "services.web.scaling.max"
    assert problem.code == "scaling-bound"
    assert problem.line == 7  # the web service's line
    assert "is 2, but production needs at least 3 tasks" in problem.message
    assert "one task per AZ (3 AZs)" in problem.message
    assert "raise `scaling.max` to 3" in problem.hint


def test_explicit_scaling_max_below_the_worker_floor_is_refused() -> None:
    with pytest.raises(shipspec.SpecError, match="at least 2 tasks: two workers"):
        env(WORKER % ", scaling: {min: 1, max: 1}", availability=99.9)


def test_default_scaling_max_below_the_floor_is_raised_to_it() -> None:
    prod = env(WEB % ", scaling: {min: 1}", availability=99.95)
    assert counts(prod, "web") == (3, 4, 3)
    assert "no scaling.max: the default 4" in prod.decision("services.web.max_count").reason


def test_peak_over_an_explicit_max_is_refused_with_the_numbers() -> None:
    """Version 1 silently ran 13 tasks where the spec allowed 4."""
    with pytest.raises(shipspec.SpecError) as caught:
        env(
            WEB % ", capacity_rps: 100, scaling: {min: 2, max: 4}",
            extra="  performance: {peak_rps: 1000}\n",
        )
    (problem,) = caught.value.diagnostics
    assert problem.path == "services.web.scaling.max"
    assert "is 4, but peak 1000 rps ÷ 100 rps per task × 1.25 headroom needs 13" in (
        problem.message
    )
    assert "raise `scaling.max` to 13" in problem.hint


def test_peak_over_the_default_max_raises_it() -> None:
    prod = env(
        WEB % ", capacity_rps: 100, scaling: {min: 2}",
        extra="  performance: {peak_rps: 1000}\n",
    )
    assert counts(prod, "web")[1] == 13  # 1000 × 1.25 / 100 = 12.5 → 13
    reason = prod.decision("services.web.max_count").reason
    assert "no scaling.max" in reason and "headroom = 13 tasks" in reason


def test_an_explicit_max_binds_only_with_a_production_environment() -> None:
    dev = env(
        WEB % ", capacity_rps: 100, scaling: {min: 1, max: 4}",
        environments="{dev: {}, test: {}}",
        extra="  performance: {peak_rps: 1000}\n",
        name="dev",
    )
    assert counts(dev, "web") == (1, 2, 1)


def test_peak_within_max_leaves_max() -> None:
    prod = env(
        WEB % ", capacity_rps: 500, scaling: {min: 2, max: 10}",
        extra="  performance: {peak_rps: 1000}\n",
    )
    assert counts(prod, "web")[1] == 10
    assert "enough for peak" in prod.decision("services.web.max_count").reason


def test_peak_is_for_public_services_only() -> None:
    services = "  api: {type: web, image: x:1, port: 80, capacity_rps: 10}\n"
    prod = env(services, extra="  performance: {peak_rps: 1000}\n")
    assert counts(prod, "api")[1] == 4


@pytest.mark.parametrize(
    ("scaling", "expected"),
    [
        ("", (1, 2, 1)),
        (", scaling: {min: 4, max: 10}", (1, 2, 1)),
        (", scaling: {min: 1, max: 1}", (1, 1, 1)),
    ],
)
def test_non_production_runs_one_task_and_at_most_two(
    scaling: str, expected: tuple[int, int, int]
) -> None:
    # No production environment: an explicit max of 1 conflicts with nothing.
    dev = env(
        WEB % scaling + WORKER % scaling,
        availability=99.99,
        environments="{dev: {}, test: {}}",
        name="dev",
    )
    assert counts(dev, "web") == expected
    assert counts(dev, "worker") == expected


def test_a_job_runs_no_standing_tasks() -> None:
    prod = env(WEB % "" + "  nightly: {type: job, image: x:1, schedule: 'rate(1 day)'}\n")
    assert counts(prod, "nightly") == (0, 0, 0)
    assert "schedule" in prod.decision("services.nightly.desired_count").reason


@pytest.mark.parametrize(
    ("fields", "cpu", "memory", "reason"),
    [
        ("", 256, 512, "no memory given"),
        (", cpu: 1", 1024, 2048, "no memory given"),
        (", cpu: 0.3, memory: 700MiB", 512, 1024, "rounded up"),
        (", cpu: 2, memory: 4GiB", 2048, 4096, "a valid Fargate size"),
    ],
)
def test_service_sizes_are_fargate_sizes_with_a_reason(
    fields: str, cpu: int, memory: int, reason: str
) -> None:
    prod = env(WEB % fields)
    assert (prod.service("web").cpu, prod.service("web").memory) == (cpu, memory)
    decision = prod.decision("services.web.size")
    assert decision.value == {"cpu": cpu, "memory": memory}
    assert reason in decision.reason
