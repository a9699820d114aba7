"""What each environment encrypts in transit, as the compliance page states it.

Every datastore the program creates refuses unencrypted connections (each component's own
setting: the RDS parameter groups' ``rds.force_ssl``/``require_secure_transport``,
DocumentDB's ``tls``, ElastiCache's ``transit_encryption_enabled``, OpenSearch's
``enforce_https``, Amazon MQ's AMQPS-only listener, the S3, SQS and EFS policies' Deny on
``aws:SecureTransport`` false). What the clients of the services get depends on the
environment: an Application Load Balancer serves HTTPS only when its environment has a
domain (a certificate needs one), and otherwise plain HTTP; a Network Load Balancer of a
``tls`` service terminates TLS with its ACM certificate for ``<service>.<domain>``, while a
``tcp`` or ``udp`` one passes the bytes through as they come (encrypted only when the
application does TLS itself: ``app_tls``). Inside the VPC, load balancers and Service
Connect callers reach the tasks in plain HTTP or TCP.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...plan.model import DeploymentModel, EnvironmentPlan

# What each engine's component enforces, in the page's words.
_DATASTORES = {
    "postgres": "PostgreSQL (RDS): TLS required (`rds.force_ssl`)",
    "mysql": "MySQL (RDS): TLS required (`require_secure_transport`)",
    "mariadb": "MariaDB (RDS): TLS required (`require_secure_transport`)",
    "sqlserver": "SQL Server (RDS): TLS required (`rds.force_ssl`)",
    "mongodb": "DocumentDB: TLS required (cluster parameter `tls`)",
    "redis": "Redis (ElastiCache): TLS required (in-transit encryption)",
    "memcached": "Memcached (ElastiCache): TLS required (in-transit encryption)",
    "opensearch": "OpenSearch: HTTPS only (TLS 1.2+), node-to-node encryption",
    "rabbitmq": "RabbitMQ (Amazon MQ): AMQPS only",
    "s3": "S3: requests without TLS denied by the bucket policy",
    "sqs": "SQS: requests without TLS denied by the queue policy",
}


@dataclass
class TransitClaim:
    environment: str
    encrypted: list[str] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)
    # A load balancer serves plain HTTP: the environment has no domain for a certificate.
    http_only: bool = False


def transit_claims(model: DeploymentModel) -> list[TransitClaim]:
    return [_claim(env) for env in model.environments]


def _claim(env: EnvironmentPlan) -> TransitClaim:
    claim = TransitClaim(env.name)
    for lb in env.load_balancers:
        where = "internet-facing" if lb.internet_facing else "internal"
        if lb.https:
            claim.encrypted.append(
                f"clients to the {lb.name} load balancer ({where}): HTTPS on {lb.domain}, "
                "TLS 1.2 or newer; HTTP only redirects"
            )
        else:
            claim.plain.append(
                f"clients to the {lb.name} load balancer ({where}): plain HTTP, since the "
                "environment has no domain to hold a certificate"
            )
            claim.http_only = True
    for s in env.services:
        if s.kind != "web" or s.protocol not in ("tcp", "udp", "tls"):
            continue
        where = "internet-facing" if s.public else "internal"
        address = s.domain or "the load balancer's AWS-generated DNS name"
        if s.protocol == "tls":
            claim.encrypted.append(
                f"clients to {s.name} ({where} Network Load Balancer, TLS port {s.port} on "
                f"{address}): TLS 1.2 or newer, terminated by the load balancer with an ACM "
                "certificate; plain TCP from it to the tasks"
            )
        elif s.app_tls:
            claim.encrypted.append(
                f"clients to {s.name} ({where} Network Load Balancer, TCP port {s.port} on "
                f"{address}): TLS end to end by the application itself (`app_tls`); the "
                "load balancer passes the bytes through"
            )
        else:
            claim.plain.append(
                f"clients to {s.name} ({where} Network Load Balancer, {s.protocol.upper()} "
                f"port {s.port} on {address}): passed through as sent, in cleartext unless the "
                "application encrypts it itself"
                + (
                    " (`protocol: tls` has the load balancer terminate TLS)"
                    if s.protocol == "tcp"
                    else ""
                )
            )
    for site in env.static_sites:
        claim.encrypted.append(
            f"visitors to the {site.name} static site: HTTPS through CloudFront (HTTP "
            "redirects), TLS 1.2 or newer"
            if site.domain
            else f"visitors to the {site.name} static site: HTTPS through CloudFront's own "
            "domain (HTTP redirects)"
        )
    engines = list(dict.fromkeys(d.engine for d in env.datastores))
    for engine in engines:
        names = ", ".join(d.name for d in env.datastores if d.engine == engine)
        if engine in _DATASTORES:
            claim.encrypted.append(f"{_DATASTORES[engine]} ({names})")
    if env.volumes:
        names = ", ".join(v.name for v in env.volumes)
        claim.encrypted.append(
            f"EFS ({names}): mounted with TLS; the file system policy denies mounts without it"
        )
    if any(s.kind != "job" and s.port for s in env.services):
        claim.plain.append(
            "load balancers and Service Connect callers to the tasks, inside the VPC: plain "
            "HTTP or TCP (TLS ends at the load balancer)"
        )
    return claim
