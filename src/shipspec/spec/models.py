"""The handoff spec, version 1: what a team hands over when an application is ready to ship.

This is the user's file, typed. It is deliberately separate from the internal
:class:`~shipspec.plan.model.DeploymentModel`: the spec says what the application
needs, the plan decides what AWS gets. Unknown keys are errors (``extra="forbid"``),
so a typo never silently becomes a default.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Discriminator, Field, Tag

from .base import SpecModel
from .container import (
    Command,
    ContainerCondition,
    ContainerPath,
    HealthCheck,
    Platform,
    Sidecar,
    User,
    Volume,
    container_problems,
)
from .egress import Egress, egress_list_problems
from .fargate import SizeError, fargate_size
from .network import ExistingNetwork
from .operations import ExecSetting
from .rules import Problem
from .static import (
    DEFAULT_BUILD_COMMAND,
    RELATIVE_DIR_PATTERN,
    not_static_problems,
    static_problems,
)
from .types import (
    EnvValue,
    EvidencePath,
    MemoryMiB,
    Name,
    Port,
    Schedule,
    TagValue,
    Version,
    in_range,
)

API_VERSION = "shipspec/v1"

# A job's failed, hung, dropped or missed runs: a page where alarms page, or a ticket.
OnFailure = Literal["page", "ticket"]


class Metadata(SpecModel):
    name: Name = Field(description="Application name; prefixes every resource name.")
    owner: TagValue = Field(description="Owning team, tagged on every resource.")


class Deliverable(SpecModel):
    """A deliverable of the development handoff, with the file that proves it, if any.

    ``evidence`` is a path relative to the spec file (a test report, a security review);
    ``shipspec session start`` records whether it exists. It must stay inside the
    repository, so it may not be absolute.
    """

    name: str = Field(min_length=1, description="What was delivered, e.g. `test report`.")
    evidence: EvidencePath | None = Field(
        default=None,
        description="A file proving it, relative to the spec file, e.g. reports/junit.xml.",
    )


def _named_deliverable(value: Any) -> Any:
    """A bare name is a deliverable without evidence: `tests-passing` = `{name: tests-passing}`."""
    return {"name": value} if isinstance(value, str) else value


class Development(SpecModel):
    """The Phase 6 (development) handoff this deployment starts from."""

    phase: Annotated[
        int, in_range(1, 8, "the protocol phase the handoff completes: 6 for development")
    ] = 6
    status: Literal["complete", "in-progress"]
    approved_by: str | None = Field(default=None, description="Who approved the handoff.")
    deliverables: list[
        Annotated[
            Deliverable,
            BeforeValidator(_named_deliverable, json_schema_input_type=str | Deliverable),
        ]
    ] = Field(
        default_factory=list,
        description="What development hands over: a name, or {name, evidence: path}.",
    )


class Cloud(SpecModel):
    provider: Literal["aws"] = "aws"
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$", description="e.g. eu-west-1")
    state: str | None = Field(
        default=None,
        pattern=r"^(s3://[a-z0-9.\-]{3,63}(/.*)?|https://.+|file://.+)$",
        description="Pulumi state backend URL; Pulumi Cloud when omitted.",
    )
    network: ExistingNetwork | None = Field(
        default=None,
        description="Deploy into this existing VPC and its subnets instead of creating a VPC.",
    )


class Environment(SpecModel):
    """One deployment environment. Their order in the spec is the promotion order."""

    approval: Literal["required", "none"] = "none"
    domain: str | None = Field(
        default=None,
        max_length=253,
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
        description="Serve public web services on this name over HTTPS.",
    )
    hosted_zone: str | None = Field(
        default=None,
        max_length=253,
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z]{2,63}$",
        description="Route 53 zone holding `domain`; defaults to the domain's parent.",
    )
    production: bool | None = Field(
        default=None,
        description="Size and protect as production; defaults to true for "
        "prod/production/prd/live.",
    )
    services: dict[Name, ServiceOverride] = Field(
        default_factory=dict,
        description="What this environment changes on a service: cpu, memory, scaling, env.",
    )
    datastores: dict[Name, DatastoreOverride] = Field(
        default_factory=dict,
        description="What this environment changes on a datastore: instance_class, "
        "storage_gb, backup_days, import_id.",
    )
    network: ExistingNetwork | None = Field(
        default=None,
        description="This environment's existing VPC and subnets, over `cloud.network`.",
    )

    def _problems(self) -> Iterator[Problem]:
        zone, domain = self.hosted_zone, self.domain
        if zone is not None and domain is None:
            yield Problem(
                ("hosted_zone",),
                "`hosted_zone` is only used with `domain`",
                "add the `domain` to serve, or remove `hosted_zone`",
                ("hosted_zone", "domain"),
            )
        elif zone is not None and domain is not None and not f".{domain}".endswith(f".{zone}"):
            yield Problem(
                ("hosted_zone",),
                f"zone {zone} cannot hold the domain {domain}",
                f"use the zone that {domain} is in, e.g. {domain.split('.', 1)[-1]}",
                ("hosted_zone", "domain"),
            )


class Build(SpecModel):
    context: str = Field(min_length=1)
    dockerfile: str = "Dockerfile"
    # type: static only (spec/static.py): the command that writes the site's files, and
    # the folder it writes them to, relative to `context`.
    command: str | None = Field(
        default=None,
        min_length=1,
        description=f"Static sites: the build command; default `{DEFAULT_BUILD_COMMAND}`.",
    )
    output: str | None = Field(
        default=None,
        pattern=RELATIVE_DIR_PATTERN,
        description="Static sites: the folder the build writes, relative to `context`.",
    )


class Health(SpecModel):
    # An HTTP request path: ALB takes 1-1024 characters starting with "/"; a control or
    # non-ASCII character cannot go on the request line unencoded (write %XX).
    path: str = Field(default="/health", max_length=1024, pattern=r"^/[\x21-\x7e]*$")
    grace_seconds: Annotated[
        int, in_range(0, 3600, "seconds a new task may fail health checks while it starts")
    ] = 30
    port: Port | None = Field(
        default=None,
        description="tcp and udp services: the TCP port the Network Load Balancer checks "
        "(required for udp); the traffic port when omitted.",
    )
    # ALB HTTP health checks: Matcher.HttpCode, "200", "200,202" or "200-299" within 200-499
    # (ELBv2 API reference, Matcher). The default 200-399 is what the plan uses when unset.
    matcher: str | None = Field(
        default=None,
        pattern=r"^[0-9]{3}(-[0-9]{3})?(,[0-9]{3}(-[0-9]{3})?)*$",
        description="HTTP web services: the status codes that pass the load balancer's check "
        '(default "200-399"); "200-499" passes any server that answers at all, for an image '
        "whose health endpoint is not known.",
    )

    def _problems(self) -> Iterator[Problem]:
        for part in (self.matcher or "").split(","):
            low, _, high = part.partition("-")
            if part and not (200 <= int(low) <= int(high or low) <= 499):
                yield Problem(
                    ("matcher",),
                    f"{part!r}: an ALB passes HTTP codes 200-499, in ranges low-high",
                    'e.g. "200-399", or "200-499" for any answer but a server error',
                    ("matcher",),
                )


class Scaling(SpecModel):
    min: Annotated[int, in_range(0, 1000, "tasks kept running at the least")] = 1
    max: Annotated[int, in_range(1, 1000, "tasks autoscaling may add up to")] = 4
    cpu_target: Annotated[
        int, in_range(10, 95, "the average CPU % autoscaling aims for, e.g. 60")
    ] = 60
    # Workers (spec/queue_scaling.py): scale on this SQS datastore's backlog per task.
    queue: Name | None = Field(
        default=None, description="An SQS datastore the worker consumes: scale on its backlog."
    )
    messages_per_task: (
        Annotated[int, in_range(1, 100_000, "visible messages one task may have waiting")] | None
    ) = None

    def _problems(self) -> Iterator[Problem]:
        if self.min > self.max:
            yield Problem(
                (),
                f"min ({self.min}) must not exceed max ({self.max})",
                "lower `min` or raise `max`",
                ("min", "max"),
            )
        if self.messages_per_task is not None and self.queue is None:
            yield Problem(
                ("messages_per_task",),
                "`messages_per_task` needs `queue`: the SQS datastore whose backlog it divides",
                "add `queue: <sqs datastore>`, or remove `messages_per_task`",
                ("queue", "messages_per_task"),
            )
        if self.queue is not None and "cpu_target" in self.model_fields_set:
            yield Problem(
                ("cpu_target",),
                "a worker scaling on its queue does not also track CPU: both policies would "
                "fight over the task count",
                "remove `cpu_target`, or remove `queue` to scale on CPU",
                ("queue", "cpu_target"),
            )


class ServiceOverride(SpecModel):
    """``environments.<env>.services.<name>``: this environment's size, scaling and settings.

    Each field set here replaces the service's own for this environment (``env`` is
    merged over the service's ``env``); the plan says the spec set it.
    """

    cpu: (
        Annotated[float, in_range(0.25, 16, "vCPU: Fargate runs 0.25, 0.5, 1, 2, 4, 8 or 16")]
        | None
    ) = None
    memory: MemoryMiB | None = None
    scaling: Scaling | None = None
    env: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], EnvValue] = Field(
        default_factory=dict
    )
    egress: list[Egress] | None = Field(
        default=None,
        description="This environment's outbound allowances: replace the service's `egress` "
        "(e.g. another relay's range); `[]` removes them here.",
    )

    def _problems(self) -> Iterator[Problem]:
        yield from egress_list_problems(self.egress or [], ("egress",))


class DatastoreOverride(SpecModel):
    """``environments.<env>.datastores.<name>``: this environment's class, storage, backups."""

    instance_class: str | None = Field(
        default=None,
        pattern=r"^((db|cache|mq)\.[a-z0-9-]+\.[a-z0-9]+|[a-z0-9]+\.[a-z0-9]+\.search)$",
        description="e.g. db.r7g.large, cache.t4g.small, mq.m5.large, r6g.large.search",
    )
    storage_gb: (
        Annotated[int, in_range(20, 65536, "GB of storage: RDS gp3 takes 20-65536")] | None
    ) = None
    backup_days: Annotated[int, in_range(0, 35, "days of backups: AWS keeps 0-35")] | None = None
    import_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=1024,
        pattern=r"^\S+$",
        description="Adopt the existing resource with this identifier in this environment "
        "(Pulumi import): an RDS DB identifier, a replication group id, a bucket name, a "
        "queue URL... (docs/adopt.md).",
    )


