"""Compose CPU and memory settings → a Fargate size the spec accepts.

Compose limits a container on a shared host; Fargate sizes a whole task from a fixed
table. The limit is the better guide (it is what the service was tested under), else
the reservation, else the legacy ``cpus`` / ``mem_limit``. The CPU is raised to the
smallest Fargate CPU that allows the memory, with a note, because a spec whose memory
does not fit its CPU would be refused. Beyond Fargate's largest size the service is
incompatible.
"""

from __future__ import annotations

from typing import Any

from .context import Context
from .shapes import mapping
from .syntax import cpus, memory_mib

MAX_MEMORY_MIB = 120 * 1024


def size_for(
    ctx: Context,
    compose: str,
    name: str,
    data: dict[str, Any],
    deploy: dict[str, Any],
    spec: dict[str, Any],
    table: dict[float, tuple[int, ...]],
) -> None:
    resources = mapping(deploy.get("resources"))
    limits = mapping(resources.get("limits"))
    reserved = mapping(resources.get("reservations"))
    for key in sorted(set(resources) - {"limits", "reservations"}):
        ctx.find("dropped", compose, ("deploy", "resources", key), "not a Fargate setting")
    for section, values in (("limits", limits), ("reservations", reserved)):
        for key in sorted(set(values) - {"cpus", "memory"}):
            keys = ("deploy", "resources", section, key)
            if key in ("devices", "generic_resources"):
                ctx.incompatible(compose, keys, "reserves devices (GPUs): Fargate has none")
            else:
                ctx.find("dropped", compose, keys, "not a Fargate setting")
    cpu, cpu_key = _first(
        (limits.get("cpus"), ("deploy", "resources", "limits", "cpus")),
        (data.get("cpus"), ("cpus",)),
        (reserved.get("cpus"), ("deploy", "resources", "reservations", "cpus")),
    )
    memory, memory_key = _first(
        (limits.get("memory"), ("deploy", "resources", "limits", "memory")),
        (data.get("mem_limit"), ("mem_limit",)),
        (reserved.get("memory"), ("deploy", "resources", "reservations", "memory")),
        (data.get("mem_reservation"), ("mem_reservation",)),
    )
    vcpu = cpus(cpu) if cpu is not None else None
    mib = memory_mib(memory) if memory is not None else None
    if cpu is not None and vcpu is None:
        ctx.error(compose, cpu_key, f"cannot read CPUs {cpu!r}", "give a number such as 0.5")
    if memory is not None and mib is None:
        ctx.error(
            compose, memory_key, f"cannot read memory {memory!r}", "give a size such as 512M or 1G"
        )
    if vcpu is None and mib is None:
        return
    largest = max(table)
    if (vcpu or 0) > largest or (mib or 0) > MAX_MEMORY_MIB:
        ctx.incompatible(
            compose,
            cpu_key if (vcpu or 0) > largest else memory_key,
            f"more than Fargate's largest task ({largest:g} vCPU, 120 GiB)",
        )
        return
    wanted = max(vcpu or 0.25, 0.25)
    chosen = next(
        c for c in sorted(table) if c >= wanted - 1e-9 and (mib is None or table[c][-1] >= mib)
    )
    if vcpu is not None:
        ctx.find(
            "mapped",
            compose,
            cpu_key,
            f"cpu {chosen:g}"
            + ("" if abs(chosen - vcpu) < 1e-9 else f" (Fargate size for {vcpu:g})"),
        )
    if chosen != 0.25 or vcpu is not None:
        spec["cpu"] = chosen
    if vcpu is not None and chosen > vcpu + 1e-9:
        ctx.note(
            ("services", name, "cpu"),
            f"compose asked for {vcpu:g} vCPU; {chosen:g} is the smallest Fargate size"
            + (" that allows this memory" if mib else ""),
        )
    elif vcpu is None and chosen > 0.25:
        ctx.note(("services", name, "cpu"), f"the smallest Fargate CPU that allows {mib} MiB")
    if mib is not None:
        spec["memory"] = f"{mib // 1024}GiB" if mib % 1024 == 0 else f"{mib}MiB"
        ctx.find(
            "mapped",
            compose,
            memory_key,
            f"memory {spec['memory']} (rounded up to a Fargate size by the plan)",
        )


def _first(*options: tuple[Any, tuple[str, ...]]) -> tuple[Any, tuple[str, ...]]:
    for value, key in options:
        if value is not None:
            return value, key
    return None, options[0][1]
