"""``scaling: {queue: <sqs datastore>, messages_per_task: N}``: a worker scales on its backlog.

The queue must be an SQS datastore the worker receives from (``uses`` it with ``consume``
or ``produce-consume`` access, or the worker default, consume): the scaling policy reads
that queue's ``ApproximateNumberOfMessagesVisible``, so a queue the worker only sends to
would scale it on somebody else's backlog. These checks read the raw document beside
pydantic (see :mod:`shipspec.spec.checks`), so they are defensive about its shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..errors import Diagnostic
from .yamlsource import Path

RECEIVES = ("consume", "produce-consume")

# (path, message, hint, code) -> Diagnostic, located by the caller's document.
Report = Callable[[Path, str, str, str], Diagnostic]


def check_queue(
    name: str,
    service: dict[str, Any],
    queue: str,
    datastores: dict[str, Any],
    report: Report,
    path: Path,
) -> Iterator[Diagnostic]:
    """One ``scaling.queue`` value at ``path`` (a service's ``scaling`` section)."""
    at = (*path, "queue")
    if service.get("type") != "worker":
        yield report(
            at,
            f"`scaling.queue` is for workers; {name} is a {service.get('type')}",
            "remove `queue`: web services scale on CPU and requests",
            "queue-scaling-not-worker",
        )
        return
    store = datastores.get(queue)
    if not isinstance(store, dict) or store.get("engine") != "sqs":
        engine = store.get("engine") if isinstance(store, dict) else None
        sqs = sorted(
            n for n, d in datastores.items() if isinstance(d, dict) and d.get("engine") == "sqs"
        )
        yield report(
            at,
            f"{queue!r} is not an SQS datastore"
            + (f" (it is {engine})" if isinstance(engine, str) else ""),
            ("SQS datastores: " + ", ".join(sqs)) if sqs else "declare it: `engine: sqs`",
            "queue-scaling-not-sqs",
        )
        return
    uses = service.get("uses")
    uses = uses if isinstance(uses, list) else []
    access: Any = "absent"
    for use in uses:
        if use == queue:
            access = None  # the worker default: consume
        elif isinstance(use, dict) and use.get("name") == queue:
            access = use.get("access")
    if access == "absent":
        yield report(
            at,
            f"{name} scales on {queue!r} but does not use it",
            f"add `{queue}` to `uses` (a worker receives from it by default)",
            "queue-scaling-not-used",
        )
    elif access is not None and access not in RECEIVES:
        yield report(
            at,
            f"{name} only sends to {queue!r} (access {access}); scaling on its backlog would "
            "follow another service's work",
            "give it `access: consume` (or produce-consume), or scale on another queue",
            "queue-scaling-not-consumer",
        )
