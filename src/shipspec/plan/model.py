"""The deployment model: what AWS gets, per environment, and why.

``plan`` produces it from the spec; every renderer reads only this. Values that the
plan derives are recorded as :class:`Decision` objects beside the values themselves,
so ``shipspec plan`` and the generated comments can say why prod has three AZs.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

# Re-exported: the model's base classes live apart so the sections kept in their own
# modules (container_model, monitoring) can build on them without an import cycle.
from .frozen import Decision as Decision
from .frozen import Frozen as Frozen
from .frozen import named

Strategy = Literal["ROLLING", "BLUE_GREEN", "CANARY", "LINEAR"]


class ExistingNetworkPlan(Frozen):
    """The VPC and subnets an environment deploys into (``cloud.network``): not created."""

    vpc_id: str
    private_subnet_ids: list[str]
    public_subnet_ids: list[str]
    # What the program checks when it runs: distinct zones, routes (see the decisions).
    min_private_zones: int
    min_public_zones: int


class NetworkPlan(Frozen):
    cidr_block: str  # "" for an existing VPC: the program reads its range
    az_count: int
    zone_ids: list[str]  # the AZ IDs the subnets are pinned to, one per AZ, in order
    nat_gateway_count: int
    interface_endpoints: list[str]
    flow_log_retention_days: int | None
    existing: ExistingNetworkPlan | None = None

    @property
    def label(self) -> str:
        """How the docs name it: ``10.0.0.0/16`` or ``vpc-0abc… (existing)``."""
        return f"{self.existing.vpc_id} (existing)" if self.existing else self.cidr_block


class LoadBalancerPlan(Frozen):
    name: Literal["public", "internal"]
    internet_facing: bool
    domain: str | None
    hosted_zone: str | None
    https: bool
    waf: bool
    deletion_protection: bool
    needs_test_listener: bool
    services: list[str]
    # Requests per client IP per 5 minutes before the web ACL blocks it (network.py).
    waf_rate_limit: int | None = None


# The engines whose `access` scopes IAM actions (a RabbitMQ use's `access` grants nothing).
IAM_ACCESS_ENGINES = frozenset({"s3", "sqs"})


class UsePlan(Frozen):
    """A service's access to a datastore: network, IAM and injected ``<PREFIX>_*`` variables."""

    datastore: str
    engine: str
    env_prefix: str
    # S3: read | read-write | read-write-delete; SQS: produce | consume | produce-consume
    # (the IAM actions, ``iam_access``); RabbitMQ: produce | consume | produce-consume as the
    # spec says, None when it does not (grants nothing: it only tells the broker's
    # no-consumers alarm who consumes); None for the other engines, reached over the network
    # with credentials.
    access: str | None = None
    # SQL databases: the service's own database user, authenticated with IAM tokens;
    # DocumentDB: the service's name, whose task role is its own $external user (MONGODB-AWS);
    # None: the service reads the managed master secret by its ARN at run time.
    db_user: str | None = None
    # The datastore's former name while the spec has `renamed_from`: the service gets its
    # variables under that name's prefix too (``former_prefix``), same values.
    renamed_from: str | None = None
    former_prefix: str | None = None  # SETTLEMENT_LEDGER for renamed_from: settlement-ledger

    @property
    def iam_access(self) -> str | None:
        """The access the program's IAM grants follow (S3 and SQS only)."""
        return self.access if self.engine in IAM_ACCESS_ENGINES else None


class DatastoreSecretPlan(Frozen):
    """An ECS secret taken from one JSON key of a used datastore's credential secret."""

    name: str  # the variable the application reads, e.g. DB_PASSWORD
    datastore: str
    key: str  # username | password


class DeploymentPlan(Frozen):
    strategy: Strategy
    bake_time_minutes: int
    canary_percent: float
    canary_bake_minutes: int
    linear_step_percent: float
    linear_step_bake_minutes: int


class AlarmThresholds(Frozen):
    latency_p99_ms: int
    error_rate_percent: float


