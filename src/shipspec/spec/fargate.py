"""Fargate task sizes: round a request up to a size Fargate actually runs.

The table is AWS's (Linux, platform 1.4): a CPU size allows a fixed set of memory
sizes. The request rounds up to the smallest CPU, then to the smallest memory valid
for that CPU. A memory request larger than the CPU allows is an error that names
the CPU to ask for, never a silent clamp.
"""

from __future__ import annotations

import math

GIB = 1024


def _steps(low_gib: int, high_gib: int, step_gib: int) -> tuple[int, ...]:
    return tuple(gib * GIB for gib in range(low_gib, high_gib + 1, step_gib))


# vCPU → valid memory sizes in MiB
MEMORY_BY_CPU: dict[float, tuple[int, ...]] = {
    0.25: (512, 1024, 2048),
    0.5: _steps(1, 4, 1),
    1: _steps(2, 8, 1),
    2: _steps(4, 16, 1),
    4: _steps(8, 30, 1),
    8: _steps(16, 60, 4),
    16: _steps(32, 120, 8),
}


class SizeError(ValueError):
    """The request has no Fargate size; the message says what would fit, ``hint`` what to ask."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def fargate_size(vcpu: float, memory_mib: int | None) -> tuple[float, int]:
    """``(vcpu, memory)`` → the smallest valid ``(vcpu, memory MiB)`` at or above it."""
    cpu = next((c for c in MEMORY_BY_CPU if c >= vcpu - 1e-9), None)
    if cpu is None:
        raise SizeError(
            f"{vcpu:g} vCPU is more than Fargate's largest size, 16 vCPU",
            "split the work across more tasks",
        )
    sizes = MEMORY_BY_CPU[cpu]
    if memory_mib is None:
        return cpu, sizes[0]
    fit = next((m for m in sizes if m >= memory_mib), None)
    if fit is None:
        bigger = next((c for c in MEMORY_BY_CPU if MEMORY_BY_CPU[c][-1] >= memory_mib), None)
        if bigger is None:
            raise SizeError(
                f"{_gib(memory_mib)} is more than Fargate's largest size, 120 GiB",
                "ask for at most `memory: 120GiB`",
            )
        raise SizeError(
            f"{_gib(memory_mib)} does not fit {cpu:g} vCPU (at most {_gib(sizes[-1])}); "
            f"ask for cpu: {bigger:g} or more",
            f"set `cpu: {bigger:g}` ({bigger:g} vCPU takes {_gib(MEMORY_BY_CPU[bigger][0])}"
            f"-{_gib(MEMORY_BY_CPU[bigger][-1])}), or ask for less memory",
        )
    return cpu, fit


def cpu_units(vcpu: float) -> int:
    return round(vcpu * 1024)


def _gib(mib: int) -> str:
    return f"{mib / GIB:g} GiB" if mib % 512 == 0 else f"{mib} MiB"


def tasks_for(peak_rps: float, capacity_rps: float, headroom: float) -> int:
    """Tasks to serve ``peak_rps`` with ``headroom``; rounded so 3.0000000004 is 3, not 4."""
    return max(1, math.ceil(round(peak_rps * headroom / capacity_rps, 6)))
