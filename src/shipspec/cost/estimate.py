"""``estimate(model, env) -> CostEstimate``: a monthly bill per environment, line by line.

Reads only the deployment model (what is provisioned) and the dated price table; the
traffic and data volumes it cannot know come from :class:`~.usage.Usage`, and both
the prices' date and the assumptions travel with the result so the handoff document can
print them. Every line says how its quantity was reached, so a reviewer can check the
arithmetic by hand (the tests do exactly that).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from ..plan.engine_support import StandardSupport, past_standard_support
from ..plan.model import DatastorePlan, DeploymentModel, EnvironmentPlan
from ..plan.monitoring import AlarmPlan
from .prices import FALLBACK_REGION, PriceTable, RegionPrices, load_prices
from .prometheus import prometheus_lines
from .static_sites import static_site_lines
from .telemetry import telemetry_lines
from .usage import Usage, num, runs_per_month

T = TypeVar("T")

HANDOFF_DOC = "docs/operations/handoff.md"
_MIB_PER_GB = Decimal(1024)
# vCPUs of the RDS instance classes the plan picks (plan/rules.py DB_CLASS_*) and their
# neighbours: what RDS Extended Support is billed by (AWS RDS User Guide, "Hardware
# specifications for DB instance classes").
RDS_VCPUS = {
    "db.t4g.micro": 2,
    "db.t4g.small": 2,
    "db.t4g.medium": 2,
    "db.t4g.large": 2,
    "db.m7g.large": 2,
    "db.m7g.xlarge": 4,
    "db.m7g.2xlarge": 8,
}
EXTENDED_SUPPORT = "rds_extended_support_vcpu_hour"
_CLUSTER_NODES = 3  # an Amazon MQ for RabbitMQ cluster deployment
_ENGINES = {
    "postgres": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "redis": "Redis",
    "memcached": "Memcached",
}


@dataclass(frozen=True)
class LineItem:
    component: str  # "Fargate vCPU", "NAT gateway", ...
    resource: str  # what in the model it prices: "web", "public", "db", "network"
    quantity: Decimal
    price_key: str
    unit: str
    unit_price: Decimal
    verified: bool
    detail: str  # how the quantity was reached

    @property
    def monthly(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class CostEstimate:
    environment: str
    region: str  # the region whose prices were used
    requested_region: str
    as_of: str
    retrieved: str
    items: list[LineItem]
    headroom: Decimal  # what running every service at max_count would add
    notes: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((i.monthly for i in self.items), Decimal(0))

    @property
    def unverified(self) -> list[LineItem]:
        return [i for i in self.items if not i.verified]


def money(amount: Decimal, cents: bool = True) -> str:
    """``Decimal("1234.5")`` → ``$1,234.50`` (or ``$1,235`` without cents), rounded half up."""
    step = Decimal("0.01") if cents else Decimal(1)
    value = amount.quantize(step, rounding=ROUND_HALF_UP)
    return f"${value:,.2f}" if cents else f"${value:,.0f}"


def estimate(
    model: DeploymentModel,
    env: EnvironmentPlan | str | None = None,
    *,
    prices: PriceTable | None = None,
    usage: Usage | None = None,
) -> CostEstimate:
    """The monthly estimate of ``env`` (default: the production environment)."""
    plan = _environment(model, env)
    table = prices or load_prices()
    region = table.for_region(model.region)
    builder = _Builder(model, plan, region, usage or Usage(), Decimal(table.hours_per_month))
    builder.fallback = table.for_region(FALLBACK_REGION)
    builder.build()
    notes = builder.notes
    if region.substituted:
        notes.insert(0, f"no prices for {model.region} in the table: priced at {region.region}")
    return CostEstimate(
        environment=plan.name,
        region=region.region,
        requested_region=model.region,
        as_of=table.as_of,
        retrieved=table.retrieved,
        items=builder.items,
        headroom=builder.headroom,
        notes=notes,
        assumptions=builder.usage.statements(),
    )


def cost_line(model: DeploymentModel, env: EnvironmentPlan | str | None = None) -> str:
    """One line for ``shipspec preview``: the environment's total and where the detail is."""
    result = estimate(model, env)
    where = result.region
    if result.region != result.requested_region:
        where = f"{result.region} rates for {result.requested_region}"
    return (
        f"Estimated cost: {money(result.total, cents=False)}/month "
        f"(prices of {result.as_of}, {where}; see {HANDOFF_DOC})"
    )