class PortPlan(Frozen):
    """A further container port other services call (``<service>:<port>``)."""

    port: int
    protocol: Literal["http", "grpc", "tcp", "udp"]
    name: str  # the port mapping name, also its Service Connect discovery name
    app_protocol: Literal["http", "grpc"] | None  # Service Connect's; None: plain TCP


class EgressPlan(Frozen):
    """One outbound allowance beyond HTTPS (spec ``egress``): a SecurityGroupEgressRule on
    the task's security group, named ``<service>-egress-<rule>`` (stable under reordering)."""

    protocol: Literal["tcp", "udp"]
    from_port: int
    to_port: int
    to: str  # canonical CIDR, or a managed prefix list id
    kind: Literal["ipv4", "ipv6", "prefix-list"]
    description: str  # the rule's description (the spec's `why`, or what it opens)
    rule: str  # the logical name's suffix: protocol-ports-destination


class PathRewrite(Frozen):
    """An ALB url-rewrite transform: ``regex`` matched against the path, ``replace`` ($1...)."""

    regex: str
    replace: str


class RoutePlan(Frozen):
    """A web service's listener rule on its ALB."""

    priority: int
    paths: list[str]
    hosts: list[str] = []
    rewrite: PathRewrite | None = None


class HealthCheckPlan(Frozen):
    """What a load balancer probes: HTTP (path, matcher) or TCP; port None = traffic port."""

    protocol: Literal["HTTP", "TCP"]
    port: int | None = None
    path: str | None = None
    matcher: str | None = None  # HTTP codes (200-399), or gRPC status codes (0) for grpc


class QueueScalingPlan(Frozen):
    """A queue consumer's target tracking on its backlog per task (plan/queue_scaling.py)."""

    queue: str  # the SQS datastore's spec name
    messages_per_task: int  # the backlog per running task target tracking holds
    wake_from_zero: bool  # min_count is 0: the wake alarm and its step policy exist


class ServicePlan(Frozen):
    name: str
    kind: Literal["web", "worker", "job"]
    image: str | None
    build_context: str | None
    dockerfile: str | None
    port: int | None
    public: bool
    health_path: str | None
    health_grace_seconds: int
    cpu: int  # CPU units: 1024 = 1 vCPU
    memory: int  # MiB
    desired_count: int
    min_count: int
    max_count: int
    cpu_target: int
    env: dict[str, str]
    secrets: list[str]
    image_credentials: str | None  # the secret holding a private registry's login
    uses: list[UsePlan]
    calls: list[str] = []  # services this one calls through Service Connect
    callers: list[str] = []  # services that call this one (its security group admits them)
    schedule: str | None
    # Jobs: "page" when the spec says a failed, hung, dropped or missed run must wake
    # someone (plan/job_alarms.py; only where the environment's alarms page).
    on_failure: Literal["page", "ticket"] = "ticket"
    load_balancer: Literal["public", "internal"] | None
    listener_priority: int | None
    path_patterns: list[str]
    deployment: DeploymentPlan
    alarms: AlarmThresholds | None  # web services only: they have a load balancer to measure
    capacity_rps: float | None
    renamed_from: str | None = None  # the former name: its resources are kept (Pulumi aliases)
    # Workers consuming a queue: target tracking on its backlog per task instead of CPU.
    queue_scaling: QueueScalingPlan | None = None
    # What `port` speaks: http/grpc behind the ALB, tcp/udp/tls behind a Network Load Balancer.
    protocol: Literal["http", "grpc", "tcp", "udp", "tls"] = "http"
    app_tls: bool = False  # tcp: the application speaks TLS itself (spec `app_tls`)
    # A Network Load Balancer's alias <service>.<domain> and its zone (plan/traffic.py
    # nlb_name); with `tls`, also its certificate's name. None without a domain.
    domain: str | None = None
    hosted_zone: str | None = None
    ports: list[PortPlan] = []  # further ports other services call through Service Connect
    host_patterns: list[str] = []  # the listener rule's host-header condition, if any
    path_rewrite: PathRewrite | None = None  # routes.strip_prefix: the url-rewrite transform
    health_check: HealthCheckPlan | None = None  # web services: what the load balancer probes
    # command, user, health check, sidecars, mounts, architecture, Spot (plan/container.py)
    container: ContainerPlan = Field(default_factory=lambda: ContainerPlan())
    execute_command: bool = False  # ECS Exec (`shipspec exec`) into its tasks
    egress: list[EgressPlan] = []  # outbound beyond HTTPS, datastores and calls (spec `egress`)
    # The services it calls whose ECS services exist before its own (depends_on), and
    # those that call it back and so are created after it (plan/call_order.py).
    starts_after: list[str] = []
    resolves_later: list[str] = []
    # `env` values holding `${store.attribute}` or `$$`, resolved by the program from these
    # datastores' outputs (spec/datastore_refs.py); empty with env_template False: as is.
    env_template: bool = False
    env_datastores: list[str] = []
    datastore_secrets: list[DatastoreSecretPlan] = []  # secrets: [{name, from: db.password}]
    # The schema migration command CI runs as a one-off task before the service rolls to a
    # new image, with its SQL databases' master credentials (plan/migrations.py).
    migrate: list[str] = []


