"""The service-to-service calls a spec declares, and no others, as security group rules.

Service Connect makes every server reachable by name from every client in the
namespace; the network decides who may actually connect. For each declared call the
callee's task security group admits the caller's task security group on each port the
callee serves through Service Connect (its ``port`` and its further ``ports``), and the
caller's group may send there: a pair the spec does not name gets no rule, so its
connection times out instead of quietly working.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import pulumi
import pulumi_aws as aws


class CalledService(Protocol):
    """A service component: WebService or WorkerService."""

    security_group_id: pulumi.Output[str]
    port: int | None
    called_ports: list[tuple[str, int]]  # (ip protocol, port) it serves to callers


class ServiceCalls(pulumi.ComponentResource):
    """Ingress and egress rules for each ``caller -> callee`` the spec's ``calls`` list.

    Args:
        name: Component name.
        services: Spec name -> service component, for every service named in ``calls``.
        calls: Caller name -> the names of the services it calls.
    """

    def __init__(
        self,
        name: str,
        *,
        services: Mapping[str, CalledService],
        calls: Mapping[str, Sequence[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:ServiceCalls", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        for caller, callees in sorted(calls.items()):
            source = services[caller]
            for callee in sorted(set(callees)):
                target = services[callee]
                if callee == caller:
                    raise ValueError(f"{caller} calls itself: it reaches itself on localhost")
                served = getattr(target, "called_ports", None)
                if served is None:
                    served = [("tcp", target.port)] if target.port is not None else []
                if not served:
                    raise ValueError(f"{caller} calls {callee}, which serves no port to callers")
                for index, (protocol, port) in enumerate(served):
                    # The first (main) port keeps the rule names calls always had.
                    suffix = "" if index == 0 else f"-{port}"
                    aws.vpc.SecurityGroupIngressRule(
                        f"{callee}-from-{caller}{suffix}",
                        security_group_id=target.security_group_id,
                        referenced_security_group_id=source.security_group_id,
                        ip_protocol=protocol,
                        from_port=port,
                        to_port=port,
                        description=f"Service Connect: {caller} calls {callee}:{port}",
                        opts=child,
                    )
                    aws.vpc.SecurityGroupEgressRule(
                        f"{caller}-to-{callee}{suffix}",
                        security_group_id=source.security_group_id,
                        referenced_security_group_id=target.security_group_id,
                        ip_protocol=protocol,
                        from_port=port,
                        to_port=port,
                        description=f"Service Connect: {caller} calls {callee}:{port}",
                        opts=child,
                    )
        self.register_outputs({})