def _tasks(count: int) -> str:
    return f"{count} task" if count == 1 else f"{count} tasks"


def _environment(model: DeploymentModel, env: EnvironmentPlan | str | None) -> EnvironmentPlan:
    if env is None:
        return model.production
    return model.environment(env) if isinstance(env, str) else env


class _Builder:
    def __init__(
        self,
        model: DeploymentModel,
        env: EnvironmentPlan,
        region: RegionPrices,
        usage: Usage,
        hours: Decimal,
    ) -> None:
        self.model, self.env, self.region, self.usage, self.hours = model, env, region, usage, hours
        self.items: list[LineItem] = []
        self.notes: list[str] = []
        self.headroom = Decimal(0)
        self.fallback = region  # us-east-1's prices, for a line the region's table lacks

    def add(self, component: str, resource: str, quantity: Decimal, key: str, detail: str) -> None:
        if not self.region.has(key):
            self.notes.append(f"{component} of {resource}: no price for {key!r}; not included")
            return
        price = self.region.get(key)
        self.items.append(
            LineItem(
                component, resource, quantity, key, price.unit, price.usd, price.verified, detail
            )
        )

    def build(self) -> None:
        self._compute()
        self._load_balancers()
        self._network()
        self._datastores()
        telemetry_lines(self.add, self.env, self.usage, self.hours, self._average_rps())
        static_site_lines(self.add, self.env, self.usage)
        prometheus_lines(self.add, self.model, self.env, self.usage, self.hours)
        self._monitoring()

    def _compute(self) -> None:
        vcpu_hour = self.region.usd("fargate_vcpu_hour")
        gb_hour = self.region.usd("fargate_gb_hour")
        for s in self.env.services:
            vcpu, gb = Decimal(s.cpu) / 1024, Decimal(s.memory) / _MIB_PER_GB
            if s.kind == "job":
                runs, exact = runs_per_month(s.schedule or "")
                if not exact:
                    self.notes.append(f"{s.name}: schedule {s.schedule} priced as one run a day")
                hours = runs * self.usage.job_minutes_per_run / 60
                how = f"{runs:.1f} runs × {num(self.usage.job_minutes_per_run)} min"
            else:
                hours = s.desired_count * self.hours
                how = f"{_tasks(s.desired_count)} × {num(self.hours)} h"
                extra = (s.max_count - s.desired_count) * self.hours
                self.headroom += extra * (vcpu * vcpu_hour + gb * gb_hour)
            self.add(
                "Fargate vCPU",
                s.name,
                hours * vcpu,
                "fargate_vcpu_hour",
                f"{how} × {num(vcpu)} vCPU",
            )
            self.add(
                "Fargate memory", s.name, hours * gb, "fargate_gb_hour", f"{how} × {num(gb)} GB"
            )

    def _average_rps(self) -> Decimal | None:
        if not self.env.production or self.model.peak_rps is None:
            return None
        return Decimal(str(self.model.peak_rps)) * self.usage.average_share_of_peak

    def _load_balancers(self) -> None:
        rps = self._average_rps()
        for lb in self.env.load_balancers:
            self.add("Load balancer", lb.name, self.hours, "alb_hour", f"{num(self.hours)} h")
            if rps is not None and lb.internet_facing:
                lcu = max(Decimal(1), rps / self.usage.requests_per_lcu_second)
                how = f"{num(rps)} req/s average ÷ {num(self.usage.requests_per_lcu_second)}"
            else:
                lcu, how = self.usage.non_production_lcu, "assumed"
            self.add(
                "Load balancer LCU",
                lb.name,
                lcu * self.hours,
                "alb_lcu_hour",
                f"{lcu:.2f} LCU ({how}) × {num(self.hours)} h",
            )
            if lb.waf:
                self._waf(lb.name, rps if lb.internet_facing else None)
        # tcp/udp services: a Network Load Balancer each. Its NLCUs (new and active flows,
        # bytes) depend on traffic the spec does not describe, so only its hours are priced.
        for s in self.env.services:
            if s.kind == "web" and s.load_balancer is None:
                self.add(
                    "Network load balancer",
                    s.name,
                    self.hours,
                    "nlb_hour",
                    f"{num(self.hours)} h; NLCUs by traffic, not estimated",
                )

    def _waf(self, name: str, rps: Decimal | None) -> None:
        self.add("WAF web ACL", name, Decimal(1), "waf_acl_month", "1 web ACL")
        rules = Decimal(self.usage.waf_rules)
        self.add("WAF rules", name, rules, "waf_rule_month", f"{rules} rules")
        if rps is None:
            million, how = self.usage.non_production_requests_million, "assumed"
        else:
            million = rps * self.hours * 3600 / Decimal(1_000_000)
            how = f"{num(rps)} req/s × {num(self.hours)} h"
        self.add("WAF requests", name, million, "waf_million", f"{million:.1f} million ({how})")

    def _network(self) -> None:
        net = self.env.network
        if net.nat_gateway_count:
            count = net.nat_gateway_count
            self.add(
                "NAT gateway",
                "network",
                count * self.hours,
                "nat_hour",
                f"{count} × {num(self.hours)} h",
            )
            gb = (
                self.usage.nat_gb_production
                if self.env.production
                else (self.usage.nat_gb_non_production)
            )
            self.add("NAT data", "network", gb, "nat_gb", f"{num(gb)} GB")
        if net.interface_endpoints:
            count = len(net.interface_endpoints)
            self.add(
                "Interface endpoints",
                "network",
                count * net.az_count * self.hours,
                "endpoint_az_hour",
                f"{count} endpoints × {net.az_count} AZs × {num(self.hours)} h",
            )
            gb = count * self.usage.endpoint_gb
            self.add("Interface endpoint data", "network", gb, "endpoint_gb", f"{num(gb)} GB")

    def _datastores(self) -> None:
        prod = self.env.production
        for d in self.env.datastores:
            if d.engine in ("postgres", "mysql", "mariadb"):
                kind = "rds-multi-az" if d.multi_az else "rds"
                az = "Multi-AZ" if d.multi_az else "Single-AZ"
                self.add(
                    "RDS instance",
                    d.name,
                    self.hours,
                    f"{kind}:{d.engine}:{d.instance_class}",
                    f"{_ENGINES[d.engine]} {d.instance_class} {az} × {num(self.hours)} h",
                )
                key = "rds_gp3_multi_az_gb_month" if d.multi_az else "rds_gp3_gb_month"
                gb = Decimal(d.storage_gb or 0)
                self.add("RDS storage", d.name, gb, key, f"{num(gb)} GB gp3 {az}")
                support = past_standard_support(d)
                if support is not None and support.extended_support:
                    self._extended_support(d, support)
            elif d.engine == "sqlserver":
                self._sql_server(d)
            elif d.engine == "opensearch":
                self._search(d)
            elif d.engine in ("redis", "memcached"):
                nodes = 1 + d.replicas if d.engine == "redis" else max(d.nodes, 1)
                self.add(
                    "ElastiCache",
                    d.name,
                    nodes * self.hours,
                    f"elasticache:{d.instance_class}",
                    f"{_ENGINES[d.engine]}: {nodes} × {d.instance_class} × {num(self.hours)} h",
                )
            elif d.engine == "mongodb":
                self._document_db(d)
            elif d.engine == "rabbitmq":
                self._broker(d)
            elif d.engine == "s3":
                gb = self.usage.s3_gb_production if prod else self.usage.s3_gb_non_production
                self.add("S3 storage", d.name, gb, "s3_gb_month", f"{num(gb)} GB")
            elif d.engine == "sqs":
                million = (
                    self.usage.sqs_million_production
                    if prod
                    else self.usage.sqs_million_non_production
                )
                self.add("SQS requests", d.name, million, "sqs_million", f"{num(million)} million")
            else:
                self.notes.append(f"{d.name}: {d.engine} is not in the price table; not included")

    def _extended_support(self, d: DatastorePlan, support: StandardSupport) -> None:
        """RDS Extended Support of a major version past standard support: per vCPU-hour of
        every instance, a Multi-AZ standby included, at the year 1-2 rate."""
        component = "RDS Extended Support"
        vcpus = RDS_VCPUS.get(d.instance_class or "")
        if vcpus is None:
            self.notes.append(
                f"{component} of {d.name}: no vCPU count for {d.instance_class}; not included"
            )
            return
        instances = 2 if d.multi_az else 1
        quantity = self.hours * instances * vcpus
        detail = (
            f"{support.label} past standard support ({support.ends.isoformat()}): "
            f"{instances} × {d.instance_class} ({vcpus} vCPU"
            + (", primary and standby" if d.multi_az else "")
            + f") × {num(self.hours)} h, year 1-2 rate"
        )
        if self.region.has(EXTENDED_SUPPORT) or not self.fallback.has(EXTENDED_SUPPORT):
            self.add(component, d.name, quantity, EXTENDED_SUPPORT, detail)
            return
        price = self.fallback.get(EXTENDED_SUPPORT)
        self.items.append(
            LineItem(
                component,
                d.name,
                quantity,
                EXTENDED_SUPPORT,
                price.unit,
                price.usd,
                False,
                f"{detail}; the {self.fallback.region} price: the table has none for "
                f"{self.region.region}",
            )
        )

    def _sql_server(self, d: DatastorePlan) -> None:
        """An RDS for SQL Server instance: the edition's license-included rate and gp3 storage."""
        kind = "rds-multi-az" if d.multi_az else "rds"
        az = "Multi-AZ" if d.multi_az else "Single-AZ"
        self.add(
            "RDS instance",
            d.name,
            self.hours,
            f"{kind}:{d.edition}:{d.instance_class}",
            f"SQL Server ({d.edition}) {d.instance_class} {az} × {num(self.hours)} h",
        )
        key = "rds_gp3_multi_az_gb_month" if d.multi_az else "rds_gp3_gb_month"
        gb = Decimal(d.storage_gb or 0)
        self.add("RDS storage", d.name, gb, key, f"{num(gb)} GB gp3 {az}")

    def _search(self, d: DatastorePlan) -> None:
        """An OpenSearch domain: data and dedicated master node-hours, gp3 per data node."""
        nodes = max(d.nodes, 1)
        self.add(
            "OpenSearch data nodes",
            d.name,
            nodes * self.hours,
            f"opensearch:{d.instance_class}",
            f"{nodes} × {d.instance_class} × {num(self.hours)} h",
        )
        if d.master_nodes and d.master_class:
            master = d.master_class
            self.add(
                "OpenSearch master nodes",
                d.name,
                d.master_nodes * self.hours,
                f"opensearch:{master}",
                f"{d.master_nodes} × {master} × {num(self.hours)} h",
            )
        gb = Decimal(nodes * (d.storage_gb or 0))
        self.add("OpenSearch storage", d.name, gb, "opensearch_gp3_gb_month", f"{num(gb)} GB gp3")

    def _document_db(self, d: DatastorePlan) -> None:
        """A DocumentDB cluster: every instance, the storage it uses and its I/O requests."""
        prod, usage = self.env.production, self.usage
        instances = 1 + d.replicas
        who = "one instance" if instances == 1 else f"a primary and {_replicas(d.replicas)}"
        self.add(
            "DocumentDB instances",
            d.name,
            instances * self.hours,
            f"docdb:{d.instance_class}",
            f"{who}: {instances} × {d.instance_class} × {num(self.hours)} h",
        )
        gb = usage.docdb_gb_production if prod else usage.docdb_gb_non_production
        self.add("DocumentDB storage", d.name, gb, "docdb_gb_month", f"{num(gb)} GB")
        million = (
            usage.docdb_io_million_production if prod else usage.docdb_io_million_non_production
        )
        self.add("DocumentDB I/O", d.name, million, "docdb_io_million", f"{num(million)} million")

    def _broker(self, d: DatastorePlan) -> None:
        """An Amazon MQ for RabbitMQ broker: one instance, or a cluster of three, and storage."""
        nodes = _CLUSTER_NODES if d.multi_az else 1
        shape = f"{nodes}-node cluster" if d.multi_az else "single instance"
        self.add(
            "Amazon MQ broker",
            d.name,
            nodes * self.hours,
            f"mq:{d.instance_class}",
            f"{shape}: {nodes} × {d.instance_class} × {num(self.hours)} h",
        )
        per_node = (
            self.usage.broker_gb_production
            if self.env.production
            else self.usage.broker_gb_non_production
        )
        self.add(
            "Amazon MQ storage",
            d.name,
            nodes * per_node,
            "mq_gb_month",
            f"{nodes} × {num(per_node)} GB",
        )

    def _monitoring(self) -> None:
        """What the stack's Monitoring creates: alarms, composite alarms, Route 53 health
        checks of the public domain, a dashboard, a key."""
        planned = self.model.monitoring.alarms.get(self.env.name)
        if planned is None:
            return
        metrics = sum(self._alarm_metrics(a) for a in planned.alarms)
        rollback = sum(1 for a in planned.alarms if a.rollback)
        self.add(
            "CloudWatch alarms",
            "monitoring",
            Decimal(metrics),
            "cloudwatch_alarm_metric_month",
            f"{len(planned.alarms)} metric alarms reading {metrics} metrics",
        )
        composites = len(planned.composites) + rollback
        down = sum(1 for c in planned.composites if c.check == "down")
        backlog = sum(1 for c in planned.composites if c.check == "backlog")
        if composites:
            self.add(
                "CloudWatch composite alarms",
                "monitoring",
                Decimal(composites),
                "cloudwatch_composite_alarm_month",
                " + ".join(
                    f"{count} {what}"
                    for count, what in (
                        (len(planned.composites) - down - backlog, "burn-rate"),
                        (down, "service-down"),
                        (backlog, "queue backlog"),
                        (rollback, "rollback"),
                    )
                    if count
                ),
            )
        # The outside-in checks' alarms (us-east-1) are among the alarm metrics above.
        for kind, price in (
            ("HTTPS", "route53_https_health_check_month"),
            ("TCP", "route53_tcp_health_check_month"),
        ):
            of_kind = [c for c in planned.health_checks if c.type == kind]
            if of_kind:
                self.add(
                    "Route 53 health checks" if kind == "HTTPS" else "Route 53 TCP health checks",
                    "monitoring",
                    Decimal(len(of_kind)),
                    price,
                    f"{len(of_kind)} {kind} check of " + ", ".join(c.endpoint for c in of_kind),
                )
        self.add(
            "CloudWatch dashboard",
            "monitoring",
            Decimal(1),
            "cloudwatch_dashboard_month",
            "1 dashboard",
        )
        self.add("KMS key", "monitoring", Decimal(1), "kms_key_month", "1 key, the alert topics'")

    def _alarm_metrics(self, alarm: AlarmPlan) -> int:
        """Alarm metrics billed for ``alarm``: its metrics, each once per value of its
        references (a web service's two target groups, each node of a Redis cache)."""
        total = 0
        for metric in alarm.metrics:
            copies = 1
            for reference in metric.dimensions.values():
                copies *= self._values(reference)
            total += copies
        return total

    def _values(self, reference: str) -> int:
        """How many values the stack resolves ``reference`` to, as its Monitoring does."""
        owner, _, key = reference.rpartition(".")
        kind, _, name = owner.partition(":")
        # By the plan's indexes (EnvironmentPlan.service): every alarm metric of a
        # 200-service stack asks, and scanning the services each time grew with their square.
        if kind == "service" and key == "target_group":
            service = _found(self.env.service, name)
            if service is not None and service.deployment.strategy != "ROLLING":
                return 2  # blue/green, canary and linear shift traffic between two groups
        if kind == "datastore" and key == "id":
            store = _found(self.env.datastore, name)
            if store is not None and store.engine == "redis":
                return 1 + store.replicas  # the cache reports per node
        return 1


def _found(lookup: Callable[[str], T], name: str) -> T | None:
    """``lookup(name)``, or None when the plan has nothing of that name."""
    try:
        return lookup(name)
    except KeyError:
        return None


def _replicas(count: int) -> str:
    return "1 replica" if count == 1 else f"{count} replicas"
