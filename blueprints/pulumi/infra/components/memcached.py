"""An ElastiCache for Memcached cluster reachable only by its consumers.

Connections are encrypted (TLS, Memcached 1.6.12 and later) and access control is the
security group, opened per consumer service: ElastiCache Memcached has no user or
password. Memcached keeps everything in memory and writes nothing to disk, so there is
nothing to back up; node-based clusters offer no encryption at rest (only serverless and
Valkey/Redis OSS caches do) and no AUTH. The cluster is therefore tagged
``DataClassification`` with the most sensitive data it holds: the compliance packs accept
a Memcached cache only for public or internal data (a cold cache is refilled by the
application). Several nodes are spread over AZs, each
holding a share of the keys, so losing one empties only its share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._datastore import IngressGate, Use
from ._names import original_name

PORT = 11211


class Memcached(pulumi.ComponentResource):
    """ElastiCache Memcached cluster with TLS and a closed security group.

    Args:
        name: Component name, prefix of every child resource name.
        engine_version: A full version from 1.6.12 on, e.g. ``"1.6.22"`` (older ones
            cannot encrypt connections).
        node_type: e.g. ``"cache.t4g.micro"``.
        nodes: Cache nodes, 1-40; with 2+ they are spread over AZs.
        vpc_id: VPC of the cluster.
        subnet_ids: Private subnets.
        data_classification: The most sensitive data the cache holds (``public``,
            ``internal``, ``confidential``, ``restricted``): the cluster's
            ``DataClassification`` tag.

    ``identifier`` (also ``metric_ids["id"]``) is the CacheClusterId, the dimension of the
    AWS/ElastiCache metrics.
        import_id: Adopt the existing cluster with this id instead of creating one (Pulumi's
            ``import`` option), named by it; Pulumi treats it like any other resource while the
            id stays.
    """

    configuration_endpoint: pulumi.Output[str]
    identifier: pulumi.Output[str]
    metric_ids: dict[str, list[pulumi.Output[str]]]  # for Monitoring's dimension references
    servers: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        engine_version: str,
        node_type: str,
        nodes: int,
        vpc_id: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        data_classification: str,
        import_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:Memcached", name, None, opts)
        if not 1 <= nodes <= 40:
            raise ValueError(f"nodes must be 1-40, got {nodes}")
        parts = tuple(int(p) for p in engine_version.split(".") if p.isdigit())
        if len(parts) != 3 or parts < (1, 6, 12):
            raise ValueError(
                f"TLS needs a full Memcached version >= 1.6.12, got {engine_version!r}"
            )
        child = pulumi.ResourceOptions(parent=self)
        kept = original_name(name, opts)  # descriptions that force a new resource survive a rename

        subnet_group = aws.elasticache.SubnetGroup(
            f"{name}-subnets",
            subnet_ids=subnet_ids,
            description=f"{kept} private subnets",
            opts=child,
        )
        self._gate = IngressGate(
            self,
            name,
            vpc_id=vpc_id,
            kind="memcached",
            port=PORT,
            description="memcached",
            label=kept,
        )
        sg = self._gate.security_group
        cluster = aws.elasticache.Cluster(
            f"{name}-cache",
            cluster_id=import_id,
            engine="memcached",
            engine_version=engine_version,
            node_type=node_type,
            num_cache_nodes=nodes,
            az_mode="cross-az" if nodes > 1 else "single-az",
            port=PORT,
            subnet_group_name=subnet_group.name,
            security_group_ids=[sg.id],
            transit_encryption_enabled=True,
            auto_minor_version_upgrade="true",  # a string for Memcached clusters
            tags={"DataClassification": data_classification},
            opts=pulumi.ResourceOptions(parent=self, import_=import_id),
        )

        self.configuration_endpoint = cluster.cluster_address
        self.identifier = cluster.cluster_id
        self.metric_ids = {"id": [self.identifier]}
        self.servers = cluster.cache_nodes.apply(
            lambda found: ",".join(f"{n.address}:{n.port}" for n in found)
        )
        self.security_group_id = sg.id
        self.register_outputs(
            {
                "configuration_endpoint": self.configuration_endpoint,
                "identifier": self.identifier,
                "port": PORT,
                "security_group_id": self.security_group_id,
                "servers": self.servers,
            }
        )

    @property
    def port(self) -> int:
        return PORT

    def allow_from(self, consumer_name: str, security_group_id: pulumi.Input[str]) -> None:
        self._gate.allow(consumer_name, security_group_id)

    def environment(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        # _HOST is the configuration endpoint for clients with ElastiCache auto discovery;
        # _SERVERS lists every node for the rest.
        return {
            f"{prefix}_HOST": self.configuration_endpoint,
            f"{prefix}_PORT": str(PORT),
            f"{prefix}_TLS": "true",
            f"{prefix}_SERVERS": self.servers,
        }

    def secrets(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        return {}

    def policy_statements(self, use: Use) -> list[dict[str, Any]]:
        return []