# What a service does with a datastore: for the engines whose API access is per action
# (S3 and SQS) it scopes the service's IAM actions; for a RabbitMQ broker, reached over the
# network with credentials like the others, it grants nothing and says whether the service
# consumes, which decides whether the broker's `no-consumers` alarm pages
# (`plan.engine_alarms.broker_consumers_alarm`). Which access fits which engine is checked
# against the datastore in `checks.check_references`.
Access = Literal["read", "read-write", "read-write-delete", "produce", "consume", "produce-consume"]
ACCESS_BY_ENGINE: dict[str, tuple[str, ...]] = {
    "s3": ("read", "read-write", "read-write-delete"),
    "sqs": ("produce", "consume", "produce-consume"),
    "rabbitmq": ("produce", "consume", "produce-consume"),
}


class DatastoreUse(SpecModel):
    """``{name: orders, access: consume}``: a use with its access (a plain name: the default)."""

    name: Name
    access: Access | None = Field(
        default=None,
        description="s3: read, read-write (default) or read-write-delete; sqs: produce, "
        "consume or produce-consume (default: consume for workers, produce otherwise), the "
        "IAM actions granted; rabbitmq: produce, consume or produce-consume (no default, "
        "grants nothing): the broker's no-consumers alarm pages only when a web service or "
        "worker says it consumes.",
    )


