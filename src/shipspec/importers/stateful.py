"""Stateful server images the spec has no datastore engine for: never a stateless worker.

A compose file runs its search index, message log or graph database as a container with a
volume. Imported as a ``worker`` it would lose its data with every task and no other
service could reach it (issue 13). Each image here is mapped to the AWS managed service
that plays its role: when the spec has an engine for that service (``sqlserver`` and
``opensearch`` are agreed names for RDS for SQL Server and Amazon OpenSearch Service), the
image becomes that datastore; otherwise the import reports it incompatible, naming the
service to provision outside shipspec. Matched by repository (``mssql/server``) or image
name (``kafka``) whatever the registry.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass

from ..spec.models import Datastore
from .images import ImageRef


@dataclass(frozen=True)
class Stateful:
    what: str  # what the image is
    service: str  # the AWS managed service in its place
    engine: str | None = None  # the spec engine for that service, once the spec has it


# Sources: the AWS service pages for RDS for SQL Server, OpenSearch Service, MSK, Keyspaces,
# Neptune, Timestream for InfluxDB, MemoryDB, Amazon MQ; checked 2026-12.
_BY_REPOSITORY: dict[str, Stateful] = {
    "mssql/server": Stateful("SQL Server", "Amazon RDS for SQL Server", "sqlserver"),
    "mssql/rhel/server": Stateful("SQL Server", "Amazon RDS for SQL Server", "sqlserver"),
    "azure-sql-edge": Stateful("Azure SQL Edge", "Amazon RDS for SQL Server", "sqlserver"),
}
_BY_NAME: dict[str, Stateful] = {
    "elasticsearch": Stateful("Elasticsearch", "Amazon OpenSearch Service", "opensearch"),
    "opensearch": Stateful("OpenSearch", "Amazon OpenSearch Service", "opensearch"),
    "kafka": Stateful("Apache Kafka", "Amazon MSK"),
    "cp-kafka": Stateful("Apache Kafka", "Amazon MSK"),
    "cp-server": Stateful("Apache Kafka", "Amazon MSK"),
    "redpanda": Stateful("Redpanda (Kafka API)", "Amazon MSK"),
    "zookeeper": Stateful("ZooKeeper", "Amazon MSK (which runs its own)"),
    "cp-zookeeper": Stateful("ZooKeeper", "Amazon MSK (which runs its own)"),
    "cassandra": Stateful("Apache Cassandra", "Amazon Keyspaces"),
    "scylla": Stateful("ScyllaDB (Cassandra API)", "Amazon Keyspaces"),
    "neo4j": Stateful("Neo4j", "Amazon Neptune"),
    "influxdb": Stateful("InfluxDB", "Amazon Timestream for InfluxDB"),
    "couchdb": Stateful("CouchDB", "Amazon DocumentDB or DynamoDB"),
    "etcd": Stateful("etcd", "no managed etcd: Amazon EKS runs its own, DynamoDB for app state"),
    "clickhouse-server": Stateful("ClickHouse", "Amazon Redshift (or ClickHouse Cloud)"),
    "clickhouse": Stateful("ClickHouse", "Amazon Redshift (or ClickHouse Cloud)"),
    "nats": Stateful("NATS", "Amazon MQ or SNS/SQS"),
    "activemq": Stateful("ActiveMQ", "Amazon MQ for ActiveMQ"),
    "activemq-classic": Stateful("ActiveMQ", "Amazon MQ for ActiveMQ"),
    "activemq-artemis": Stateful("ActiveMQ Artemis", "Amazon MQ for ActiveMQ"),
    "cockroach": Stateful("CockroachDB", "Amazon Aurora PostgreSQL (not wire-identical)"),
    "solr": Stateful("Apache Solr", "Amazon OpenSearch Service (a migration)"),
    "qdrant": Stateful("Qdrant", "Amazon OpenSearch Service vector search"),
    "weaviate": Stateful("Weaviate", "Amazon OpenSearch Service vector search"),
    "milvus": Stateful("Milvus", "Amazon OpenSearch Service vector search"),
    "dynamodb-local": Stateful("DynamoDB Local", "Amazon DynamoDB"),
}


def stateful_image(image: ImageRef) -> Stateful | None:
    """What stateful server ``image`` is, and the AWS service in its place, or None."""
    return _BY_REPOSITORY.get(image.repository) or _BY_NAME.get(image.name)


def spec_engines() -> frozenset[str]:
    """The datastore engines this version of the spec accepts."""
    return frozenset(typing.get_args(Datastore.model_fields["engine"].annotation))


def stateful_names() -> frozenset[str]:
    """The image names of :data:`_BY_NAME`."""
    return frozenset(_BY_NAME)
