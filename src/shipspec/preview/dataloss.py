"""The data-loss guard: which stateful resources a preview would delete or replace.

A pure function over two recordings of the same stack, the previous preview's
``{urn: resource dict}`` and the current :class:`~shipspec.preview.result.PreviewResource`
list, so any caller (``preview``, ``check``, a test) asks the same question.

A stateful resource is lost when

* its URN is gone and no current resource names it in ``options.aliases`` (Pulumi
  deletes it and creates the new one, so a datastore renamed in the spec without
  ``renamed_from`` is lost), or
* one of its inputs that the provider cannot change in place differs: Pulumi replaces
  it, deleting the old one (first, or after the new one exists; the data goes either way).

Which inputs force a replacement is data, :data:`FORCES_REPLACEMENT`, per Pulumi type
token, read from the schema of the Terraform provider that ``pulumi-aws`` bridges
(``ForceNew: true`` on the attribute; Pulumi shows it as ``replace`` in a preview):
https://github.com/hashicorp/terraform-provider-aws under ``internal/service/<svc>/``,
and the "Changing this forces a new resource" notes of the Pulumi registry pages
(https://www.pulumi.com/registry/packages/aws/api-docs/). ``replaceOnChanges`` options a
program sets are honoured too. An input whose value is not known at preview time
(``[unknown]``) is not counted: the preview cannot tell.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .result import PreviewResource, previous_urn

UNKNOWN = "[unknown]"

# Pulumi type token -> the inputs (wire names) whose change replaces the resource.
FORCES_REPLACEMENT: dict[str, tuple[str, ...]] = {
    # internal/service/rds/instance.go. Not `identifier`: since provider v5.0 the
    # resource id is the DbiResourceId and a new identifier is a rename (ModifyDBInstance
    # NewDBInstanceIdentifier), hashicorp/terraform-provider-aws#507 and #31232.
    "aws:rds/instance:Instance": (
        "availabilityZone",
        "characterSetName",
        "customIamInstanceProfile",
        "dbName",
        "engine",
        "identifierPrefix",
        "kmsKeyId",
        "ncharCharacterSetName",
        "restoreToPointInTime",
        "s3Import",
        "snapshotIdentifier",
        "storageEncrypted",
        "timezone",
        "username",
    ),
    # Each list below is the attributes with `ForceNew: true` in the schema of
    # hashicorp/terraform-provider-aws, file named per type (read December 2026), in
    # Pulumi's wire names. A nested block with ForceNew fields counts as its top-level
    # input. ForceNew that depends on other inputs (CustomizeDiff `ForceNewIf`: an RDS
    # cluster's storage type outside Aurora, a Memcached node type, an engine downgrade,
    # ElastiCache node groups) is not listed: the preview cannot decide it from one input.
    # internal/service/rds/cluster.go
    "aws:rds/cluster:Cluster": (
        "availabilityZones",
        "clusterIdentifier",
        "clusterIdentifierPrefix",
        "clusterScalabilityType",
        "databaseName",
        "dbSubnetGroupName",
        "dbSystemId",
        "engine",
        "engineMode",
        "kmsKeyId",
        "masterUsername",
        "restoreToPointInTime",
        "s3Import",
        "snapshotIdentifier",
        "sourceRegion",
        "storageEncrypted",
    ),
    # internal/service/docdb/cluster.go
    "aws:docdb/cluster:Cluster": (
        "availabilityZones",
        "clusterIdentifier",
        "clusterIdentifierPrefix",
        "dbSubnetGroupName",
        "engine",
        "kmsKeyId",
        "masterUsername",
        "port",
        "restoreToPointInTime",
        "snapshotIdentifier",
        "storageEncrypted",
    ),
    # internal/service/docdb/cluster_instance.go
    "aws:docdb/clusterInstance:ClusterInstance": (
        "availabilityZone",
        "clusterIdentifier",
        "engine",
        "identifier",
        "identifierPrefix",
    ),
    # internal/service/elasticache/replication_group.go
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "atRestEncryptionEnabled",
        "dataTieringEnabled",
        "globalReplicationGroupId",
        "kmsKeyId",
        "networkType",
        "port",
        "replicationGroupId",
        "securityGroupNames",
        "snapshotArns",
        "snapshotName",
        "subnetGroupName",
    ),
    # internal/service/elasticache/cluster.go
    "aws:elasticache/cluster:Cluster": (
        "availabilityZone",
        "clusterId",
        "engine",
        "networkType",
        "outpostMode",
        "port",
        "preferredOutpostArn",
        "replicationGroupId",
        "snapshotArns",
        "snapshotName",
        "subnetGroupName",
        "transitEncryptionEnabled",
    ),
    # internal/service/mq/broker.go (storage_type is updatable there)
    "aws:mq/broker:Broker": (
        "brokerName",
        "dataReplicationPrimaryBrokerArn",
        "deploymentMode",
        "encryptionOptions",
        "engineType",
        "ldapServerMetadata",
        "publiclyAccessible",
        "subnetIds",
    ),
    # internal/service/s3/bucket.go
    "aws:s3/bucket:Bucket": ("bucket", "bucketPrefix", "objectLockEnabled"),
    "aws:s3/bucketV2:BucketV2": ("bucket", "bucketPrefix", "objectLockEnabled"),
    # internal/service/sqs/queue.go
    "aws:sqs/queue:Queue": ("fifoQueue", "name", "namePrefix"),
    # internal/service/secretsmanager/secret.go
    "aws:secretsmanager/secret:Secret": ("name", "namePrefix"),
    # internal/service/kms/key.go
    "aws:kms/key:Key": (
        "customKeyStoreId",
        "customerMasterKeySpec",
        "keyUsage",
        "multiRegion",
        "xksKeyId",
    ),
    # internal/service/efs/file_system.go
    "aws:efs/fileSystem:FileSystem": (
        "availabilityZoneName",
        "creationToken",
        "encrypted",
        "kmsKeyId",
        "performanceMode",
    ),
    # internal/service/opensearch/domain.go (nested ForceNew: advanced_security_options
    # .enabled, encrypt_at_rest.enabled and .kms_key_id, node_to_node_encryption.enabled;
    # the whole vpc_options block; an engine_version with no upgrade path is ForceNewIf)
    "aws:opensearch/domain:Domain": (
        "advancedSecurityOptions",
        "domainName",
        "encryptAtRest",
        "nodeToNodeEncryption",
        "vpcOptions",
    ),
    # internal/service/dynamodb/table.go
    "aws:dynamodb/table:Table": (
        "hashKey",
        "localSecondaryIndexes",
        "name",
        "rangeKey",
        "restoreDateTime",
        "restoreSourceName",
        "restoreToLatestTime",
    ),
}

STATEFUL_TYPES = frozenset(FORCES_REPLACEMENT)


@dataclass(frozen=True)
class DataLoss:
    """One stateful resource the preview would delete or replace, and why."""

    type: str
    name: str
    urn: str
    component: str
    """The top-level component it belongs to (``db`` for ``db-db``), as the spec names it."""
    action: str  # "delete" or "replace"
    reason: str
    suggestion: str = ""

    def __str__(self) -> str:
        text = f"{self.action} {self.type} {self.name} ({self.component}): {self.reason}"
        return f"{text}\n    hint: {self.suggestion}" if self.suggestion else text

    def as_dict(self) -> dict[str, str]:
        return {
            "type": self.type,
            "name": self.name,
            "urn": self.urn,
            "component": self.component,
            "action": self.action,
            "reason": self.reason,
            "suggestion": self.suggestion,
        }


def find_data_loss(
    previous: dict[str, dict[str, Any]] | None, current: Iterable[PreviewResource]
) -> list[DataLoss]:
    """Every stateful resource of ``previous`` that ``current`` deletes or replaces."""
    if not previous:
        return []
    current = list(current)
    losses: list[DataLoss] = []
    matched: set[str] = set()
    for resource in current:
        before_urn = previous_urn(resource, previous)
        if before_urn is None:
            continue
        matched.add(before_urn)
        before = previous[before_urn]
        if resource.type not in STATEFUL_TYPES or before.get("type") != resource.type:
            continue
        changed = _forcing_changes(resource, before.get("inputs") or {})
        if changed:
            losses.append(
                DataLoss(
                    resource.type,
                    resource.name,
                    resource.urn,
                    _component(before_urn, previous),
                    "replace",
                    "; ".join(changed),
                )
            )
    created = _created_components(current, matched)
    for urn, before in sorted(previous.items()):
        if urn in matched or before.get("type") not in STATEFUL_TYPES:
            continue
        component = _component(urn, previous)
        root_type = previous.get(_root(urn, previous), {}).get("type", "")
        candidates = created.get(root_type, [])
        hint = (
            "if it was renamed, add `renamed_from: "
            f"{component}` to {' or '.join(candidates)} in the spec so it keeps its data"
            if candidates
            else "if it was renamed, add `renamed_from: "
            f"{component}` to its new name in the spec so it keeps its data"
        )
        losses.append(
            DataLoss(
                before["type"],
                before.get("name", urn.rsplit("::", 1)[-1]),
                urn,
                component,
                "delete",
                f"{component} is no longer in the program",
                hint,
            )
        )
    return losses


def _forcing_changes(resource: PreviewResource, before: dict[str, Any]) -> list[str]:
    keys = set(FORCES_REPLACEMENT[resource.type]) | set(
        resource.options.get("replaceOnChanges", [])
    )
    changes = []
    for key in sorted(keys):
        old, new = before.get(key), resource.inputs.get(key)
        if old == new or UNKNOWN in (old, new):
            continue
        changes.append(f"{key} {_show(old)} -> {_show(new)} forces a new resource")
    return changes


def _show(value: Any) -> str:
    return "(unset)" if value is None else repr(value)


def _root(urn: str, resources: dict[str, dict[str, Any]]) -> str:
    seen = 0
    while seen < 50:
        parent = resources.get(urn, {}).get("parent")
        if not parent or parent not in resources:
            return urn
        urn, seen = parent, seen + 1
    return urn


def _component(urn: str, resources: dict[str, dict[str, Any]]) -> str:
    root = _root(urn, resources)
    return str(resources.get(root, {}).get("name") or root.rsplit("::", 1)[-1])


def _created_components(current: list[PreviewResource], matched: set[str]) -> dict[str, list[str]]:
    """Top-level resources with no previous identity, by type: candidates for a rename."""
    urns = {r.urn for r in current}
    created: dict[str, list[str]] = {}
    for r in current:
        top = r.parent is None or r.parent not in urns
        if top and r.urn not in matched and not r.options.get("aliases"):
            created.setdefault(r.type, []).append(r.name)
    return created