class DatastoreSecret(SpecModel):
    """``{name: DB_PASSWORD, from: db.password}``: a datastore's credential as an ECS secret.

    ``from`` is ``<datastore>.<key>``, a JSON key of the Secrets Manager secret the stack
    creates for that datastore (``spec/datastore_refs.CREDENTIAL_KEYS``); checked against
    the service's ``uses`` in ``checks.check_references``.
    """

    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    from_: str = Field(
        alias="from",
        pattern=r"^[a-z][a-z0-9-]*\.[a-z_]+$",
        description="<datastore>.<key>, e.g. db.password: a key of the datastore's secret.",
    )


def _secret_kind(value: Any) -> str:
    return "tag:from" if isinstance(value, dict | DatastoreSecret) else "tag:name"


# A variable name (a secret the stack creates) or a mapping taking a datastore's credential;
# discriminated so an error names the one shape the user wrote, not both.
SecretItem = Annotated[
    Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$"), Tag("tag:name")]
    | Annotated[DatastoreSecret, Tag("tag:from")],
    Discriminator(_secret_kind),
]


class Service(SpecModel):
    type: Literal["web", "worker", "job", "static"]
    image: str | None = Field(default=None, pattern=r"^\S+$")
    image_credentials: str | None = Field(
        default=None,
        pattern=r"^[A-Z_][A-Z0-9_]*$",
        description="Secret holding the private registry's username and password, "
        "e.g. REGISTRY_AUTH; the stack creates it, you set its value.",
    )
    build: Build | None = None
    # type: static (spec/static.py): a folder of ready files, and single-page-app routing.
    source: str | None = Field(
        default=None,
        pattern=RELATIVE_DIR_PATTERN,
        description="Static sites: a folder of ready files, relative to the spec file.",
    )
    spa: bool = Field(
        default=False,
        description="Static sites: unknown paths serve /index.html with 200 (client routing).",
    )
    port: Port | None = None
    protocol: Protocol = Field(
        default="http",
        description="What `port` speaks: http, grpc, or tcp/udp/tls (a Network Load Balancer; "
        "tls: the NLB terminates TLS for <service>.<domain> and forwards TCP).",
    )
    app_tls: bool = Field(
        default=False,
        description="tcp only: the application on `port` speaks TLS itself, end to end (the "
        "NLB passes the bytes through); what the compliance packs' cleartext rule asks.",
    )
    ports: list[ExtraPort] = Field(
        default_factory=list,
        description="Further ports other services call as <name>:<port> (Service Connect).",
    )
    routes: Routes | None = None
    public: bool = False
    health: Health | None = None
    cpu: Annotated[float, in_range(0.25, 16, "vCPU: Fargate runs 0.25, 0.5, 1, 2, 4, 8 or 16")] = (
        0.25
    )
    memory: MemoryMiB | None = None
    env: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], EnvValue] = Field(
        default_factory=dict
    )
    # Any environment variable name: applications read `EventBus__Password` or `Token`
    # as they are, and ECS injects a secret under whatever name the task asks for.
    # `{name: DB_PASSWORD, from: db.password}` takes a used datastore's credential instead.
    secrets: list[SecretItem] = Field(default_factory=list)
    uses: list[str | DatastoreUse] = Field(default_factory=list)
    # Other services this one calls by name (`http://<name>:<port>`), through ECS Service
    # Connect; security groups allow exactly these calls.
    calls: list[str] = Field(default_factory=list)
    egress: list[Egress] = Field(
        default_factory=list,
        description="Outbound allowances beyond HTTPS (TCP 443 to anywhere is always open): "
        "[{port: 587, to: 203.0.113.0/24, why: mail relay}]; `ports: low-high`, "
        "`protocol: udp`, `to` a CIDR or a managed prefix list id (pl-...).",
    )
    scaling: Scaling | None = None
    capacity_rps: (
        Annotated[float, in_range(1, 1_000_000, "requests per second one task serves")] | None
    ) = None
    schedule: Schedule | None = None
    on_failure: OnFailure = Field(
        default="ticket",
        description="Jobs: `page` wakes the on-call in production when a run fails, hangs, "
        "is dropped or is missed (a job with a deadline, e.g. a settlement cut-off); "
        "`ticket` (the default) opens a ticket. Non-production never pages.",
    )
    timeout_seconds: (
        Annotated[
            int,
            in_range(1, 43200, "seconds one message may take to process, at most 12 hours"),
        ]
        | None
    ) = None
    renamed_from: Name | None = Field(
        default=None,
        description="The name this service had before: it keeps its resources (Pulumi aliases).",
    )
    # How the container runs (spec/container.py): ECS container definition settings.
    command: Command | None = Field(default=None, description="Replaces the image's CMD.")
    entrypoint: Command | None = Field(default=None, description="Replaces the image's ENTRYPOINT.")
    migrate: Command | None = Field(
        default=None,
        description="Schema migration command, e.g. [python, manage.py, migrate], the exact "
        "argv the task runs (it replaces the image's ENTRYPOINT and CMD; list an entrypoint "
        "wrapper first to keep it): CI runs it as a one-off task with the master credentials "
        "of the SQL databases it uses before the service rolls to a new image, and stops the "
        "deploy if it fails or runs past 30 minutes.",
    )
    working_dir: ContainerPath | None = None
    user: User | None = Field(default=None, description="user, uid, user:group or uid:gid")
    healthcheck: HealthCheck | None = None
    stop_timeout_seconds: (
        Annotated[int, in_range(1, 120, "seconds between SIGTERM and SIGKILL; Fargate: 1-120")]
        | None
    ) = None
    read_only_root_filesystem: bool = False
    platform: Platform | None = Field(
        default=None, description="CPU architecture; the plan picks arm64 when the image has it."
    )
    spot: bool | None = Field(
        default=None, description="Run on Fargate Spot; the plan's default: outside production."
    )
    ephemeral_storage_gb: (
        Annotated[int, in_range(21, 200, "GiB of task storage: Fargate takes 21-200")] | None
    ) = None
    sidecars: dict[Name, Sidecar] = Field(default_factory=dict)
    depends_on: dict[Name, ContainerCondition] = Field(
        default_factory=dict,
        description="Sidecars the app container waits for: START, COMPLETE, SUCCESS or HEALTHY.",
    )
    volumes: dict[Name, ContainerPath] = Field(
        default_factory=dict, description="Top-level `volumes` mounted here: {name: path}."
    )
    exec: ExecSetting = None

    def datastore_uses(self) -> list[tuple[str, Access | None]]:
        """Each used datastore's name and the access the spec gives (None: the default)."""
        return [(u, None) if isinstance(u, str) else (u.name, u.access) for u in self.uses]

    def uses_datastore(self, name: str) -> bool:
        return any(used == name for used, _ in self.datastore_uses())

    def secret_names(self) -> list[str]:
        """The secrets the stack creates for this service (its own, set out of band)."""
        return [s for s in self.secrets if isinstance(s, str)]

    def datastore_secrets(self) -> list[DatastoreSecret]:
        """The secrets taken from a used datastore's credential."""
        return [s for s in self.secrets if isinstance(s, DatastoreSecret)]

    def _problems(self) -> Iterator[Problem]:
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        if self.type == "static":
            yield from static_problems(fields, self.model_fields_set)
            return
        yield from not_static_problems(self.type, fields, self.model_fields_set)
        if self.migrate is not None and self.type not in ("web", "worker"):
            yield Problem(
                ("migrate",),
                "`migrate` runs before a web service or worker rolls to a new image; a job "
                "has no rollout to run it before",
                "move `migrate` to the service that owns the schema",
                ("migrate",),
                "migrate-needs-service",
            )
        if self.image_credentials is not None and self.image is None:
            yield Problem(
                ("image_credentials",),
                "`image_credentials` is for a published `image` from a private registry",
                "remove it: a `build` is pushed to the stack's own ECR repository",
                ("image", "image_credentials"),
                "not-for-build",
            )
        if self.image is not None and self.build is not None:
            yield Problem(
                (),
                "has both `image` and `build`; give exactly one",
                "keep `image` to deploy a published image, or `build` to build it from source",
                ("image", "build"),
                "image-and-build",
            )
        elif self.image is None and self.build is None:
            yield Problem(
                (),
                "needs `image` or `build`",
                "e.g. `image: ghcr.io/example/web:1.0` or `build: {context: ./web}`",
                ("image", "build"),
                "no-image",
            )
        if self.type == "web" and self.port is None:
            yield Problem(
                (),
                "a web service needs `port`: the container port it listens on",
                "add e.g. `port: 8080`",
                ("type", "port"),
                "no-port",
            )
        if self.type == "job" and self.exec:
            yield Problem(
                ("exec",),
                "`exec` is for services: a job's task ends when its run does",
                "remove `exec`; to debug a job, run its image in a non-production service",
                ("type", "exec"),
                "exec-on-job",
            )
        if self.type == "job" and self.schedule is None:
            yield Problem(
                (),
                "a job needs `schedule`",
                "e.g. `schedule: 'cron(0 3 * * ? *)'` (03:00 UTC daily) or 'rate(1 hour)'",
                ("type", "schedule"),
                "no-schedule",
            )
        if self.type != "job" and self.schedule is not None:
            yield Problem(
                ("schedule",),
                f"`schedule` is for jobs; this service is a {self.type}",
                "set `type: job`, or remove `schedule`",
                ("type", "schedule"),
                "not-for-type",
            )
        if self.type != "job" and "on_failure" in self.model_fields_set:
            yield Problem(
                ("on_failure",),
                f"`on_failure` is for jobs (whether a failed run pages); this service is a "
                f"{self.type}, whose alarms page or not by what they watch",
                "remove `on_failure`, or set `type: job`",
                ("type", "on_failure"),
                "not-for-type",
            )
        for name in ("public", "health", "capacity_rps"):
            if self.type != "web" and getattr(self, name):
                yield Problem(
                    (name,),
                    f"`{name}` is for web services; this service is a {self.type}",
                    f"remove `{name}`, or set `type: web`",
                    ("type", name),
                    "not-for-type",
                )
        if self.type != "worker" and self.timeout_seconds is not None:
            yield Problem(
                ("timeout_seconds",),
                f"`timeout_seconds` is for workers (how long one message may take); this service "
                f"is a {self.type}",
                "remove `timeout_seconds`, or set `type: worker`",
                ("type", "timeout_seconds"),
                "not-for-type",
            )
        yield from egress_list_problems(self.egress, ("egress",))
        yield from traffic_problems(self)
        yield from container_problems(self.port, self.sidecars, self.depends_on, self.volumes)
        try:
            fargate_size(self.cpu, self.memory)
        except SizeError as error:
            yield Problem(
                ("memory",),
                f"no Fargate size fits: {error}",
                error.hint,
                ("cpu", "memory"),
                "fargate-size",
            )


