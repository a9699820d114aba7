"""Services that loop on a timer (``while true; do cleanup; sleep 3600; done``).

Compose has no scheduler, so periodic work is a container that sleeps between runs. On
AWS that container still works as a ``worker`` (it keeps looping), but it runs, and is
paid for, all day; an EventBridge-scheduled ``job`` runs the body only when due. The spec
carries a job's schedule but not its command line, so the import keeps the loop as a
worker and reports the schedule it read, with the job to write instead.
"""

from __future__ import annotations

import re
from typing import Any

from .context import Context

_LOOP = re.compile(r"\bwhile\s+(?:true|:|\[\s*1\s*\])\s*;?\s*do\b(?P<body>.*?)\bdone\b", re.S)
_SLEEP = re.compile(r"\bsleep\s+(\d+)([smhd]?)\b")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def loop_schedule(data: dict[str, Any]) -> tuple[str, str] | None:
    """``(rate expression, loop body)`` of a command that sleeps in a loop, or None."""
    parts = []
    for key in ("entrypoint", "command"):
        value = data.get(key)
        parts.append(
            " ".join(str(v) for v in value) if isinstance(value, list) else str(value or "")
        )
    text = " ".join(parts)
    loop = _LOOP.search(text)
    if loop is None:
        return None
    body = loop.group("body")
    sleep = _SLEEP.search(body)
    if sleep is None:
        return None
    seconds = int(sleep.group(1)) * _UNIT[sleep.group(2)]
    work = _SLEEP.sub("", body).strip(" ;\n")
    if seconds < 60 or not work:
        return None
    minutes = seconds // 60
    rate = (
        f"rate({minutes // 1440} day{'s' if minutes // 1440 > 1 else ''})"
        if minutes % 1440 == 0
        else f"rate({minutes // 60} hour{'s' if minutes // 60 > 1 else ''})"
        if minutes % 60 == 0
        else f"rate({minutes} minute{'s' if minutes > 1 else ''})"
    )
    return rate, work


def report_loop(ctx: Context, compose: str, data: dict[str, Any]) -> None:
    found = loop_schedule(data)
    if found is None:
        return
    rate, work = found
    key = ("command",) if "command" in data else ("entrypoint",)
    ctx.find(
        "dropped",
        compose,
        key,
        f"loops on a timer ({rate}): kept as a worker that keeps looping. A scheduled job "
        f'runs only when due: `type: job, schedule: "{rate}"` with an image whose command '
        f"is `{work[:120]}`",
    )
