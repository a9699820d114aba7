"""A Redis-compatible ElastiCache replication group reachable only by its consumers.

Encrypted at rest and in transit, with TLS required (clients connect with
``rediss://``), and Redis AUTH: a client must also present the token, so reaching the
port is not enough. The token is drawn at deploy time from Secrets Manager's
GetRandomPassword and written once, write-only (never kept in Pulumi state), to the
replication group and to a secret that services receive as an ECS secret
(``<PREFIX>_PASSWORD``). The security group opens per consumer service. Failover and
multi-AZ come with the first read replica; a single node is the cheap non-prod shape.

Each gets its own parameter group, because ElastiCache's default one sets
``maxmemory-policy volatile-lru``: at maxmemory Redis evicts only keys that have a TTL, so a
cache whose keys have none fails writes with ``OOM command not allowed`` instead of evicting.
A cache (``cache=True``) gets ``allkeys-lru``: at maxmemory Redis evicts the least recently
used key, TTL or not. A store (``cache=False``) gets ``noeviction``: no key is ever evicted,
and at the limit writes fail with ``OOM command not allowed``. Attaching a group to an
existing replication group is an in-place ModifyReplicationGroup (CacheParameterGroupName):
no data is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._datastore import IngressGate, Use
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
        cache: True, a cache whose least recently used keys are evicted at maxmemory
            (``allkeys-lru``); False, a store whose keys are never evicted (``noeviction``).
        protect: Pulumi refuses to delete or replace the replication group (production).
        kms_key_arn: Customer-managed KMS key (``DataKey``) for the data at rest and the
            AUTH token's secret.
        import_id: Adopt the existing replication group with this id instead of creating one
            (Pulumi's ``import`` option), named by it; Pulumi treats it like any other resource
            while the id stays.
    """

    primary_endpoint: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    identifier: pulumi.Output[str]

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
        cache: bool = True,
        protect: bool = False,
        kms_key_arn: pulumi.Input[str] | None = None,
        import_id: str | None = None,
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
        # Redis AUTH tokens are 16-128 printable characters without @, " or /: alphanumeric.
        drawn = aws.secretsmanager.get_random_password_output(
            password_length=64,
            exclude_punctuation=True,
            require_each_included_type=True,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        token: pulumi.Output[str] = pulumi.Output.secret(drawn.random_password)
        secret = aws.secretsmanager.Secret(
            f"{name}-auth",
            description=f"{name}: Redis AUTH token, written once at creation",
            recovery_window_in_days=30,
            kms_key_id=kms_key_arn,
            opts=child,
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-auth",
            secret_id=secret.id,
            # Write-only: not read back; version 1 writes it once, and a new draw is ignored.
            secret_string_wo=pulumi.Output.json_dumps({"password": token}),
            secret_string_wo_version=1,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["secret_string_wo"]),
        )
        # Autonamed: should a change of description (a cache turned store) replace the group,
        # the new one is created and attached in place before the old one is deleted.
        parameter_group = aws.elasticache.ParameterGroup(
            f"{name}-params",
            family=parameter_family(engine, engine_version),
            description=f"{kept}: a cache, least recently used keys evicted"
            if cache
            else f"{kept}: a store, keys never evicted",
            parameters=[
                {"name": "maxmemory-policy", "value": "allkeys-lru" if cache else "noeviction"}
            ],
            opts=child,
        )
        highly_available = replicas > 0
        # Autonamed <logical name>-<7 chars>, at most 40: a long name gets a short stable one.
        group = aws.elasticache.ReplicationGroup(
            fitting_logical_name(f"{name}-cache", max_length=40, keep_suffix="-cache"),
            replication_group_id=import_id,
            description=f"{kept} cache",
            engine=engine,
            engine_version=engine_version,
            node_type=node_type,
            num_cache_clusters=1 + replicas,
            automatic_failover_enabled=highly_available,
            multi_az_enabled=highly_available,
            port=PORT,
            # Never the default group (volatile-lru: keys without a TTL are never evicted).
            parameter_group_name=parameter_group.name,
            subnet_group_name=subnet_group.name,
            security_group_ids=[sg.id],
            at_rest_encryption_enabled=True,
            kms_key_id=kms_key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",  # no plain-text connections at all
            auth_token_wo=token,
            auth_token_wo_version=1,
            snapshot_retention_limit=snapshot_retention_days,
            auto_minor_version_upgrade=True,
            # Protected (production): Pulumi refuses to delete or replace the cache.
            opts=pulumi.ResourceOptions(
                parent=self, protect=protect, ignore_changes=["auth_token_wo"], import_=import_id
            ),
        )

        self.secret_arn = secret.arn
        self.primary_endpoint = group.primary_endpoint_address
        self.security_group_id = sg.id
        # The replication group id (autonamed): what `aws elasticache` commands take.
        self.identifier = group.id
        # CloudWatch reports per node (CacheClusterId); the primary moves on failover.
        self.metric_ids = {"id": [_node(group, i) for i in range(1 + replicas)]}
        self.register_outputs(
            {
                "primary_endpoint": self.primary_endpoint,
                "port": PORT,
                "security_group_id": self.security_group_id,
                "identifier": self.identifier,
            }
        )

    @property
    def port(self) -> int:
        return PORT

    def allow_from(self, consumer_name: str, security_group_id: pulumi.Input[str]) -> None:
        self._gate.allow(consumer_name, security_group_id)

    def environment(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        return {
            f"{prefix}_HOST": self.primary_endpoint,
            f"{prefix}_PORT": str(PORT),
            f"{prefix}_TLS": "true",
            f"{prefix}_URL": pulumi.Output.concat("rediss://", self.primary_endpoint, f":{PORT}"),
        }

    def secrets(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        # Not rotated by AWS, so injecting it at start is safe; see the module docstring.
        return {f"{prefix}_PASSWORD": pulumi.Output.concat(self.secret_arn, ":password::")}

    def policy_statements(self, use: Use) -> list[dict[str, Any]]:
        return []


def parameter_family(engine: str, engine_version: str) -> str:
    """The parameter group family of ``engine`` at ``engine_version``: ElastiCache names
    Redis 7+ and Valkey by major version (``redis7``, ``valkey8``), Redis 6 ``redis6.x`` and
    older ones by major.minor (``redis5.0``)."""
    major, _, rest = engine_version.partition(".")
    if engine == "valkey" or int(major) >= 7:
        return f"{engine}{major}"
    if major == "6":
        return "redis6.x"
    return f"redis{major}.{rest.partition('.')[0] or '0'}"


def _node(group: aws.elasticache.ReplicationGroup, index: int) -> pulumi.Output[str]:
    return group.member_clusters.apply(lambda ids: sorted(ids)[index])