SqlEngine = Literal["postgres", "mysql"]

DatastoreEngineName = Literal[
    "postgres",
    "mysql",
    "mariadb",
    "sqlserver",
    "redis",
    "memcached",
    "mongodb",
    "opensearch",
    "rabbitmq",
    "s3",
    "sqs",
]


# The datastore fields each engine takes; any other is an error, never silently ignored.
ENGINE_FIELDS: dict[str, tuple[str, ...]] = {
    "postgres": ("version", "storage_gb", "backup_days"),
    "mysql": ("version", "storage_gb", "backup_days"),
    "mariadb": ("version", "storage_gb", "backup_days"),
    "sqlserver": ("version", "storage_gb", "backup_days"),
    "opensearch": ("version", "storage_gb"),
    # cache: whether Redis may evict keys at maxmemory (a cache) or must never (a store).
    "redis": ("version", "backup_days", "cache"),
    # data_classification: only Memcached, the one engine the packs judge by what it holds
    # (no encryption at rest, no AUTH); every other engine is encrypted whatever it holds.
    "memcached": ("version", "data_classification"),
    "mongodb": ("version", "backup_days"),
    "rabbitmq": ("version",),
    "s3": (),
    "sqs": ("dead_letter",),
}

# Versions a managed service runs, for engines where AWS offers a short list: a version
# outside it would fail only at `pulumi up`, so the spec refuses it with the list.
ENGINE_VERSIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "mongodb": ("DocumentDB", ("4.0", "5.0", "8.0")),
    "rabbitmq": ("Amazon MQ", ("3.13", "4.2")),
    "memcached": ("ElastiCache with TLS", ("1.6", "1.6.12", "1.6.17", "1.6.22")),
    # SQL Server 2019 and 2022 (RDS engine versions 15.00.*, 16.00.*): the majors RDS for
    # SQL Server offers new instances with license included (AWS RDS User Guide,
    # "Microsoft SQL Server versions on Amazon RDS").
    "sqlserver": ("RDS for SQL Server", ("15.00", "16.00")),
    # OpenSearch_<major.minor> (botocore opensearch VersionString); the 1.3 and 2.x/3.x
    # lines Amazon OpenSearch Service offers for new domains ("Supported versions").
    "opensearch": (
        "Amazon OpenSearch Service",
        ("1.3", "2.11", "2.13", "2.15", "2.17", "2.19", "3.1"),
    ),
}


