"""The built-in rules have teeth: weaken one property of a real stack, the matching rule fires.

Each mutation takes the shop example's production preview (or its planned model),
changes one thing a careless edit could change, and names exactly the rules that
must fire, no fewer and no more. The last test is the meta-test: a built-in rule that
no mutation triggers is a defect (it could be checking nothing).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from shipspec.plan.model import DeploymentModel
from shipspec.policy import Pack, evaluate

from .conftest import Stack

PACKS = ("pci-dss", "hipaa", "soc2")


def each(rule: str, packs: tuple[str, ...] = PACKS) -> set[str]:
    return {f"{pack}/{rule}" for pack in packs}


ENCRYPTED_DB = {"baseline/rds-storage-encrypted"} | each("database-storage-encrypted")
PRIVATE_DB = {"baseline/rds-not-public", "pci-dss/stored-data-not-public"} | each(
    "database-not-public", ("hipaa", "soc2")
)
DB_TLS = {"baseline/rds-tls-enforced"} | each("database-connections-encrypted")
CACHE_AT_REST = {"baseline/elasticache-encrypted-at-rest"} | each("cache-encrypted-at-rest")
CACHE_TRANSIT = {"baseline/elasticache-encrypted-in-transit"} | each("cache-encrypted-in-transit")
CACHE_AUTH = each("cache-requires-auth", ("pci-dss", "hipaa"))
# Memcached cannot encrypt at rest or require AUTH: only public or internal data in it.
MEMCACHED_DATA = each("memcached-holds-no-sensitive-data") | each(
    "memcached-unauthenticated-holds-no-sensitive-data", ("pci-dss", "hipaa")
)
BUCKET_SSE = {"baseline/s3-encryption-configured"} | each("bucket-encrypted")
QUEUE_SSE = {"baseline/sqs-encrypted"} | each("queue-encrypted")
TLS_POLICY = {"baseline/https-tls-policy"} | each("strong-tls-only")
PRIVATE_TASKS = {
    "baseline/no-public-task-ip",
    "pci-dss/tasks-not-internet-addressable",
    "soc2/tasks-private",
}
OPEN_INGRESS = {"baseline/no-open-ingress"} | each("inbound-traffic-restricted")
OPEN_EGRESS = each("outbound-traffic-restricted")  # the compliance packs only: not baseline
WILDCARD_ACTION = {"baseline/iam-no-wildcard-actions"} | each("least-privilege-iam")
STAR_WRITE = {"baseline/iam-no-wildcard-resource-writes"} | each("least-privilege-iam")
FLOW_LOGS = {
    "baseline/vpc-flow-logs-in-production",
    "pci-dss/network-audit-logs",
    "hipaa/network-audit-logs",
    "soc2/network-flow-logs",
}
TASK_LOGS = {"baseline/task-logs-shipped"} | each("application-audit-logs", ("pci-dss", "hipaa"))


@dataclass(frozen=True)
class Mutation:
    name: str
    change: Callable[[Stack], Any]
    fires: set[str]


def inputs(name: str, suffix: str = "", **values: Any) -> Callable[[Stack], None]:
    def change(stack: Stack) -> None:
        target = stack.named(name, suffix).inputs
        for key, value in values.items():
            if value is DELETE:
                target.pop(key)
            else:
                target[key] = value

    return change


DELETE = object()


def drop(type_token: str) -> Callable[[Stack], None]:
    def change(stack: Stack) -> None:
        stack.resources[:] = [r for r in stack.resources if r.type != type_token]

    return change


def nested(
    name: str, path: tuple[Any, ...], value: Any, suffix: str = ""
) -> Callable[[Stack], None]:
    def change(stack: Stack) -> None:
        node = stack.named(name, suffix).inputs
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return change


def undepend(name: str, type_token: str) -> Callable[[Stack], None]:
    """``name`` no longer depends on (nor uses) any resource of ``type_token``."""

    def change(stack: Stack) -> None:
        others = {r.urn for r in stack.resources if r.type == type_token}
        resource = stack.named(name)
        kept = [u for u in resource.dependencies if u not in others]
        # Stack.copy shares dependency lists between copies: replace, never edit in place.
        stack.resources[stack.resources.index(resource)] = replace(resource, dependencies=kept)

    return change


def policy_statement(statement: dict[str, Any]) -> Callable[[Stack], None]:
    def change(stack: Stack) -> None:
        resource = stack.named("web-task-role-policy")
        document = json.loads(resource.inputs["policy"])
        document["Statement"].append(statement)
        resource.inputs["policy"] = json.dumps(document)

    return change


def containers(edit: Callable[[dict[str, Any]], None]) -> Callable[[Stack], None]:
    def change(stack: Stack) -> None:
        task = stack.named("web-task")
        definitions = json.loads(task.inputs["containerDefinitions"])
        edit(definitions[0])
        task.inputs["containerDefinitions"] = json.dumps(definitions)

    return change


def legacy_rule(kind: str) -> Callable[[Stack], None]:
    def change(stack: Stack) -> None:
        group = stack.named("db-sg")
        rule = {"type": kind, "protocol": "tcp", "fromPort": 22, "toPort": 22}
        rule.update(cidrBlocks=["0.0.0.0/0"], securityGroupId="sg-db")
        stack.resources.append(
            type(group)(
                "aws:ec2/securityGroupRule:SecurityGroupRule",
                "db-ssh",
                group.urn.replace("db-sg", "db-ssh").replace(
                    "securityGroup:", "securityGroupRule:"
                ),
                group.parent,
                rule,
                [group.urn],
            )
        )

    return change


def model_change(**updates: Callable[[DeploymentModel], DeploymentModel]) -> Callable[[Stack], Any]:
    (edit,) = updates.values()
    return lambda stack: edit(stack.model)


def env_field(**values: Any) -> Callable[[DeploymentModel], DeploymentModel]:
    def edit(model: DeploymentModel) -> DeploymentModel:
        envs = [e.model_copy(update=values) if e.name == "prod" else e for e in model.environments]
        return model.model_copy(update={"environments": envs})

    return edit


def in_env(
    collection: str, name: str, **values: Any
) -> Callable[[DeploymentModel], DeploymentModel]:
    def edit(model: DeploymentModel) -> DeploymentModel:
        prod = model.environment("prod")
        items = [
            i.model_copy(update=values) if i.name == name else i for i in getattr(prod, collection)
        ]
        return env_field(**{collection: items})(model)

    return edit


MUTATIONS = [
    Mutation("rds storage unencrypted", inputs("db-db", storageEncrypted=False), ENCRYPTED_DB),
    Mutation("rds encryption unset", inputs("db-db", storageEncrypted=DELETE), ENCRYPTED_DB),
    Mutation("rds publicly accessible", inputs("db-db", publiclyAccessible=True), PRIVATE_DB),
    Mutation("rds force_ssl off", nested("db-params", ("parameters", 0, "value"), "0"), DB_TLS),
    Mutation(
        "rds deletion protection off",
        inputs("db-db", deletionProtection=False),
        {"baseline/prod-rds-deletion-protection"}
        | each("database-deletion-protected", ("hipaa", "soc2")),
    ),
    Mutation(
        "rds backups off",
        inputs("db-db", backupRetentionPeriod=0),
        {"baseline/prod-rds-backups"} | each("database-backups-kept", ("hipaa", "soc2")),
    ),
    Mutation(
        "rds password in code",
        inputs("db-db", manageMasterUserPassword=False, password="hunter2hunter2"),
        {"pci-dss/database-password-not-in-code", "soc2/database-credentials-managed"},
    ),
    Mutation(
        "cache at rest off", inputs("cache-cache", atRestEncryptionEnabled=False), CACHE_AT_REST
    ),
    Mutation(
        "cache transit off", inputs("cache-cache", transitEncryptionEnabled=False), CACHE_TRANSIT
    ),
    Mutation(
        "cache accepts plain text",
        inputs("cache-cache", transitEncryptionMode="preferred"),
        CACHE_AUTH,
    ),
    Mutation(
        "cache without AUTH",
        inputs("cache-cache", authTokenWo=DELETE, authTokenWoVersion=DELETE),
        CACHE_AUTH,
    ),
    Mutation(
        "bucket encryption removed",
        drop(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
        ),
        BUCKET_SSE,
    ),
    *[
        Mutation(
            f"bucket {flag} off",
            inputs("uploads-public-access", **{flag: False}),
            {"baseline/s3-public-access-blocked"},
        )
        for flag in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    ],
    Mutation(
        "bucket public access block removed",
        drop("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
        {"baseline/s3-public-access-blocked"},
    ),
    Mutation(
        "bucket versioning suspended",
        nested("uploads-versioning", ("versioningConfiguration", "status"), "Suspended"),
        {"hipaa/bucket-versioned"},
    ),
    Mutation("queue unencrypted", inputs("orders-queue", sqsManagedSseEnabled=False), QUEUE_SSE),
    Mutation(
        "https listener downgraded to http",
        inputs("public-https", protocol="HTTP", sslPolicy=DELETE),
        {"baseline/https-when-domain"},
    ),
    Mutation(
        "tls policy allows TLS 1.0",
        inputs("public-https", sslPolicy="ELBSecurityPolicy-2016-08"),
        TLS_POLICY,
    ),
    Mutation("tls policy removed", inputs("public-https", sslPolicy=DELETE), TLS_POLICY),
    Mutation(
        "http listener serves instead of redirecting",
        inputs("public-http", defaultActions=[{"type": "fixed-response"}]),
        {"baseline/http-redirects-to-https"},
    ),
    Mutation(
        "task gets a public ip",
        nested("web-service", ("networkConfiguration", "assignPublicIp"), True),
        PRIVATE_TASKS,
    ),
    Mutation(
        "scheduled job gets a public ip",
        nested(
            "nightly-schedule",
            ("target", "ecsParameters", "networkConfiguration", "assignPublicIp"),
            True,
        ),
        PRIVATE_TASKS,
    ),
    Mutation(
        "ecs exec on in production",
        inputs("web-service", enableExecuteCommand=True),
        {"baseline/ecs-exec-disabled-in-production", "pci-dss/no-shell-into-production"},
    ),
    Mutation(
        "circuit breaker does not roll back",
        nested("web-service", ("deploymentCircuitBreaker", "rollback"), False),
        {"baseline/ecs-circuit-breaker-rollback", "soc2/failed-deployments-roll-back"},
    ),
    Mutation(
        "cache port open to the internet",
        inputs("cache-from-web", cidrIpv4="0.0.0.0/0", referencedSecurityGroupId=DELETE),
        OPEN_INGRESS,
    ),
    Mutation(
        "ssh open on the load balancer",
        inputs("public-80-ipv4", fromPort=22, toPort=22),
        OPEN_INGRESS,
    ),
    Mutation(
        "https open straight to the tasks",
        inputs("web-from-lb", cidrIpv4="0.0.0.0/0", fromPort=443, toPort=443),
        OPEN_INGRESS,
    ),
    Mutation("all ports open over ipv6", inputs("public-443-ipv6", ipProtocol="-1"), OPEN_INGRESS),
    Mutation(
        "inline security group ingress from anywhere",
        inputs(
            "db-sg",
            ingress=[
                {"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["0.0.0.0/0"]}
            ],
        ),
        OPEN_INGRESS,
    ),
    Mutation("legacy ingress rule from anywhere", legacy_rule("ingress"), OPEN_INGRESS),
    Mutation("smtp out to anywhere", inputs("web-https-out", fromPort=25, toPort=25), OPEN_EGRESS),
    Mutation(
        "a port range out to anywhere over ipv6",
        inputs("web-https-out", cidrIpv4=DELETE, cidrIpv6="::/0", fromPort=8000, toPort=8100),
        OPEN_EGRESS,
    ),
    Mutation(
        "smtp out to the relay's range is allowed",
        inputs("web-https-out", fromPort=587, toPort=587, cidrIpv4="203.0.113.0/24"),
        set(),
    ),
    Mutation(
        "wildcard action",
        policy_statement({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::x"}),
        WILDCARD_ACTION,
    ),
    Mutation(
        "NotAction grant",
        policy_statement({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::x"}),
        WILDCARD_ACTION,
    ),
    Mutation(
        "write on every resource",
        policy_statement({"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"}),
        STAR_WRITE,
    ),
    Mutation(
        "inline role policy with a wildcard",
        inputs(
            "web-task-role",
            inlinePolicies=[
                {
                    "name": "x",
                    "policy": json.dumps({"Statement": [{"Action": "*", "Resource": "*"}]}),
                }
            ],
        ),
        WILDCARD_ACTION | STAR_WRITE,
    ),
    Mutation(
        "log retention removed",
        inputs("web-logs", retentionInDays=DELETE),
        {"baseline/log-retention-set", "pci-dss/audit-log-groups-kept"},
    ),
    Mutation(
        "log retention a month",
        inputs("web-logs", retentionInDays=30),
        {"pci-dss/audit-log-groups-kept"},
    ),
    Mutation(
        "database log groups left to aws",
        undepend("db-db", "aws:cloudwatch/logGroup:LogGroup"),
        {"baseline/database-log-groups-owned"},
    ),
    Mutation(
        "alb access logs off",
        nested("public-alb", ("accessLogs", "enabled"), False),
        {"baseline/alb-access-logs"},
    ),
    Mutation(
        "alb access logs removed",
        inputs("public-alb", accessLogs=DELETE),
        {"baseline/alb-access-logs"},
    ),
    Mutation(
        "waf logging removed",
        drop("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"),
        {"baseline/waf-logging"},
    ),
    *[
        Mutation(
            f"waf logs keep the {header} header",
            inputs(
                "public-waf-logging",
                redactedFields=[{"singleHeader": {"name": other}}],
            ),
            {"baseline/waf-logs-redact-credentials"},
        )
        for header, other in (("authorization", "cookie"), ("cookie", "authorization"))
    ],
    Mutation(
        "waf logs redact nothing",
        inputs("public-waf-logging", redactedFields=DELETE),
        {"baseline/waf-logs-redact-credentials"},
    ),
    Mutation(
        "aws keys in the task environment",
        containers(
            lambda c: c["environment"].append({"name": "AWS_SECRET_ACCESS_KEY", "value": "x"})
        ),
        {"baseline/task-no-static-credentials"},
    ),
    Mutation(
        "container logs not shipped", containers(lambda c: c.pop("logConfiguration")), TASK_LOGS
    ),
    Mutation("flow logs removed", drop("aws:ec2/flowLog:FlowLog"), FLOW_LOGS),
    Mutation(
        "container insights off",
        inputs("cluster", settings=[{"name": "containerInsights", "value": "disabled"}]),
        {"baseline/container-insights", "soc2/container-metrics"},
    ),
    Mutation(
        "alb deletion protection off",
        inputs("public-alb", enableDeletionProtection=False),
        {"baseline/prod-alb-deletion-protection"},
    ),
    Mutation(
        "alb keeps invalid headers",
        inputs("public-alb", dropInvalidHeaderFields=False),
        {"baseline/alb-drop-invalid-headers"},
    ),
    Mutation(
        "waf detached",
        drop("aws:wafv2/webAclAssociation:WebAclAssociation"),
        {"pci-dss/waf-attached"},
    ),
    Mutation(
        "plan serves http with a domain",
        model_change(edit=in_env("load_balancers", "public", https=False)),
        {"baseline/model-https-with-domain"} | each("https-in-production"),
    ),
    Mutation(
        "plan drops the waf",
        model_change(edit=in_env("load_balancers", "public", waf=False)),
        {"pci-dss/waf-planned-for-public-apps", "soc2/waf-on-public-production"},
    ),
    Mutation(
        "a public tcp service carries cleartext",
        model_change(
            edit=in_env("services", "web", protocol="tcp", load_balancer=None, app_tls=False)
        ),
        each("public-tcp-encrypted"),
    ),
    Mutation(
        "production deploys without approval",
        model_change(edit=env_field(approval_required=False)),
        each("production-changes-approved", ("pci-dss", "soc2")),
    ),
    Mutation(
        "plan keeps logs a month",
        model_change(edit=env_field(log_retention_days=30)),
        each("audit-log-retention-planned", ("pci-dss", "hipaa")) | {"soc2/log-retention-planned"},
    ),
    Mutation(
        "no alert email",
        model_change(edit=lambda m: m.model_copy(update={"alert_email": None})),
        {"pci-dss/security-alerts-routed", "hipaa/incident-alerts-routed", "soc2/alerts-routed"},
    ),
    Mutation(
        "plan keeps no backups",
        model_change(edit=in_env("datastores", "db", backup_days=0)),
        {"baseline/prod-datastore-protection"} | each("backups-planned", ("hipaa", "soc2")),
    ),
    Mutation(
        "plan leaves the database unprotected",
        model_change(edit=in_env("datastores", "db", deletion_protection=False)),
        {"baseline/prod-datastore-protection"},
    ),
    Mutation(
        "plan runs one availability zone",
        model_change(edit=in_env("datastores", "db", multi_az=False)),
        {"soc2/database-standby"},
    ),
]


def fired(stack: Stack, mutation: Mutation, packs: list[Pack]) -> set[str]:
    mutated = stack.copy()
    changed = mutation.change(mutated)
    model = changed if isinstance(changed, DeploymentModel) else mutated.model
    report = evaluate(model, mutated.env, mutated.resources, packs)
    return {v.rule for v in report.violations}


def test_the_unmutated_stack_passes_every_pack(shop_prod: Stack, all_packs: list[Pack]) -> None:
    report = evaluate(shop_prod.model, "prod", shop_prod.resources, all_packs)
    assert report.violations == []
    assert report.checks > 200


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_weakening_fires_exactly_the_matching_rules(
    mutation: Mutation, shop_prod: Stack, all_packs: list[Pack]
) -> None:
    assert fired(shop_prod, mutation, all_packs) == mutation.fires


def test_an_egress_rule_from_anywhere_is_not_ingress(
    shop_prod: Stack, all_packs: list[Pack]
) -> None:
    harmless = Mutation("egress", legacy_rule("egress"), set())
    assert fired(shop_prod, harmless, all_packs) == set()


def test_every_builtin_rule_is_triggered_by_some_mutation(all_packs: list[Pack]) -> None:
    """A rule that no mutation can trigger is a defect: it may be checking nothing."""
    covered = set().union(*(m.fires for m in [*MUTATIONS, *FULL_MUTATIONS]))
    every_rule = {rule.qualified_id for pack in all_packs for rule in pack.rules}
    assert every_rule - covered == set()
    assert covered - every_rule == set()


# The full example's production ("main") has the other datastore kinds: MariaDB,
# DocumentDB, Amazon MQ and Memcached share the rules above.
FULL_MUTATIONS = [
    Mutation(
        "documentdb unencrypted", inputs("catalog-cluster", storageEncrypted=False), ENCRYPTED_DB
    ),
    Mutation(
        "documentdb tls off",
        nested("catalog-params", ("parameters", 0, "value"), "disabled"),
        DB_TLS,
    ),
    Mutation(
        "documentdb deletion protection off",
        inputs("catalog-cluster", deletionProtection=False),
        {"baseline/prod-rds-deletion-protection"}
        | each("database-deletion-protected", ("hipaa", "soc2")),
    ),
    Mutation(
        "broker publicly accessible", inputs("broker-broker", publiclyAccessible=True), PRIVATE_DB
    ),
    Mutation(
        "memcached transit off",
        inputs("sessions-cache", transitEncryptionEnabled=False),
        CACHE_TRANSIT,
    ),
    Mutation(
        "memcached holds restricted data",
        inputs("sessions-cache", tags={"DataClassification": "restricted"}),
        MEMCACHED_DATA,
    ),
    Mutation("memcached untagged", inputs("sessions-cache", tags=DELETE), MEMCACHED_DATA),
    Mutation("mariadb tls off", nested("ledger-params", ("parameters", 0, "value"), "OFF"), DB_TLS),
    Mutation(
        "documentdb log group left to aws",
        undepend("catalog-cluster", "aws:cloudwatch/logGroup:LogGroup"),
        {"baseline/database-log-groups-owned"},
    ),
    Mutation(
        "opensearch error logs not published",
        lambda stack: stack.named("fulltext-domain").inputs.update(
            logPublishingOptions=[
                o
                for o in stack.named("fulltext-domain").inputs["logPublishingOptions"]
                if o["logType"] != "ES_APPLICATION_LOGS"
            ]
        ),
        each("search-error-logs"),
    ),
    Mutation(
        "opensearch error logs switched off",
        lambda stack: [
            o.update(enabled=False)
            for o in stack.named("fulltext-domain").inputs["logPublishingOptions"]
        ],
        each("search-error-logs"),
    ),
    Mutation(
        "mariadb log groups without retention",
        lambda stack: [
            stack.named(f"ledger-{log}-logs").inputs.pop("retentionInDays")
            for log in ("error", "slowquery")
        ],
        {
            "baseline/log-retention-set",
            "baseline/database-log-groups-owned",
            "pci-dss/audit-log-groups-kept",
        },
    ),
]


def test_the_unmutated_full_stack_passes_every_pack(
    full_main: Stack, all_packs: list[Pack]
) -> None:
    report = evaluate(full_main.model, "main", full_main.resources, all_packs)
    assert [str(v) for v in report.violations] == []


@pytest.mark.parametrize("mutation", FULL_MUTATIONS, ids=[m.name for m in FULL_MUTATIONS])
def test_other_datastore_kinds_are_held_to_the_same_rules(
    mutation: Mutation, full_main: Stack, all_packs: list[Pack]
) -> None:
    assert fired(full_main, mutation, all_packs) == mutation.fires
