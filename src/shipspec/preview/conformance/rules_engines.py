"""Rules for the engines of stateful images: RDS for SQL Server and Amazon OpenSearch Service.

Limits botocore's models state (the domain name's length and pattern, the TLS policies,
EBS volume types, instance types) are read from botocore when a check runs; the rest
cite the AWS page that states them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .model import Botocore, Finding, Predicate, Resource, Rule, is_unknown

RDS_INSTANCE = "aws:rds/instance:Instance"
DOMAIN = "aws:opensearch/domain:Domain"
RDS_API = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html"
SQLSERVER_GUIDE = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide"
OPENSEARCH_GUIDE = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide"
_GRAVITON = re.compile(r"^db\.[a-z]+\d+g")


def _sqlserver(r: Resource) -> str | None:
    engine = r.inputs.get("engine")
    return engine if isinstance(engine, str) and engine.startswith("sqlserver-") else None


def _sqlserver_no_db_name(r: Resource) -> Iterable[Finding]:
    if _sqlserver(r) and r.inputs.get("dbName") not in (None, ""):
        yield Finding("dbName", r.inputs["dbName"], "RDS for SQL Server takes no DBName")


def _sqlserver_storage(r: Resource) -> Iterable[Finding]:
    size = r.inputs.get("allocatedStorage")
    if _sqlserver(r) and isinstance(size, int) and not 20 <= size <= 16384:
        yield Finding("allocatedStorage", size, "gp2/gp3 storage for SQL Server is 20-16384 GiB")


def _sqlserver_class(r: Resource) -> Iterable[Finding]:
    klass = r.inputs.get("instanceClass")
    if _sqlserver(r) and isinstance(klass, str) and _GRAVITON.match(klass):
        yield Finding("instanceClass", klass, "RDS for SQL Server runs on no Graviton class")


def _sqlserver_multi_az(r: Resource) -> Iterable[Finding]:
    engine = _sqlserver(r)
    if engine in ("sqlserver-ex",) and r.inputs.get("multiAz") is True:
        yield Finding("multiAz", True, "SQL Server Express has no Multi-AZ deployments")


def _sqlserver_no_iam_auth(r: Resource) -> Iterable[Finding]:
    if _sqlserver(r) and r.inputs.get("iamDatabaseAuthenticationEnabled") is True:
        yield Finding(
            "iamDatabaseAuthenticationEnabled",
            True,
            "IAM database authentication is for MariaDB, MySQL and PostgreSQL only",
        )


def _zone_awareness(r: Resource) -> Iterable[Finding]:
    cluster = r.inputs.get("clusterConfig") or {}
    count = cluster.get("instanceCount")
    zones = (cluster.get("zoneAwarenessConfig") or {}).get("availabilityZoneCount", 2)
    if cluster.get("zoneAwarenessEnabled") is True and isinstance(count, int) and count % zones:
        yield Finding(
            "clusterConfig.instanceCount",
            count,
            f"with zone awareness over {zones} AZs the data nodes must be a multiple of {zones}",
        )
    subnets = (r.inputs.get("vpcOptions") or {}).get("subnetIds")
    wanted = zones if cluster.get("zoneAwarenessEnabled") is True else 1
    if isinstance(subnets, list) and not any(map(is_unknown, subnets)) and len(subnets) != wanted:
        yield Finding(
            "vpcOptions.subnetIds",
            len(subnets),
            f"a VPC domain takes one subnet per AZ it uses: {wanted}",
        )


def _secure_domain(r: Resource) -> Iterable[Finding]:
    options = r.inputs.get("domainEndpointOptions") or {}
    if options.get("enforceHttps") is not True:
        yield Finding(
            "domainEndpointOptions.enforceHttps", options.get("enforceHttps"), "HTTPS only"
        )
    for block in ("encryptAtRest", "nodeToNodeEncryption"):
        if (r.inputs.get(block) or {}).get("enabled") is not True:
            yield Finding(f"{block}.enabled", (r.inputs.get(block) or {}).get("enabled"), "on")


def _gp3_size(r: Resource) -> Iterable[Finding]:
    ebs = r.inputs.get("ebsOptions") or {}
    size = ebs.get("volumeSize")
    if ebs.get("volumeType") == "gp3" and isinstance(size, int) and size < 10:
        yield Finding("ebsOptions.volumeSize", size, "a gp3 volume is at least 10 GiB")


ENGINE_RULES: list[Rule] = [
    Rule(
        "rds.sqlserver.no-db-name",
        RDS_INSTANCE,
        "dbName",
        Predicate("unset for SQL Server", _sqlserver_no_db_name),
        f"{RDS_API} (DBName: RDS for SQL Server, not applicable, must be null)",
    ),
    Rule(
        "rds.sqlserver.storage",
        RDS_INSTANCE,
        "allocatedStorage",
        Predicate("20-16384 GiB of gp2/gp3 for SQL Server", _sqlserver_storage),
        f"{RDS_API} (AllocatedStorage: RDS for SQL Server)",
    ),
    Rule(
        "rds.sqlserver.instance-class",
        RDS_INSTANCE,
        "instanceClass",
        Predicate("an Intel or AMD class for SQL Server", _sqlserver_class),
        f"{SQLSERVER_GUIDE}/SQLServer.Concepts.General.InstanceClasses.html",
    ),
    Rule(
        "rds.sqlserver.multi-az-edition",
        RDS_INSTANCE,
        "multiAz",
        Predicate("no Multi-AZ on Express", _sqlserver_multi_az),
        f"{SQLSERVER_GUIDE}/USER_SQLServerMultiAZ.html",
    ),
    Rule(
        "rds.sqlserver.no-iam-auth",
        RDS_INSTANCE,
        "iamDatabaseAuthenticationEnabled",
        Predicate("off for SQL Server", _sqlserver_no_iam_auth),
        f"{SQLSERVER_GUIDE}/UsingWithRDS.IAMDBAuth.html",
    ),
    Rule(
        "opensearch.domain-name",
        DOMAIN,
        "domainName",
        Botocore("opensearch", "CreateDomain", "DomainName", "length"),
        "",
    ),
    Rule(
        "opensearch.domain-name-pattern",
        DOMAIN,
        "domainName",
        Botocore("opensearch", "CreateDomain", "DomainName", "pattern"),
        "",
    ),
    Rule(
        "opensearch.engine-version",
        DOMAIN,
        "engineVersion",
        Botocore("opensearch", "CreateDomain", "EngineVersion", "pattern"),
        "",
    ),
    Rule(
        "opensearch.tls-policy",
        DOMAIN,
        "domainEndpointOptions.tlsSecurityPolicy",
        Botocore("opensearch", "CreateDomain", "DomainEndpointOptions.TLSSecurityPolicy", "enum"),
        "",
    ),
    Rule(
        "opensearch.instance-type",
        DOMAIN,
        "clusterConfig.instanceType",
        Botocore("opensearch", "CreateDomain", "ClusterConfig.InstanceType", "enum"),
        "",
    ),
    Rule(
        "opensearch.volume-type",
        DOMAIN,
        "ebsOptions.volumeType",
        Botocore("opensearch", "CreateDomain", "EBSOptions.VolumeType", "enum"),
        "",
    ),
    Rule(
        "opensearch.gp3-size",
        DOMAIN,
        "ebsOptions.volumeSize",
        Predicate("at least 10 GiB of gp3", _gp3_size),
        f"{OPENSEARCH_GUIDE}/limits.html (EBS volume size quotas)",
    ),
    Rule(
        "opensearch.zone-awareness",
        DOMAIN,
        "clusterConfig.instanceCount, vpcOptions.subnetIds",
        Predicate("data nodes a multiple of the AZs; one subnet per AZ", _zone_awareness),
        f"{OPENSEARCH_GUIDE}/managedomains-multiaz.html",
    ),
    Rule(
        "opensearch.encrypted",
        DOMAIN,
        "domainEndpointOptions.enforceHttps, encryptAtRest, nodeToNodeEncryption",
        Predicate("HTTPS only, encrypted at rest and between nodes", _secure_domain),
        f"{OPENSEARCH_GUIDE}/fgac.html (fine-grained access control requires all three); "
        "AWS Security Hub OpenSearch.1, OpenSearch.3, OpenSearch.8",
    ),
]