# Least to most sensitive: a datastore may declare a lower class than the spec's, never higher.
DataClassification = Literal["public", "internal", "confidential", "restricted"]


class Datastore(SpecModel):
    engine: DatastoreEngineName
    version: Annotated[Version, Field(pattern=r"^\d+(\.\d+){0,2}$")] | None = None
    storage_gb: (
        Annotated[int, in_range(20, 65536, "GB of storage: RDS gp3 takes 20-65536")] | None
    ) = None
    backup_days: Annotated[int, in_range(0, 35, "days of backups: AWS keeps 0-35")] | None = None
    dead_letter: bool | None = None
    cache: bool | None = Field(
        default=None,
        description="Redis: `true`, a cache whose keys Redis may evict at maxmemory; `false`, "
        "a store whose keys are never evicted (maxmemory-policy noeviction: writes fail at "
        "the limit instead). Default: a store when `backup_days` is given, else a cache.",
    )
    renamed_from: Name | None = Field(
        default=None,
        description="The name this datastore had before: it keeps its data (Pulumi aliases).",
    )
    data_classification: DataClassification | None = Field(
        default=None,
        description="Memcached: the most sensitive data the cache holds, when lower than "
        "`requirements.security.data_classification` (e.g. rendered public pages): tagged "
        "on the cluster, where the compliance packs read it.",
    )

    def _problems(self) -> Iterator[Problem]:
        allowed = ENGINE_FIELDS[self.engine]
        takes = ", ".join(f"`{f}`" for f in allowed) if allowed else "no settings besides `engine`"
        for name in sorted(self.model_fields_set - set(allowed) - {"engine", "renamed_from"}):
            yield Problem(
                (name,),
                f"`{name}` does not apply to engine {self.engine}",
                f"{self.engine} takes {takes}",
                ("engine", name),
                "not-for-engine",
            )
        service, versions = ENGINE_VERSIONS.get(self.engine, ("", ()))
        if versions and self.version is not None and self.version not in versions:
            yield Problem(
                ("version",),
                f"{service} does not run {self.engine} {self.version}",
                "use one of: " + ", ".join(versions),
                ("engine", "version"),
                "unsupported-version",
            )
        if self.engine == "mongodb" and self.backup_days == 0:
            yield Problem(
                ("backup_days",),
                "DocumentDB cannot turn backups off: it keeps 1-35 days",
                "set backup_days between 1 and 35, or leave it out",
                ("engine", "backup_days"),
                "unsupported-setting",
            )


