"""In which order the ECS services are created: the services a caller ``calls`` first.

A Service Connect client resolves only the endpoints that existed when its task
started: "Existing tasks can't resolve and connect to the new endpoint. Only new tasks
with a Service Connect configuration in the same namespace and that start running after
this deployment can resolve and connect to this endpoint", and for a stack that creates
both, AWS's advice is to add ``dependsOn`` to the client service "for each backend
client-server service that the client tasks connect to" (Amazon ECS developer guide,
"Amazon ECS Service Connect components",
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect-concepts-deploy.html).
Without it, the first ``pulumi up`` creates every ECS service at once, and a caller
whose tasks start before its callee's service exists cannot reach it until its next
deployment.

So each caller's ECS service depends on the ECS services it calls, and the program
creates services callees first. Calls that go round in a circle (``a`` calls ``b``
and ``b`` calls ``a``) cannot all be ordered: within each circle shipspec creates first
the service with the fewest calls left to wait for (then the one listed first in the
spec), and so on; the calls it could not wait for are its ``resolves_later``. Those
callers' first tasks cannot reach those callees, so the first deployment of the stack
ends with one redeployment of each such caller (``aws ecs update-service
--force-new-deployment``: the operations handoff's "After the first deploy" section gives
the command, and the generated program's comment above the caller points to it); every
later deployment starts tasks after all the endpoints exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .decisions import Decisions
from .model import ServicePlan

SERVICE_CONNECT_ORDER_SOURCE = (
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
    "service-connect-concepts-deploy.html"
)


def _components(names: Sequence[str], edges: Mapping[str, list[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan), each in ``names`` order, callees' first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for callee in edges[node]:
            if callee not in index:
                visit(callee)
                low[node] = min(low[node], low[callee])
            elif callee in stack:
                low[node] = min(low[node], index[callee])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                members.append(member)
                if member == node:
                    break
            found.append(sorted(members, key=names.index))

    for name in names:
        if name not in index:
            visit(name)
    return found  # Tarjan emits a component after every component it reaches


def creation_order(
    names: Sequence[str], calls: Mapping[str, Sequence[str]]
) -> tuple[list[str], dict[str, list[str]], dict[str, list[str]]]:
    """``names`` ordered callees first; per service the callees created before it
    (``starts_after``) and those of its circle created after it (``resolves_later``).

    Deterministic: the spec's order decides every tie, so the same spec always gives the
    same program.
    """
    edges = {n: [c for c in calls.get(n, ()) if c in names and c != n] for n in names}
    placed: list[str] = []
    later: dict[str, list[str]] = {n: [] for n in names}
    for component in _components(names, edges):
        left = list(component)
        while left:
            waiting = {n: [c for c in edges[n] if c in left] for n in left}
            first = min(left, key=lambda n: (len(waiting[n]), names.index(n)))
            later[first] = sorted(waiting[first], key=names.index)
            placed.append(first)
            left.remove(first)
    position = {n: i for i, n in enumerate(placed)}
    after = {
        n: sorted((c for c in edges[n] if position[c] < position[n]), key=placed.index)
        for n in names
    }
    return placed, after, later


def plan_call_order(
    services: list[ServicePlan], log: Decisions
) -> tuple[list[ServicePlan], list[str]]:
    """The services (in their order) with ``starts_after`` / ``resolves_later`` set, and
    the order the program creates them in: the long-running ones callees first, then the
    jobs (which run no ECS service and nothing calls) in the spec's order."""
    running = [s for s in services if s.kind != "job"]
    names = [s.name for s in running]
    order, after, later = creation_order(names, {s.name: s.calls for s in running})
    by_name = {s.name: s for s in services}
    for name in order:
        if not by_name[name].calls:
            continue
        if later[name]:
            reason = (
                f"calls {', '.join(later[name])}, which call{'s' if len(later[name]) == 1 else ''}"
                f" it back (directly or through others): created first, its first tasks start "
                "before those endpoints exist and cannot resolve them (Service Connect resolves "
                "only endpoints that existed when a task started, "
                f"{SERVICE_CONNECT_ORDER_SOURCE}); redeploy it once after the stack's first "
                "`pulumi up` (`aws ecs update-service --force-new-deployment`)"
            )
            if after[name]:
                reason += f"; it waits for {', '.join(after[name])}"
        else:
            reason = (
                f"its ECS service is created after {', '.join(after[name])} (depends_on): "
                "Service Connect resolves only endpoints that existed when a task started "
                f"({SERVICE_CONNECT_ORDER_SOURCE})"
            )
        log.decide(
            f"services.{name}.starts_after",
            after[name],
            reason,
            calls=list(by_name[name].calls),
            resolves_later=later[name],
        )
    planned = [
        s.model_copy(update={"starts_after": after[s.name], "resolves_later": later[s.name]})
        if s.name in after
        else s
        for s in services
    ]
    return planned, order + [s.name for s in services if s.kind == "job"]
