"""Let a large program's registrations finish as it goes, instead of all at its end.

The Pulumi SDK runs a program's body synchronously: a resource's constructor only
schedules its registration, and under mocks nothing is processed until the body returns.
A 200-service program therefore holds some 5,600 pending registrations (serialized
inputs, futures, tasks) at once before the first is answered: most of a preview's peak
memory. Under ``pulumi up`` the engine answers registrations while the body runs, so
letting the event loop run now and then is closer to the real thing, not further.

The SDK pumps its loop from inside a program the same way for synchronous invokes
(``pulumi.runtime.sync_await._sync_await``); settling reuses that function. Only the
program's own task settles: a resource created inside an ``apply`` callback is left
alone, since its caller is the loop itself. What a preview records does not change:
resources are listed in tree order and their dependencies sorted.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import pulumi.resource
from pulumi.runtime.settings import _get_rpc_manager
from pulumi.runtime.sync_await import _sync_await

EVERY = 400
"""Registrations between two settles. Measured at 200 services (5,600 resources, runner's
collector thresholds): every 100, 27.8 s of CPU and 374 MiB at the peak; every 400, 26.0 s
and 381 MiB; never, 22.7 s and 663 MiB. Each settle pads the loop's ready list back (see
``_sync_await``), so settling more often costs CPU for little memory."""

WAIT_SECONDS = 2.0
"""How long a settle waits for the pending registrations. Under mocks they are answered
in milliseconds; one that waits on a value the program sets later (a future of its own)
cannot be answered yet, and settling then stops for the rest of the run (the SDK's own
behaviour, everything at the end) rather than wait at every settle."""

_MAX_ROUNDS = 1000
"""Loop iterations a settle runs at most to start and finish callbacks that are ready."""


class _Run:
    """One program run's settling: its task, its count and how far its RPCs were seen."""

    def __init__(self, task: asyncio.Task[Any] | None) -> None:
        self.task = task
        self.registered = 0
        self.seen = 0
        self.stopped = False


_run: contextvars.ContextVar[_Run | None] = contextvars.ContextVar(
    "shipspec_settling", default=None
)
_original = pulumi.resource.register_resource


def _register_resource(*args: Any, **kwargs: Any) -> Any:
    result = _original(*args, **kwargs)
    run = _run.get()
    if run is not None and not run.stopped and asyncio.current_task() is run.task:
        run.registered += 1
        if run.registered % EVERY == 0:
            _sync_await(_settle(run))
    return result


async def _settle(run: _Run) -> None:
    """Start the registrations scheduled so far, wait for their answers (the mocks reply
    on the SDK's worker threads), then run the callbacks the answers made ready."""
    await _run_ready()
    rpcs = _get_rpc_manager().rpcs
    pending = [
        rpc for rpc in rpcs[run.seen :] if isinstance(rpc, asyncio.Future) and not rpc.done()
    ]
    run.seen = len(rpcs)
    if pending:
        _, late = await asyncio.wait(pending, timeout=WAIT_SECONDS)
        run.stopped = bool(late)
    await _run_ready()


async def _run_ready() -> None:
    loop = asyncio.get_running_loop()
    for _ in range(_MAX_ROUNDS):
        await asyncio.sleep(0)
        if not getattr(loop, "_ready", True):
            return


@contextlib.contextmanager
def settling() -> Iterator[None]:
    """Settle every :data:`EVERY` registrations the calling task makes.

    Call it from the task that runs the program body (inside ``run_in_stack``)."""
    pulumi.resource.register_resource = _register_resource
    token = _run.set(_Run(asyncio.current_task()))
    try:
        yield
    finally:
        _run.reset(token)