class Performance(SpecModel):
    peak_rps: Annotated[float, in_range(0, 10_000_000, "requests per second at peak")] | None = None
    latency_p99_ms: Annotated[int, in_range(1, 120_000, "milliseconds")] | None = None


class Security(SpecModel):
    compliance: list[Literal["pci-dss", "hipaa", "soc2"]] = Field(default_factory=list)
    data_classification: DataClassification = "internal"
    waf: bool = False


class Requirements(SpecModel):
    availability: Annotated[float, in_range(90, 99.999, "a percentage such as 99.9")] = 99.9
    performance: Performance = Field(default_factory=Performance)
    security: Security = Field(default_factory=Security)


class Delivery(SpecModel):
    ci: Literal["github", "gitlab"] = "github"
    strategy: Literal["rolling", "blue-green", "canary", "linear", "auto"] = "auto"
    test_command: str | None = None
    repository_url: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^https://[a-z0-9.\-]+(:[0-9]+)?(/[A-Za-z0-9._~\-]+)+$",
        description="The repository's web address, e.g. https://github.com/acme/shop: "
        "the alerts' runbook links point at the runbook on its default branch.",
    )


class Slo(SpecModel):
    service: str
    objective: Annotated[float, in_range(50, 99.999, "a percentage such as 99.9")]
    sli: Literal["availability", "latency"]
    threshold_ms: Annotated[int, in_range(1, 120_000, "milliseconds")] | None = None

    def _problems(self) -> Iterator[Problem]:
        if self.sli == "latency" and self.threshold_ms is None:
            yield Problem(
                (),
                "a latency SLO needs `threshold_ms`",
                "add e.g. `threshold_ms: 300`: the latency that counts as good",
                ("sli", "threshold_ms"),
            )
        if self.sli == "availability" and self.threshold_ms is not None:
            yield Problem(
                ("threshold_ms",),
                "`threshold_ms` is only for latency SLOs",
                "remove it, or set `sli: latency`",
                ("sli", "threshold_ms"),
            )