DatastoreEngine = Literal[
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


class DatastorePlan(Frozen):
    name: str
    engine: DatastoreEngine
    version: str | None = None
    instance_class: str | None = None
    storage_gb: int | None = None
    max_storage_gb: int | None = None
    multi_az: bool = False
    backup_days: int = 0
    deletion_protection: bool = False
    replicas: int = 0  # redis and mongodb: read replicas that take over on failure
    nodes: int = 0  # memcached: cache nodes, each holding a share; opensearch: data nodes
    master_nodes: int = 0  # opensearch: dedicated master nodes (0: none)
    master_class: str | None = None  # opensearch: their instance type
    edition: str | None = None  # sqlserver: the RDS engine of its edition (sqlserver-se...)
    dead_letter: bool = False
    # redis: True, a cache (the engine's default eviction policy); False, a store whose keys
    # are never evicted (its own parameter group, maxmemory-policy noeviction); None elsewhere
    cache: bool | None = None
    visibility_timeout_seconds: int = 30  # sqs: longer than its slowest consumer takes
    versioning: bool = False
    force_destroy: bool = False
    used_by: list[str] = []
    protect: bool = False  # Pulumi refuses to delete or replace its stateful resource
    renamed_from: str | None = None  # the former name: its data is kept (Pulumi aliases)
    import_id: str | None = None  # adopt the existing resource with this id (Pulumi import)
    # postgres, mysql, mariadb, mongodb: statements at least this slow go to the exported
    # slow-statement log (plan/slow_queries.py); None for the other engines
    slow_query_ms: int | None = None
    # memcached: the most sensitive data it holds (the spec's, or lower if it says so);
    # tagged DataClassification on the cluster, where the compliance packs read it
    data_classification: str | None = None


class SecretPlan(Frozen):
    name: str  # the variable name, e.g. STRIPE_KEY
    used_by: list[str]


class PrometheusPlan(Frozen):
    """Amazon Managed Service for Prometheus for this stack: a workspace holding the
    generated rules and Alertmanager routing, fed by an ADOT collector beside every task."""

    collector_image: str  # pinned aws-otel-collector release
    collector_cpu: int  # CPU units the collector container reserves out of the task's
    collector_memory: int  # MiB: the collector's hard limit, added to the task's memory
    rule_namespace: str  # the rule groups namespace: the rules file's name without suffix


class StaticSitePlan(Frozen):
    """A `type: static` service: S3 + CloudFront, not ECS (plan/static.py)."""

    name: str
    # The folder CI uploads, relative to the spec file: the build's output, or `source`.
    files: str
    build_context: str | None  # None: `source` holds ready files, nothing is built
    build_command: str | None
    spa: bool  # unknown paths answer /index.html with 200
    domain: str | None  # served on this name with an ACM certificate (us-east-1)
    hosted_zone: str | None
    price_class: str  # CloudFront price class
    access_logs: bool  # CloudFront standard logs (v2) to CloudWatch Logs in us-east-1
    error_rate_percent: float  # the errors alarm's 5xx error-rate threshold
    client_error_percent: float = 50.0  # ... and its 4xx share threshold (either fires it)
    min_requests: int = 100  # minutes with fewer requests do not count towards it
    pages: bool  # the errors alarm pages (production) or notifies
    force_destroy: bool  # non-production: the bucket is emptied on destroy (CI rebuilds it)
    renamed_from: str | None = None
    waf: bool = False  # a WAFv2 web ACL (scope CLOUDFRONT, us-east-1) on the distribution


class EnvironmentPlan(Frozen):
    name: str
    production: bool
    approval_required: bool
    domain: str | None
    network: NetworkPlan
    load_balancers: list[LoadBalancerPlan]
    services: list[ServicePlan]
    datastores: list[DatastorePlan]
    secrets: list[SecretPlan]
    log_retention_days: int
    alarms_page: bool
    decisions: list[Decision]
    # Restricted data: one customer-managed KMS key encrypts the datastores, secrets and logs.
    customer_managed_key: bool = False
    # observability.prometheus: managed, in the environment the SLO rules describe
    prometheus: PrometheusPlan | None = None
    # type: static services: S3 + CloudFront, not ECS (plan/static.py)
    static_sites: list[StaticSitePlan] = []
    volumes: list[VolumePlan] = []  # persistent file systems (EFS) services mount
    # The services in the order the program creates them: callees first (plan/call_order.py).
    creation_order: list[str] = []
    # A non-production environment that must deploy in production's AWS account (it shares
    # production's hosted zone or VPC; the decision `account` says which, plan/accounts.py).
    production_account: bool = False

    def service(self, name: str) -> ServicePlan:
        return _named(self, "services", "name", name, "service")

    def datastore(self, name: str) -> DatastorePlan:
        return _named(self, "datastores", "name", name, "datastore")

    def decision(self, key: str) -> Decision:
        return _named(self, "decisions", "key", key, "decision")


def _named(owner: Any, field: str, attribute: str, name: str, kind: str) -> Any:
    return named(owner, field, attribute, name, kind, "this environment")


class SloPlan(Frozen):
    service: str
    sli: Literal["availability", "latency"]
    objective: float
    threshold_ms: int | None
    window_days: int = 30


class DevelopmentHandoff(Frozen):
    phase: int
    status: str
    approved_by: str | None
    deliverables: list[str]  # names, in the spec's order
    evidence: dict[str, str] = {}  # deliverable name → its evidence file, relative to the spec


class DeploymentModel(Frozen):
    """Everything the renderers need, and nothing they would have to decide."""

    app: str
    owner: str
    region: str
    state_backend: str | None
    spec_file: str
    ci: Literal["github", "gitlab"]
    test_command: str | None
    # delivery.repository_url: names the repository in the CI roles' trust policies
    repository_url: str | None = None
    alert_email: str | None
    availability: float
    peak_rps: float | None
    latency_p99_ms: int | None
    compliance: list[str]
    data_classification: str
    slos: list[SloPlan]
    development: DevelopmentHandoff | None
    environments: list[EnvironmentPlan]
    monitoring: MonitoringPlan  # SLOs, burn-rate alerts, routing, CloudWatch alarms per env

    def environment(self, name: str) -> EnvironmentPlan:
        for env in self.environments:
            if env.name == name:
                return env
        known = ", ".join(e.name for e in self.environments)
        raise KeyError(f"no environment {name!r}; the spec declares: {known}")

    @property
    def production(self) -> EnvironmentPlan:
        """The environment deployed last and sized for production."""
        prods = [e for e in self.environments if e.production]
        return prods[-1] if prods else self.environments[-1]


# Last, because monitoring.py builds on Frozen and Decision above; pydantic resolves the
# forward reference in DeploymentModel.monitoring on first use.
from .container_model import ContainerPlan, VolumePlan  # noqa: E402
from .monitoring import MonitoringPlan  # noqa: E402
