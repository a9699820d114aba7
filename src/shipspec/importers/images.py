"""Which container images are datastores that AWS runs as a managed service, and which version.

A compose file runs its database as a container; on AWS the same role is a managed
service with backups, failover and encryption that shipspec already plans. Images are
matched by name whatever the registry or namespace (``postgres``,
``docker.io/library/postgres``, ``bitnami/postgresql``, ``postgis/postgis``,
``ghcr.io/immich-app/postgres``). The tag's version is carried over when AWS offers
it; a version AWS lacks is a warning (the planner's default is used and the upgrade
must be tested), except for MongoDB, where DocumentDB implements specific API
versions only, so a missing version is an incompatibility. The version tables are
dated: check them when AWS adds versions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Checked against the AWS documentation in 2025-11.
OFFERED: dict[str, tuple[str, ...]] = {
    "postgres": ("13", "14", "15", "16", "17", "18"),
    "mysql": ("8.0", "8.4"),
    "mariadb": ("10.5", "10.6", "10.11", "11.4", "11.8"),
    "redis": ("6.2", "7.0", "7.1"),
    "memcached": ("1.6",),
    "mongodb": ("4.0", "5.0", "8.0"),
    "rabbitmq": ("3.13", "4.2"),
}
SERVICE = {
    "postgres": "Amazon RDS for PostgreSQL",
    "mysql": "Amazon RDS for MySQL",
    "mariadb": "Amazon RDS for MariaDB",
    "redis": "Amazon ElastiCache (Redis OSS)",
    "memcached": "Amazon ElastiCache for Memcached",
    "mongodb": "Amazon DocumentDB",
    "rabbitmq": "Amazon MQ for RabbitMQ",
    "s3": "Amazon S3",
    "sqs": "Amazon SQS",
    "sqlserver": "Amazon RDS for SQL Server",
    "opensearch": "Amazon OpenSearch Service",
}
_BY_NAME = {
    "postgres": "postgres", "postgresql": "postgres", "postgis": "postgres", "pgvector": "postgres",
    "postgresql-repmgr": "postgres", "timescaledb": "postgres", "timescaledb-ha": "postgres",
    "mysql": "mysql", "mysql-server": "mysql", "percona-server": "mysql", "mariadb": "mariadb",
    "redis": "redis", "valkey": "redis", "redis-stack": "redis", "redis-stack-server": "redis",
    "redismod": "redis", "memcached": "memcached", "mongo": "mongodb", "mongodb": "mongodb",
    "mongodb-community-server": "mongodb", "rabbitmq": "rabbitmq", "minio": "s3",
    "elasticmq": "sqs", "elasticmq-native": "sqs", "localstack": "localstack",
}  # fmt: skip
# Environment variables that only make sense to the database image itself.
_SIGNATURE = (
    (re.compile(r"^POSTGRES(QL)?_(PASSWORD|DB|DATABASE|USER|INITDB_ARGS)"), "postgres"),
    (re.compile(r"^MARIADB_(ROOT_PASSWORD|DATABASE|USER)"), "mariadb"),
    (
        re.compile(r"^MYSQL_(ROOT_PASSWORD|ALLOW_EMPTY_PASSWORD|RANDOM_ROOT_PASSWORD|DATABASE)"),
        "mysql",
    ),
    (re.compile(r"^MONGO_INITDB_"), "mongodb"),
    (re.compile(r"^RABBITMQ_DEFAULT_"), "rabbitmq"),
)
_UNSUPPORTED_EXTENSIONS = ("vectorchord", "pgvecto", "timescale")
_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")


@dataclass(frozen=True)
class ImageRef:
    registry: str
    repository: str
    name: str
    tag: str | None


def parse_image(reference: str) -> ImageRef:
    """``docker.io/library/postgres:16-alpine@sha256:...`` → its parts, lowercased."""
    text = reference.strip().split("@", 1)[0]
    parts = text.split("/")
    registry = "docker.io"
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry = parts.pop(0)
    last = parts[-1]
    name, _, tag = last.partition(":")
    parts[-1] = name
    repository = "/".join(parts).lower()
    repository = repository.removeprefix("library/")
    return ImageRef(registry.lower(), repository, name.lower(), tag or None)


def engine_of(image: ImageRef | None, env_names: list[str] = ()) -> tuple[str | None, str]:  # type: ignore[assignment]
    """The spec engine an image plays (or ``localstack``), and how it was recognised."""
    if image is not None and image.name in _BY_NAME:
        return _BY_NAME[image.name], f"image {image.repository}"
    for pattern, engine in _SIGNATURE:
        if any(pattern.match(name) for name in env_names):
            return engine, "its environment (" + ", ".join(
                sorted(n for n in env_names if pattern.match(n))[:2]
            ) + ")"
    return None, ""


def unsupported_extension(image: ImageRef) -> str | None:
    text = f"{image.repository}:{image.tag or ''}"
    return next((ext for ext in _UNSUPPORTED_EXTENSIONS if ext in text), None)


@dataclass(frozen=True)
class VersionChoice:
    version: str | None
    note: str | None
    incompatible: bool = False


def choose_version(
    engine: str, image: ImageRef, *, allow_incompatible: bool = False
) -> VersionChoice:
    """The spec ``version`` for ``engine`` from the image tag, and what to tell the user."""
    offered = OFFERED.get(engine)
    tag = image.tag or ""
    match = _VERSION.match(tag)
    if offered is None or match is None:
        if offered and engine == "mongodb":
            return VersionChoice(
                None,
                f"untagged `{image.repository}` follows the newest MongoDB; check it "
                f"against {SERVICE[engine]} {offered[-1]}",
            )
        return VersionChoice(None, None)
    major, minor = match.group(1), match.group(2)
    service = SERVICE[engine]
    if image.name == "valkey":
        return VersionChoice(
            None,
            f"Valkey {tag} is Redis-compatible; shipspec deploys {service} {OFFERED['redis'][-1]}",
        )
    if engine == "postgres":
        wanted = major if int(major) >= 10 else f"{major}.{minor or 0}"
        series = [v for v in offered if v == wanted]
    else:
        wanted = f"{major}.{minor}" if minor is not None else major
        series = [v for v in offered if v == wanted or (minor is None and v.split(".")[0] == major)]
    if series:
        chosen = series[-1]
        note = (
            None
            if chosen == wanted
            else f"tag {tag} follows the newest {major}.x; {service} offers {chosen}"
        )
        return VersionChoice(chosen, note)
    listed = ", ".join(offered)
    if engine != "mongodb":
        return VersionChoice(
            None,
            f"{service} does not offer version {wanted} (it offers {listed}); the planner's "
            "default is used: test the upgrade",
        )
    higher = [v for v in offered if _key(v) > _key(wanted)]
    if allow_incompatible:
        chosen = higher[0] if higher else offered[-1]
        return VersionChoice(
            chosen,
            f"MongoDB {wanted} is not an {service} version ({listed}); {chosen} is used "
            "because of --allow-incompatible",
            True,
        )
    return VersionChoice(
        None,
        f"MongoDB {wanted} is not an {service} version (it implements {listed}); the "
        "application must be tested against one of those",
        True,
    )


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))
