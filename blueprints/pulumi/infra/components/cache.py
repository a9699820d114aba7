"""A Redis-compatible ElastiCache replication group reachable only by its consumers.

Encrypted at rest and in transit (clients connect with TLS: ``rediss://``). Access
control is the security group, opened per consumer service. Failover and multi-AZ
come with the first read replica; a single node is the cheap non-prod shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._datastore import IngressGate
from ._names import fitting_logical_name, original_name

PORT = 6379


class Cache(pulumi.ComponentResource):
    """ElastiCache (Redis OSS or Valkey) replication group, cluster mode disabled.

    Args:
        name: Component name, prefix of every child resource name.
        node_type: e.g. ``"cache.t4g.small"``.
        replicas: Read replicas; 0 is a single node, 1+ adds automatic failover and
            spreads the nodes over AZs.
        engine_version: e.g. ``"7.1"``.
        vpc_id: VPC of the cache.
        subnet_ids: Private subnets.
        snapshot_retention_days: Daily snapshots kept (0 disables them).
        engine: ``redis`` or ``valkey`` (same protocol, lower node price).
        protect: Pulumi refuses to delete or replace the replication group (production).
    """

    primary_endpoint: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        node_type: str,
        replicas: int,
        engine_version: str,
        vpc_id: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        snapshot_retention_days: int,
        engine: str = "redis",
        protect: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:Cache", name, None, opts)
        if not 0 <= replicas <= 5:
            raise ValueError(f"replicas must be 0-5, got {replicas}")
        child = pulumi.ResourceOptions(parent=self)
        kept = original_name(name, opts)  # descriptions that force a new resource survive a rename

        subnet_group = aws.elasticache.SubnetGroup(
            f"{name}-subnets",
            subnet_ids=subnet_ids,
            description=f"{kept} private subnets",
            opts=child,
        )
        self._gate = IngressGate(
            self, name, vpc_id=vpc_id, kind="cache", port=PORT, description=engine, label=kept
        )
        sg = self._gate.security_group
        highly_available = replicas > 0
        # Autonamed <logical name>-<7 chars>, at most 40: a long name gets a short stable one.
        group = aws.elasticache.ReplicationGroup(
            fitting_logical_name(f"{name}-cache", max_length=40, keep_suffix="-cache"),
            description=f"{kept} cache",
            engine=engine,
            engine_version=engine_version,
            node_type=node_type,
            num_cache_clusters=1 + replicas,
            automatic_failover_enabled=highly_available,
            multi_az_enabled=highly_available,
            port=PORT,
            subnet_group_name=subnet_group.name,
            security_group_ids=[sg.id],
            at_rest_encryption_enabled=True,
            transit_encryption_enabled=True,
            snapshot_retention_limit=snapshot_retention_days,
            auto_minor_version_upgrade=True,
            # Protected (production): Pulumi refuses to delete or replace the cache.
            opts=pulumi.ResourceOptions(parent=self, protect=protect),
        )

        self.primary_endpoint = group.primary_endpoint_address
        self.security_group_id = sg.id
        # CloudWatch reports per node (CacheClusterId); the primary moves on failover.
        self.metric_ids = {"id": [_node(group, i) for i in range(1 + replicas)]}
        self.register_outputs(
            {
                "primary_endpoint": self.primary_endpoint,
                "port": PORT,
                "security_group_id": self.security_group_id,
            }
        )

    @property
    def port(self) -> int:
        return PORT

    def allow_from(self, consumer_name: str, security_group_id: pulumi.Input[str]) -> None:
        self._gate.allow(consumer_name, security_group_id)

    def environment(self, prefix: str) -> dict[str, pulumi.Input[str]]:
        return {
            f"{prefix}_HOST": self.primary_endpoint,
            f"{prefix}_PORT": str(PORT),
            f"{prefix}_TLS": "true",
            f"{prefix}_URL": pulumi.Output.concat("rediss://", self.primary_endpoint, f":{PORT}"),
        }

    def secrets(self, prefix: str) -> dict[str, pulumi.Input[str]]:
        return {}

    def policy_statements(self) -> list[dict[str, Any]]:
        return []


def _node(group: aws.elasticache.ReplicationGroup, index: int) -> pulumi.Output[str]:
    return group.member_clusters.apply(lambda ids: sorted(ids)[index])