AlertTopic = Literal["page", "ticket"]


class PagerDuty(SpecModel):
    """PagerDuty services' Amazon CloudWatch integrations: SNS posts each alarm to its topic's
    URL, which the stack reads from the secret stack config ``pagerdutyUrl`` (pages) or
    ``pagerdutyTicketUrl`` (tickets: a low-urgency PagerDuty service of its own)."""

    topics: Annotated[list[AlertTopic], Field(min_length=1)] = ["page"]  # noqa: RUF012 (pydantic copies defaults)


class Slack(SpecModel):
    """A Slack channel through AWS Chatbot (authorize the workspace in the Chatbot console)."""

    # Chatbot's CreateSlackChannelConfiguration patterns (botocore's chatbot model).
    workspace_id: str = Field(pattern=r"^[0-9A-Z]{1,255}$")
    channel_id: str = Field(pattern=r"^[A-Za-z0-9]{1,255}$")
    topics: Annotated[list[AlertTopic], Field(min_length=1)] = ["page", "ticket"]  # noqa: RUF012


class Observability(SpecModel):
    # Printable ASCII without spaces around one "@": what SNS email subscriptions accept.
    alert_email: str | None = Field(
        default=None,
        pattern=r"^[\x21-\x3f\x41-\x7e]+@[\x21-\x3f\x41-\x7e]+\.[\x21-\x3f\x41-\x7e]+$",
    )
    pagerduty: PagerDuty | None = None
    slack: Slack | None = None
    slos: list[Slo] = Field(default_factory=list)
    prometheus: Literal["self-hosted", "managed"] = Field(
        default="self-hosted",
        description="self-hosted: the rules, Alertmanager and dashboard files are yours to "
        "load; managed: the production stack also deploys an Amazon Managed Service for "
        "Prometheus workspace with them loaded, and an ADOT collector beside every task.",
    )


class HandoffSpec(SpecModel):
    """A whole handoff spec (``apiVersion: shipspec/v1``, ``kind: Handoff``)."""

    api_version: Literal["shipspec/v1"] = Field(alias="apiVersion")
    kind: Literal["Handoff"]
    metadata: Metadata
    development: Development | None = None
    cloud: Cloud
    environments: Annotated[dict[Name, Environment], Field(min_length=1)]
    services: Annotated[dict[Name, Service], Field(min_length=1)]
    datastores: dict[Name, Datastore] = Field(default_factory=dict)
    volumes: dict[Name, Volume] = Field(
        default_factory=dict,
        description="Persistent file systems (encrypted EFS) that services mount by name.",
    )
    requirements: Requirements = Field(default_factory=Requirements)
    delivery: Delivery = Field(default_factory=Delivery)
    observability: Observability = Field(default_factory=Observability)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# Last: traffic's sub-models build on SpecModel above; pydantic resolves the forward
# references in Service (Protocol, ExtraPort, Routes) on first use.
from .traffic import ExtraPort, Protocol, Routes, traffic_problems  # noqa: E402
