"""What a rule looks at: documents built from the preview's resources and from the model.

A resource's document is its inputs (as Pulumi records them, camelCase) plus a few
keys that start with ``_`` (no Pulumi input does), so a field schema can reach the
resource graph:

* ``_type``, ``_name``, ``_urn``: the resource itself;
* ``_dependencies``: the resources whose outputs it uses (``{_type, _name, _urn, ...inputs}``);
* ``_dependents``: the resources that use it (a bucket's encryption configuration,
  a load balancer's listeners and WAF association).

A model target's document is the plan object's fields (``ServicePlan``...). The
``when`` document adds ``environment``, ``data_classification``, ``compliance`` and
``app`` to the target's document.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..plan.model import DeploymentModel, EnvironmentPlan


def published_ports(env: EnvironmentPlan) -> dict[str, set[tuple[str, int]]]:
    """The ports each internet-facing TCP/UDP/TLS service of ``env`` publishes (its NLB
    listener; a UDP target group keeps the client's address, so the tasks admit that port
    too), by IP protocol: a TLS listener's port is a TCP port."""
    return {
        s.name: {("udp" if s.protocol == "udp" else "tcp", s.port)}
        for s in env.services
        if s.kind == "web"
        and s.public
        and s.protocol in ("tcp", "udp", "tls")
        and s.port is not None
    }


_LB = "aws:lb/loadBalancer:LoadBalancer"
_SG = "aws:ec2/securityGroup:SecurityGroup"
MODEL_KINDS = ("service", "datastore", "environment", "load_balancer", "deployment")


@dataclass(frozen=True)
class Target:
    """One thing a rule is checked against."""

    kind: str  # "resource", or the model kind ("service", ...)
    label: str  # resource name, or model path such as "services.web"
    type: str  # Pulumi type token, or "model:<kind>"
    document: dict[str, Any]
    when_document: dict[str, Any]
    urn: str | None = None
    component: str | None = None  # the top-level resource it belongs to (locates it)
    spec_path: tuple[str | int, ...] = ()  # where a model target comes from in the spec


@dataclass
class ResourceGraph:
    """The preview's resources with their links both ways, and facts rules ask about."""

    resources: list[Any]
    by_urn: dict[str, Any] = field(default_factory=dict)
    dependents: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    public_groups: set[str] = field(default_factory=set)
    public_group_urns: set[str] = field(default_factory=set)
    # Component (service) name -> the (ip protocol, port) pairs the spec publishes to the
    # internet through a Network Load Balancer of its own (`public: true, protocol: tcp|udp|tls`).
    published: dict[str, set[tuple[str, int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_urn = {_get(r, "urn"): r for r in self.resources}
        for resource in self.resources:
            for urn in _get(resource, "dependencies") or ():
                self.dependents[urn].append(resource)
            inputs = _get(resource, "inputs") or {}
            is_alb = inputs.get("loadBalancerType", "application") == "application"
            if _get(resource, "type") == _LB and is_alb and inputs.get("internal") is not True:
                self.public_groups.update(str(g) for g in inputs.get("securityGroups") or ())
                self.public_group_urns.update(
                    u
                    for u in _get(resource, "dependencies") or ()
                    if _get(self.by_urn.get(u), "type") == _SG
                )

    def public_load_balancer_group(self, group_id: Any, root: dict[str, Any]) -> bool:
        if isinstance(group_id, str) and group_id:
            return group_id in self.public_groups
        if root.get("_urn") in self.public_group_urns:
            return True  # the security group itself, checked for its inline rules
        return any(d.get("_urn") in self.public_group_urns for d in root.get("_dependencies", []))

    def published_port(self, root: dict[str, Any], protocol: str, low: int, high: int) -> bool:
        """Whether the rule ``root`` opens only ports its service publishes on purpose."""
        resource = self.by_urn.get(str(root.get("_urn")))
        if resource is None or high - low > 64:
            return False
        allowed = self.published.get(self.component(resource), set())
        return all((protocol, port) in allowed for port in range(low, high + 1))

    def component(self, resource: Any) -> str:
        """The name of the top-level resource (usually a component) ``resource`` is under."""
        current = resource
        while _get(current, "parent") in self.by_urn:
            current = self.by_urn[_get(current, "parent")]
        return str(_get(current, "name"))

    def targets(self, context: dict[str, Any]) -> Iterator[Target]:
        for resource in self.resources:
            document = {
                **_item(resource),
                "_dependencies": [
                    _item(self.by_urn[u])
                    for u in _get(resource, "dependencies") or ()
                    if u in self.by_urn
                ],
                "_dependents": [_item(r) for r in self.dependents.get(_get(resource, "urn"), [])],
            }
            yield Target(
                kind="resource",
                label=str(_get(resource, "name")),
                type=str(_get(resource, "type")),
                document=document,
                when_document={**document, **context},
                urn=str(_get(resource, "urn")),
                component=self.component(resource),
            )


def _get(resource: Any, name: str) -> Any:
    return resource.get(name) if isinstance(resource, dict) else getattr(resource, name, None)


def _item(resource: Any) -> dict[str, Any]:
    return {
        **(_get(resource, "inputs") or {}),
        "_type": _get(resource, "type"),
        "_name": _get(resource, "name"),
        "_urn": _get(resource, "urn"),
    }


def when_context(model: DeploymentModel, env: EnvironmentPlan) -> dict[str, Any]:
    """What a ``when`` may ask besides the target's own fields."""
    environment = env.model_dump(
        mode="json", exclude={"decisions", "services", "datastores", "load_balancers", "secrets"}
    )
    return {
        "environment": environment,
        "data_classification": model.data_classification,
        "compliance": list(model.compliance),
        "app": model.app,
    }


def model_targets(model: DeploymentModel, env: EnvironmentPlan, kind: str) -> Iterable[Target]:
    """The model objects of ``kind`` in ``env`` as targets."""
    context = when_context(model, env)
    found: list[tuple[str, dict[str, Any], tuple[str | int, ...]]]
    if kind == "deployment":
        found = [
            (
                "deployment",
                model.model_dump(mode="json", exclude={"environments", "monitoring"}),
                (),
            )
        ]
    elif kind == "environment":
        found = [
            (
                f"environments.{env.name}",
                env.model_dump(mode="json", exclude={"decisions"}),
                ("environments", env.name),
            )
        ]
    elif kind == "service":
        found = [
            (f"services.{s.name}", s.model_dump(mode="json"), ("services", s.name))
            for s in env.services
        ]
    elif kind == "datastore":
        found = [
            (f"datastores.{d.name}", d.model_dump(mode="json"), ("datastores", d.name))
            for d in env.datastores
        ]
    else:
        found = [
            (f"load_balancers.{lb.name}", lb.model_dump(mode="json"), ("environments", env.name))
            for lb in env.load_balancers
        ]
    for label, document, spec_path in found:
        yield Target(
            kind=kind,
            label=label,
            type=f"model:{kind}",
            document=document,
            when_document={**document, **context},
            spec_path=spec_path,
        )
