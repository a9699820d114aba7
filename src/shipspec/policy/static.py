"""What the model alone says about each rule, for the generated compliance report.

The report is rendered before any preview exists, so it can only be a static view:
rules on the model (``model: datastore`` ...) are evaluated for real; rules on
resources are marked ``n/a`` when the environment or the model rules them out (a
production-only rule in dev, an RDS rule without a database), ``fail`` where the model
already shows what the program will do and that the rule refuses it (:func:`exceptions`:
an internet-facing Network Load Balancer, ECS Exec in production), and ``check``
otherwise, meaning ``shipspec check`` verifies them on the generated program. That
command's result is the authoritative status; this page says so, and a test runs both on
the same spec and compares them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ..plan.model import DeploymentModel, EnvironmentPlan, ServicePlan
from .pack import Pack, Rule
from .schemas import when_to_schema
from .targets import model_targets, when_context
from .validator import PolicyValidator

Status = Literal["pass", "fail", "n/a", "check"]
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"

# Resource type prefixes → whether the environment has what creates them, read from what
# the model plans (the first matching prefix decides, so a type comes before its service).
# Buckets come from S3 datastores, static sites (their content bucket) and application
# load balancers (their access-log bucket); ElastiCache replication groups only from
# Redis, node-based clusters only from Memcached.
_FEATURES: tuple[tuple[str, Callable[[EnvironmentPlan], bool]], ...] = (
    ("aws:rds/", lambda env: _engines(env, "postgres", "mysql", "mariadb", "sqlserver")),
    ("aws:opensearch/", lambda env: _engines(env, "opensearch")),
    ("aws:docdb/", lambda env: _engines(env, "mongodb")),
    ("aws:mq/", lambda env: _engines(env, "rabbitmq")),
    ("aws:elasticache/replicationGroup:", lambda env: _engines(env, "redis")),
    ("aws:elasticache/cluster:", lambda env: _engines(env, "memcached")),
    ("aws:elasticache/", lambda env: _engines(env, "redis", "memcached")),
    (
        "aws:s3/",
        lambda env: _engines(env, "s3") or bool(env.static_sites or env.load_balancers),
    ),
    ("aws:cloudfront/", lambda env: bool(env.static_sites)),
    ("aws:sqs/", lambda env: _engines(env, "sqs")),
    ("aws:efs/", lambda env: bool(env.volumes)),
    ("aws:lb/", lambda env: bool(env.load_balancers) or _network_load_balanced(env)),
    (
        "aws:wafv2/",
        lambda env: (
            any(lb.waf for lb in env.load_balancers) or any(site.waf for site in env.static_sites)
        ),
    ),
    ("aws:scheduler/", lambda env: any(s.kind == "job" for s in env.services)),
    # An existing VPC (cloud.network) is read, not created: no Vpc resource to check.
    ("aws:ec2/vpc:", lambda env: not env.network.existing),
)


@dataclass(frozen=True)
class Exception_:
    """Something the spec asked for that a rule refuses: the rule fails (or warns) on the
    program, and the compliance page lists it rather than claiming the rule holds."""

    environment: str
    service: str
    what: str  # what the stack does, in the reader's terms
    because: str  # the spec's words that ask for it
    rules: tuple[str, ...]  # qualified ids of the rules it fails


@dataclass(frozen=True)
class RuleStatus:
    rule: Rule
    statuses: tuple[tuple[str, Status], ...]  # (environment, status) in promotion order


def static_statuses(model: DeploymentModel, packs: Sequence[Pack]) -> list[RuleStatus]:
    return [
        RuleStatus(rule, tuple((env.name, _status(model, env, rule)) for env in model.environments))
        for pack in packs
        for rule in pack.rules
    ]


def exceptions(model: DeploymentModel, packs: Sequence[Pack]) -> list[Exception_]:
    """What each environment runs that a rule of ``packs`` refuses, foreseen from the model."""
    found = []
    for env in model.environments:
        for service in env.services:
            for what, because, kind in _refused(env, service):
                rules = tuple(
                    r.qualified_id
                    for p in packs
                    for r in p.rules
                    if _refuses(r, kind) and _resource_status(model, env, r) == "check"
                )
                if rules:
                    found.append(Exception_(env.name, service.name, what, because, rules))
    return found


def _refused(env: EnvironmentPlan, service: ServicePlan) -> list[tuple[str, str, str]]:
    """``(what, because, kind)`` for each thing ``service`` does that some rules refuse."""
    refused = []
    if env.production and service.execute_command:
        refused.append(
            (
                "ECS Exec enabled on its production tasks",
                "`exec: true`",
                "exec",
            )
        )
    for allowance in service.egress:
        if allowance.to in ("0.0.0.0/0", "::/0") and (
            allowance.protocol,
            allowance.from_port,
            allowance.to_port,
        ) != ("tcp", 443, 443):
            ports = (
                str(allowance.from_port)
                if allowance.from_port == allowance.to_port
                else f"{allowance.from_port}-{allowance.to_port}"
            )
            refused.append(
                (
                    f"{allowance.protocol.upper()} {ports} out to {allowance.to} (anywhere)",
                    f"`egress: [{{port: {ports}, to: {allowance.to}}}]`",
                    "egress-open",
                )
            )
    return refused


def _refuses(rule: Rule, kind: str) -> bool:
    """Whether ``rule`` is one that fails on ``kind``, recognised by what its schema checks
    (so the same rule in every pack, and a user's pack, is found)."""
    if kind == "exec":
        return mentions(rule.schema, "enableExecuteCommand")
    if kind == "egress-open":
        return rule.targets_type(EGRESS_RULE) and mentions(
            rule.schema, "cidr_not_open_except_ports"
        )
    return False


def mentions(schema: object, key: str) -> bool:
    if isinstance(schema, Mapping):
        return any(k == key or mentions(v, key) for k, v in schema.items())
    if isinstance(schema, (list, tuple)):
        return any(mentions(v, key) for v in schema)
    return schema == key


def _status(model: DeploymentModel, env: EnvironmentPlan, rule: Rule) -> Status:
    if rule.model is None:
        status = _resource_status(model, env, rule)
        if status == "check" and any(
            _refuses(rule, kind) for s in env.services for _, _, kind in _refused(env, s)
        ):
            return "fail"
        return status
    applicable = [t for t in model_targets(model, env, rule.model) if rule.applies(t.when_document)]
    if not applicable:
        return "n/a"
    failed = any(rule.check(t.document, _NoGraph()) for t in applicable)
    return "fail" if failed else "pass"


def _resource_status(model: DeploymentModel, env: EnvironmentPlan, rule: Rule) -> Status:
    environment = rule.when.get("environment")
    if environment is not None:
        scoped = _environment_validator(json.dumps(environment, sort_keys=True))
        if not scoped.validate({"environment": when_context(model, env)["environment"]}):
            return "n/a"
    present = [_feature(glob, env) for glob in rule.resources]
    if not any(present):
        return "n/a"
    return "check"


@functools.cache
def _environment_validator(environment: str) -> PolicyValidator:
    """One validator per distinct ``when.environment`` (JSON): many rules share one."""
    return PolicyValidator(when_to_schema({"environment": json.loads(environment)}))


def _engines(env: EnvironmentPlan, *engines: str) -> bool:
    return any(d.engine in engines for d in env.datastores)


def _network_load_balanced(env: EnvironmentPlan) -> bool:
    """A TCP/UDP web service: a Network Load Balancer of its own."""
    return any(s.kind == "web" and s.load_balancer is None for s in env.services)


def _feature(glob: str, env: EnvironmentPlan) -> bool:
    """Whether ``env`` has what creates resources of ``glob`` (unknown kinds: assume so)."""
    for prefix, check in _FEATURES:
        if glob.startswith(prefix):
            return check(env)
    return True


class _NoGraph:
    """Model rules never ask about the resource graph."""

    def public_load_balancer_group(self, group_id: object, root: dict[str, object]) -> bool:
        return False

    def published_port(self, root: dict[str, object], protocol: str, low: int, high: int) -> bool:
        return False
