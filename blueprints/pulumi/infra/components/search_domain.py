"""An Amazon OpenSearch Service domain inside the VPC, reached only by the services that use it.

Encrypted at rest and between nodes, HTTPS only with a TLS 1.2 policy, in the private
subnets behind a security group that opens per consumer. Access is IAM-based: the
domain's resource policy admits principals of this account, and a service may call it
only if its task role is granted ``es:ESHttp*`` on this domain, which ``uses`` does for
exactly the services that name it. Requests are signed with SigV4 (service ``es``), so
there is no master password to leak or rotate.

Production spreads data nodes over two or three AZs (zone awareness) with three
dedicated master nodes; automated hourly snapshots are the service's own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._datastore import IngressGate, Use
from ._names import original_name
from .search_logs import SearchLogs

PORT = 443
TLS_POLICY = "Policy-Min-TLS-1-2-PFS-2023-10"  # TLS 1.2 or later, forward secrecy only
HTTP_ACTIONS = ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"]


def domain_name(project: str, stack: str, name: str) -> str:
    """``<project>-<stack>-<name>`` within OpenSearch's rule: 3-28 characters, a lowercase
    letter first, then lowercase letters, digits and hyphens; a longer name keeps a
    readable head and a hash of the whole, so it stays distinct and stable."""
    full = f"{project}-{stack}-{name}"
    cleaned = re.sub(r"[^a-z0-9]+", "-", full.lower()).strip("-")
    if not cleaned[:1].isalpha():
        cleaned = f"d-{cleaned}"
    if len(cleaned) > 28:
        digest = hashlib.sha256(full.encode()).hexdigest()[:6]
        cleaned = f"{cleaned[:21].rstrip('-')}-{digest}"
    return cleaned.ljust(3, "x")


class SearchDomain(pulumi.ComponentResource):
    """OpenSearch Service domain in ``subnet_ids`` with IAM-based access.

    Args:
        name: Component name, prefix of every child resource name.
        engine_version: OpenSearch version, e.g. ``"2.19"``.
        instance_type: Data node type, e.g. ``"r6g.large.search"``.
        instance_count: Data nodes; 2 or 3 turn on zone awareness across that many AZs.
        master_count: Dedicated master nodes (0 or 3).
        master_type: Their type, e.g. ``"m6g.large.search"``.
        volume_size: gp3 EBS GiB per data node.
        vpc_id: VPC of the domain.
        subnet_ids: Private subnets; the domain takes one per AZ it uses.
        protect: Pulumi refuses to delete or replace the domain (production).
        kms_key_arn: Customer-managed KMS key for encryption at rest.
        import_id: Adopt the existing domain of this name instead of creating one
            (Pulumi's ``import`` option).
        logs: The stack's ``SearchLogs``: the domain publishes its slow and application
            logs to the groups it holds for this domain, once its policy exists.

    ``identifier`` is the domain name (the ``DomainName`` dimension of AWS/ES metrics).
    """

    endpoint: pulumi.Output[str]
    identifier: pulumi.Output[str]
    arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    @staticmethod
    def physical_name(name: str) -> str:
        """The domain name a component first created as ``name`` gets in this stack."""
        return domain_name(pulumi.get_project(), pulumi.get_stack(), name)

    def __init__(
        self,
        name: str,
        *,
        engine_version: str,
        instance_type: str,
        instance_count: int,
        volume_size: int,
        vpc_id: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        master_count: int = 0,
        master_type: str | None = None,
        protect: bool = False,
        kms_key_arn: pulumi.Input[str] | None = None,
        import_id: str | None = None,
        logs: SearchLogs | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:SearchDomain", name, None, opts)
        if not 1 <= instance_count <= 80:
            raise ValueError(f"instance_count must be 1-80, got {instance_count}")
        if master_count not in (0, 3, 5):
            raise ValueError(f"master_count must be 0, 3 or 5, got {master_count}")
        if master_count and not master_type:
            raise ValueError("dedicated master nodes need master_type, e.g. m6g.large.search")
        kept = original_name(name, opts)
        physical = import_id or self.physical_name(kept)
        zones = min(instance_count, 3)
        self._gate = IngressGate(
            self,
            name,
            vpc_id=vpc_id,
            kind="search domain",
            port=PORT,
            description="HTTPS",
            label=kept,
        )
        sg = self._gate.security_group
        invoke = pulumi.InvokeOutputOptions(parent=self)
        region = aws.get_region_output(opts=invoke).region
        account = aws.get_caller_identity_output(opts=invoke).account_id
        self.arn = pulumi.Output.concat("arn:aws:es:", region, ":", account, ":domain/", physical)
        zone_awareness = instance_count > 1
        domain = aws.opensearch.Domain(
            f"{name}-domain",
            domain_name=physical,
            engine_version=f"OpenSearch_{engine_version}",
            cluster_config=aws.opensearch.DomainClusterConfigArgs(
                instance_type=instance_type,
                instance_count=instance_count,
                zone_awareness_enabled=zone_awareness,
                zone_awareness_config=aws.opensearch.DomainClusterConfigZoneAwarenessConfigArgs(
                    availability_zone_count=zones
                )
                if zone_awareness
                else None,
                dedicated_master_enabled=master_count > 0,
                dedicated_master_count=master_count or None,
                dedicated_master_type=master_type if master_count else None,
            ),
            ebs_options=aws.opensearch.DomainEbsOptionsArgs(
                ebs_enabled=True, volume_type="gp3", volume_size=volume_size
            ),
            encrypt_at_rest=aws.opensearch.DomainEncryptAtRestArgs(
                enabled=True, kms_key_id=kms_key_arn
            ),
            node_to_node_encryption=aws.opensearch.DomainNodeToNodeEncryptionArgs(enabled=True),
            domain_endpoint_options=aws.opensearch.DomainDomainEndpointOptionsArgs(
                enforce_https=True, tls_security_policy=TLS_POLICY
            ),
            vpc_options=aws.opensearch.DomainVpcOptionsArgs(
                # One subnet per AZ the domain uses, never more (the API refuses that).
                subnet_ids=pulumi.Output.from_input(subnet_ids).apply(lambda ids: ids[:zones]),
                security_group_ids=[sg.id],
            ),
            # Principals of this account only; each service's own IAM policy (from `uses`)
            # decides which of them may call it.
            access_policies=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {
                                "AWS": pulumi.Output.concat("arn:aws:iam::", account, ":root")
                            },
                            "Action": "es:ESHttp*",
                            "Resource": pulumi.Output.concat(self.arn, "/*"),
                        }
                    ],
                }
            ),
            log_publishing_options=logs.publishing_options(physical) if logs else None,
            # OpenSearch refuses log groups whose resource policy does not admit it yet.
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=protect,
                import_=import_id,
                depends_on=[logs.policy] if logs else None,
            ),
        )
        self._host = domain.endpoint
        self.endpoint = pulumi.Output.concat("https://", domain.endpoint)
        self.identifier = domain.domain_name
        self.security_group_id = sg.id
        self.metric_ids = {"id": [domain.domain_name], "client": [account]}
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "identifier": self.identifier,
                "security_group_id": self.security_group_id,
            }
        )

    @property
    def port(self) -> int:
        return PORT

    def allow_from(self, consumer_name: str, security_group_id: pulumi.Input[str]) -> None:
        self._gate.allow(consumer_name, security_group_id)

    def environment(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        return {
            f"{prefix}_HOST": self._host,
            f"{prefix}_PORT": str(PORT),
            f"{prefix}_URL": self.endpoint,
            # Sign each request with the task role's credentials (SigV4, service "es").
            f"{prefix}_AUTH": "iam",
        }

    def secrets(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        return {}

    def policy_statements(self, use: Use) -> list[dict[str, Any]]:
        return [
            {
                "Effect": "Allow",
                "Action": HTTP_ACTIONS,
                "Resource": [self.arn, pulumi.Output.concat(self.arn, "/*")],
            }
        ]
