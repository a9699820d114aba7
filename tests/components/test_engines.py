"""MariaDB, DocumentDB, RabbitMQ and Memcached components: private, encrypted, wired by `uses`.

``programs/engines`` gives a worker (``app``) one datastore of each engine and a second
worker (``relay``) only the broker, in a dev and a prod shape; the generated program for
``examples/full.yaml`` is checked for the same properties.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shipspec.plan.db_admin import ADMIN_ENGINES
from shipspec.preview.runner import (
    SECRET,
    ProgramError,
    RecordedResource,
    StackRun,
    run_program,
    run_stack,
)

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SERVICE = "aws:ecs/service:Service"
DOCDB = "aws:docdb/cluster:Cluster"
DOCDB_INSTANCE = "aws:docdb/clusterInstance:ClusterInstance"
BROKER = "aws:mq/broker:Broker"
MEMCACHED = "aws:elasticache/cluster:Cluster"
PORTS = {"ledger": 3306, "catalog": 27017, "broker": 5671, "sessions": 11211}


@pytest.fixture(scope="module", params=["dev", "prod"])
def run(request: pytest.FixtureRequest, make_program: Callable[..., Path]) -> StackRun:
    config = {"aws:region": "eu-west-1", **({"prod": "true"} if request.param == "prod" else {})}
    return run_stack(make_program("engines"), project="engines", stack=request.param, config=config)


@dataclass(frozen=True)
class Stack:
    """The lookups these tests need (conftest's ``Stack`` is not importable here)."""

    resources: list[RecordedResource]

    def __iter__(self) -> Any:
        return iter(self.resources)

    def of_type(self, token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == token]

    def named(self, name: str, token: str | None = None) -> RecordedResource:
        found = [r for r in self.resources if r.name == name and token in (None, r.type)]
        assert len(found) == 1, f"{len(found)} resources named {name!r} ({token})"
        return found[0]


@pytest.fixture(scope="module")
def stack(run: StackRun) -> Stack:
    return Stack(run.resources)


def service_sg(stack: Stack, name: str) -> str:
    (group,) = stack.named(f"{name}-service", SERVICE).inputs["networkConfiguration"][
        "securityGroups"
    ]
    return str(group)


def store_sg(stack: Stack, store: str) -> str:
    return str(stack.named(f"{store}-sg").urn)


def test_each_datastore_accepts_only_its_users_on_its_port(stack: Stack) -> None:
    users = {"ledger": ["app"], "catalog": ["app"], "broker": ["app", "relay"], "sessions": ["app"]}
    groups = {r.name: r for r in stack.of_type("aws:ec2/securityGroup:SecurityGroup")}
    for store, consumers in users.items():
        rules = [r for r in stack.of_type(INGRESS) if store_sg(stack, store) in r.dependencies]
        assert sorted(r.name for r in rules) == [f"{store}-from-{c}" for c in consumers]
        for rule in rules:
            assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs
            assert rule.inputs["fromPort"] == rule.inputs["toPort"] == PORTS[store]
        sources = {r.inputs["referencedSecurityGroupId"] for r in rules}
        assert sources == {service_sg(stack, c) for c in consumers}
        assert f"{store}-sg" in groups
    # ...and each worker may reach exactly those ports on exactly those groups.
    egress = {
        r.name: (r.inputs["fromPort"], r.inputs["toPort"])
        for r in stack.of_type(EGRESS)
        if r.inputs["securityGroupId"] == service_sg(stack, "relay")
    }
    assert egress == {"relay-https-out": (443, 443), "relay-to-events": (5671, 5671)}


def test_document_db_is_encrypted_tls_only_and_keeps_its_password_in_secrets_manager(
    stack: Stack,
) -> None:
    (cluster,) = stack.of_type(DOCDB)
    inputs = cluster.inputs
    assert inputs["storageEncrypted"] is True
    assert inputs["manageMasterUserPassword"] is True
    assert "masterPassword" not in inputs and "masterPasswordWo" not in inputs
    assert (inputs["engine"], inputs["engineVersion"], inputs["port"]) == ("docdb", "5.0.0", 27017)
    assert inputs["enabledCloudwatchLogsExports"] == ["audit", "profiler"]
    params = stack.named("catalog-params").inputs
    assert params["family"] == "docdb5.0"
    # Each exported log is one the cluster writes: the audit log, and the profiler's
    # operations slower than the threshold (1000 ms unless the program says otherwise).
    assert {(p["name"], p["value"]) for p in params["parameters"]} == {
        ("tls", "enabled"),
        ("audit_logs", "enabled"),
        ("profiler", "enabled"),
        ("profiler_threshold_ms", "1000"),
    }


def test_document_db_instances_spread_over_the_azs_and_prod_is_protected(
    run: StackRun, stack: Stack
) -> None:
    (cluster,) = stack.of_type(DOCDB)
    instances = stack.of_type(DOCDB_INSTANCE)
    zones = [i.inputs["availabilityZone"] for i in instances]
    if run.stack == "prod":
        assert sorted(zones) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
        assert cluster.inputs["deletionProtection"] is True
        assert cluster.inputs["skipFinalSnapshot"] is False
        assert cluster.inputs["finalSnapshotIdentifier"] == "engines-prod-catalog-final"
        assert cluster.inputs["backupRetentionPeriod"] == 10
    else:
        assert zones == ["eu-west-1a"]
        assert cluster.inputs["deletionProtection"] is False
        assert cluster.inputs["skipFinalSnapshot"] is True
    for instance in instances:
        assert cluster.urn in instance.dependencies
        assert instance.inputs["clusterIdentifier"] == f"engines-{run.stack}-catalog"
        assert instance.parent == stack.named("catalog", "shipspec:aws:DocumentDB").urn


def test_exported_logs_go_to_groups_the_stack_owns(run: StackRun, stack: Stack) -> None:
    """RDS and DocumentDB find their log groups in place, with retention, before writing."""
    groups = {r.inputs["name"]: r for r in stack.of_type("aws:cloudwatch/logGroup:LogGroup")}
    writers = {
        f"/aws/rds/instance/engines-{run.stack}-ledger/": stack.named("ledger-db"),
        f"/aws/docdb/engines-{run.stack}-catalog/": stack.named("catalog-cluster", DOCDB),
    }
    expected = {"error", "slowquery", "audit", "profiler"}
    owned = set()
    for prefix, writer in writers.items():
        for log in writer.inputs["enabledCloudwatchLogsExports"]:
            group = groups[prefix + log]
            assert group.inputs["retentionInDays"] == 14
            assert group.urn in writer.dependencies
            owned.add(log)
    assert owned == expected
    # Amazon MQ names the broker's group after the broker id, which AWS assigns at
    # creation and which is only known once AWS has made the group itself; no group to
    # pre-create, only the services' own.
    assert not [g for g in groups if g.startswith("/aws/amazonmq/")]
    assert sorted(g for g in groups if g.startswith("/ecs/")) == [
        f"/ecs/engines/{run.stack}/app",
        f"/ecs/engines/{run.stack}/relay",
    ]


def test_broker_is_private_encrypted_and_its_password_never_plain(
    run: StackRun, stack: Stack
) -> None:
    (broker,) = stack.of_type(BROKER)
    inputs = broker.inputs
    assert (inputs["engineType"], inputs["engineVersion"]) == ("RabbitMQ", "4.2")
    assert inputs["publiclyAccessible"] is False
    assert inputs["encryptionOptions"] == {"useAwsOwnedKey": True}
    assert inputs["logs"] == {"general": True}
    assert inputs["autoMinorVersionUpgrade"] is True
    assert inputs["users"] == SECRET
    # Each run draws a new password; a changed user would replace the broker.
    assert broker.ignore_changes == ["users"]
    (version,) = stack.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretStringWo"] == SECRET
    assert version.inputs["secretStringWoVersion"] == 1
    assert "secretString" not in version.inputs
    assert version.ignore_changes == ["secretStringWo"]
    shape = ("CLUSTER_MULTI_AZ", 3, True) if run.stack == "prod" else ("SINGLE_INSTANCE", 1, False)
    assert (inputs["deploymentMode"], len(inputs["subnetIds"]), broker.protect) == shape
    assert "Preview0" not in json.dumps([r.inputs for r in stack])  # the mock's password


def test_memcached_encrypts_connections_and_spreads_nodes(run: StackRun, stack: Stack) -> None:
    (cache,) = stack.of_type(MEMCACHED)
    inputs = cache.inputs
    assert (inputs["engine"], inputs["engineVersion"]) == ("memcached", "1.6.22")
    assert inputs["transitEncryptionEnabled"] is True
    # No at-rest encryption or AUTH exists for it: the tag says what it may hold.
    assert inputs["tags"] == {"DataClassification": "internal"}
    assert "atRestEncryptionEnabled" not in inputs and "authToken" not in inputs
    expected = (3, "cross-az") if run.stack == "prod" else (1, "single-az")
    assert (inputs["numCacheNodes"], inputs["azMode"]) == expected


def test_mariadb_enforces_tls_and_insights_only_where_rds_offers_them(
    run: StackRun, stack: Stack
) -> None:
    db = stack.named("ledger-db").inputs
    assert (db["engine"], db["port"], db["storageEncrypted"]) == ("mariadb", 3306, True)
    assert db["manageMasterUserPassword"] is True and "password" not in db
    params = stack.named("ledger-params").inputs
    assert params["family"] == "mariadb10.11"
    # TLS only, and the slow query log the instance exports written (as a file, which is
    # what RDS publishes) for statements over the threshold, 1000 ms by default.
    assert [(p["name"], p["value"]) for p in params["parameters"]] == [
        ("require_secure_transport", "ON"),
        ("log_output", "FILE"),
        ("long_query_time", "1"),
        ("slow_query_log", "1"),
    ]
    # RDS for MariaDB has no Performance Insights on micro classes: asking would fail.
    assert db["performanceInsightsEnabled"] is (run.stack == "prod")


def container(stack: Stack, service: str) -> dict[str, Any]:
    definitions = stack.named(f"{service}-task").inputs["containerDefinitions"]
    (only,) = json.loads(definitions) if isinstance(definitions, str) else definitions
    return dict(only)


def test_connection_settings_and_credentials_are_injected(stack: Stack) -> None:
    app = container(stack, "app")
    env = {e["name"]: e["value"] for e in app["environment"]}
    secrets = {s["name"]: s["valueFrom"] for s in app["secrets"]}
    (cluster,) = stack.of_type(DOCDB)
    assert env["CATALOG_PORT"] == "27017" and env["CATALOG_TLS"] == "true"
    ident = cluster.inputs["clusterIdentifier"]
    assert env["CATALOG_URL"].startswith(f"mongodb://{ident}.cluster-")
    assert env["CATALOG_URL"].endswith(
        ":27017/?tls=true&replicaSet=rs0&readPreference=secondaryPreferred&retryWrites=false"
    )
    assert env["EVENTS_URL"] == f"amqps://{env['EVENTS_HOST']}:5671"
    assert "://" not in env["EVENTS_HOST"] and not env["EVENTS_HOST"].endswith(":5671")
    nodes = env["SESSIONS_SERVERS"].split(",")
    assert all(n.endswith(".cache.amazonaws.com:11211") for n in nodes)
    assert ".cfg." in env["SESSIONS_HOST"] and env["SESSIONS_TLS"] == "true"
    assert env["LEDGER_PORT"] == "3306"
    # Passwords that RDS and DocumentDB rotate are read by the app from the secret's ARN
    # when it connects; the broker's (never rotated by AWS) is still injected.
    assert set(secrets) == {"EVENTS_USERNAME", "EVENTS_PASSWORD"}
    broker_secret = stack.named("broker-credentials", "aws:secretsmanager/secret:Secret")
    assert secrets["EVENTS_PASSWORD"].endswith(":password::")
    assert ":secret:broker-credentials-" in secrets["EVENTS_PASSWORD"]
    assert ":secret:rds!cluster-" in env["CATALOG_SECRET_ARN"]
    assert ":secret:rds!db-" in env["LEDGER_SECRET_ARN"]
    assert broker_secret.parent == stack.named("broker", "shipspec:aws:MessageBroker").urn
    assert not [e for e in env.values() if "Preview0" in e]  # no password in plain variables
    assert cluster.inputs["masterUsername"] == "app"


def test_roles_read_exactly_their_datastores_secrets(stack: Stack) -> None:
    def readable(role: str) -> list[str]:
        policy = json.loads(stack.named(f"{role}-policy").inputs["policy"])
        return sorted(
            r
            for statement in policy["Statement"]
            if statement["Action"] == ["secretsmanager:GetSecretValue"]
            for r in statement["Resource"]
        )

    # The ECS agent injects the broker's password; the app itself reads the rotated ones.
    app, relay = readable("app-execution-role"), readable("relay-execution-role")
    assert len(app) == 1 and ":secret:broker-credentials-" in app[0]
    assert len(relay) == 1 and ":secret:broker-credentials-" in relay[0]
    at_run_time = readable("app-task-role")
    owners = [r.split(":secret:")[1].split("-")[0] for r in at_run_time]
    assert owners == ["rds!cluster", "rds!db"]


def test_components_answer_their_metric_dimensions(run: StackRun) -> None:
    ledger, catalog, broker, sessions = run.outputs["ids"]
    # Fixed, not autonamed: the exported logs' group names contain them.
    assert ledger == f"engines-{run.stack}-ledger"
    assert catalog == f"engines-{run.stack}-catalog"
    assert broker.startswith("broker-broker-")
    assert sessions.startswith("sessions-cache-")
    assert run.outputs["catalog_endpoint"].endswith(".docdb.amazonaws.com")


BAD = """\
import pulumi_aws as aws
from components import {component}, Network

network = Network("network", cidr_block="10.0.0.0/16", az_count=2, nat_gateway_count=1)
{component}("store", vpc_id=network.vpc_id, subnet_ids=network.private_subnet_ids, {args})
"""


DOCDB_ARGS = 'instance_class="db.t4g.medium", instances=1, deletion_protection=False, '
REFUSED = [
    (
        "Memcached",
        'engine_version="1.6.6", node_type="cache.t4g.micro", nodes=1, '
        'data_classification="public"',
        "TLS needs",
    ),
    ("DocumentDB", DOCDB_ARGS + 'engine_version="5.0", backup_retention_days=0', "1-35 days"),
    ("DocumentDB", DOCDB_ARGS + 'engine_version="five", backup_retention_days=1', "like 5.0"),
]


@pytest.mark.parametrize(("component", "args", "message"), REFUSED)
def test_components_refuse_what_aws_would_refuse(
    make_program: Callable[..., Path], component: str, args: str, message: str
) -> None:
    program = make_program(
        f"bad-{component.lower()}-{zlib.crc32(args.encode())}",
        {
            "Pulumi.yaml": "name: bad\nruntime: python\n",
            "__main__.py": BAD.format(component=component, args=args),
        },
    )
    with pytest.raises(ProgramError, match=message):
        run_program(program, project="bad", stack="dev", config={})


def test_the_full_example_wires_its_imported_engines_to_their_users_only(generated: Any) -> None:
    env = generated.model("full").production
    preview = generated.preview("full", env.name)
    by_urn = {r.urn: r for r in preview.resources}
    engines = [
        d for d in env.datastores if d.engine in ("mariadb", "mongodb", "rabbitmq", "memcached")
    ]
    assert {d.engine for d in engines} == {"mariadb", "mongodb", "rabbitmq", "memcached"}
    for store in engines:
        rules = [r for r in preview.of_type(INGRESS) if r.name.startswith(f"{store.name}-from-")]
        sources = set()
        for rule in rules:
            assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs
            groups = [by_urn[u] for u in rule.dependencies if u in by_urn]
            sources |= {
                g.name.removesuffix("-sg")
                for g in groups
                if g.type == "aws:ec2/securityGroup:SecurityGroup" and g.name != f"{store.name}-sg"
            }
        # A SQL database or DocumentDB cluster also admits its one-off db-admin task
        # (plan/db_admin.py).
        admin = (
            {f"{store.name}-admin"}
            if store.engine in ADMIN_ENGINES or store.engine == "mongodb"
            else set()
        )
        assert sources == set(store.used_by) | admin, store.name
    (broker,) = preview.of_type(BROKER)
    assert broker.inputs["publiclyAccessible"] is False and broker.inputs["users"] == SECRET
    (cache,) = preview.of_type(MEMCACHED)
    assert cache.inputs["transitEncryptionEnabled"] is True


# What carries each engine's version in the recorded stack, by engine.
VERSIONED = {
    "postgres": "aws:rds/instance:Instance",
    "mysql": "aws:rds/instance:Instance",
    "mariadb": "aws:rds/instance:Instance",
    "sqlserver": "aws:rds/instance:Instance",
    "redis": "aws:elasticache/replicationGroup:ReplicationGroup",
    "memcached": MEMCACHED,
    "rabbitmq": BROKER,
    "mongodb": DOCDB,
    "opensearch": "aws:opensearch/domain:Domain",
}


def test_the_documents_state_the_engine_versions_the_program_sets(generated: Any) -> None:
    """The handoff's datastore table says what reaches AWS (postgres 16.4 is set as ``16``,
    DocumentDB 5.0 as ``5.0.0``), and that AWS upgrades minor versions where it does."""
    from shipspec.plan.engine_versions import AUTO_MINOR, deployed_version, version_label

    model = generated.model("full")
    env = model.production
    preview = generated.preview("full", env.name)
    handoff = (generated.out_dir("full") / "docs/operations/handoff.md").read_text()
    section = handoff.split(f"## Environment: {env.name}\n")[1].split("\n## ")[0]
    checked = set()
    for store in env.datastores:
        if store.engine not in VERSIONED:
            continue
        found = [
            r
            for r in preview.of_type(VERSIONED[store.engine])
            if r.name.startswith(f"{store.name}-") and "engineVersion" in r.inputs
        ]
        assert len(found) == 1, (store.name, [r.name for r in found])
        (resource,) = found
        assert resource.inputs["engineVersion"] == deployed_version(store), store.name
        auto = resource.inputs.get("autoMinorVersionUpgrade")
        if store.engine == "mongodb":  # set on the cluster's instances
            auto = all(
                i.inputs.get("autoMinorVersionUpgrade") is True
                for i in preview.of_type(DOCDB_INSTANCE)
                if i.name.startswith(f"{store.name}-")
            )
        assert (auto in (True, "true")) == (store.engine in AUTO_MINOR), store.name
        row = next(x for x in section.splitlines() if x.startswith(f"| {store.name} |"))
        cell = row.split("|")[2].strip()
        assert cell == version_label(store) or cell.startswith(f"{version_label(store)} ("), row
        if store.engine in AUTO_MINOR:
            assert "automatic" in cell, row
        checked.add(store.engine)
    assert checked == set(VERSIONED)


WEB_ACL = "aws:wafv2/webAcl:WebAcl"


def test_the_waf_runbook_names_the_program_s_web_acls_rules_and_log_groups(
    generated: Any,
) -> None:
    """Every web ACL, rule metric and log group the runbook's WAF section names is one the
    program creates, and every one the program creates is named."""
    from shipspec.render.targets._docs_runbook_waf import web_acls

    model = generated.model("full")
    env = model.production
    preview = generated.preview("full", env.name)
    runbook = (generated.out_dir("full") / "docs/operations/runbook.md").read_text()
    waf = runbook.split("\n## WAF\n")[1].split("\n## ")[0]
    acls = {a.name: a for a in web_acls(model)}
    recorded = {r.name: r for r in preview.of_type(WEB_ACL)}
    assert set(acls) == set(recorded) and acls
    groups = {
        r.inputs["name"]
        for r in preview.of_type("aws:cloudwatch/logGroup:LogGroup")
        if str(r.inputs.get("name", "")).startswith("aws-waf-logs-")
    }
    for name, acl in acls.items():
        inputs = recorded[name].inputs
        # The ACL's metric name is the stack's own (the WebACL dimension), as the table says.
        metric_name = acl.metric_name(model.app, env.name)
        assert inputs["visibilityConfig"]["metricName"] == metric_name
        assert f"`{metric_name}` ({env.name})" in waf
        assert inputs["scope"] == acl.scope
        metrics = [r["visibilityConfig"]["metricName"] for r in inputs["rules"]]
        assert metrics == [acl.metric(rule) for rule in acl.rules]
        assert [r["name"] for r in inputs["rules"]] == list(acl.rules)
        assert all(f"`{m}`" in waf for m in metrics)
        log_group = acl.log_group(model.app, env.name)
        assert log_group in groups and f"`{log_group}`" in waf
    for command in ("aws wafv2 get-web-acl ", "aws wafv2 update-web-acl ", "--lock-token"):
        assert command in waf
    assert "Then put the change into the program" in waf and "infra/overrides.py" in waf


def test_the_waf_runbook_s_override_counts_the_rule_in_the_program(
    generated: Any, tmp_path: Path
) -> None:
    """The transform the runbook gives for `infra/overrides.py`, with a rule filled in,
    turns that one managed rule to Count in the previewed web ACL and leaves the rest."""
    import re
    import shutil

    from shipspec.preview.service import run_preview

    source = generated.out_dir("full")
    runbook = (source / "docs/operations/runbook.md").read_text()
    block = runbook.split("\n## WAF\n")[1].split("```python\n")[1].split("```")[0]
    snippet = "\n".join(line.removeprefix("   ") for line in block.splitlines())
    snippet = snippet.replace("<ruleId>", "SQLi_BODY")
    out = tmp_path / "full"
    shutil.copytree(source, out)
    overrides = out / "infra/overrides.py"
    overrides.write_text(overrides.read_text() + "\n\n" + snippet + "\n")
    model = generated.model("full")
    env = model.production.name
    preview = run_preview(out, env, remember=False)
    (acl,) = [r for r in preview.of_type(WEB_ACL) if r.name == "public-waf"]
    by_name = {r["name"]: r for r in acl.inputs["rules"]}
    group = re.search(r'rule\["name"\] == "([^"]+)"', snippet)
    assert group is not None
    statement = by_name[group.group(1)]["statement"]["managedRuleGroupStatement"]
    assert {"name": "SQLi_BODY", "actionToUse": {"count": {}}} in statement["ruleActionOverrides"]
    # The common set's counted body-size rule is untouched, and so is the rate limit.
    common = by_name["AWSManagedRulesCommonRuleSet"]["statement"]["managedRuleGroupStatement"]
    assert [o["name"] for o in common["ruleActionOverrides"]] == ["SizeRestrictions_BODY"]
    assert "block" in by_name["rate-limit"]["action"]


def test_the_waf_runbook_s_exemption_keeps_users_egress_out_of_the_rate_limit(
    generated: Any, tmp_path: Path
) -> None:
    """The runbook's second transform for `infra/overrides.py`: an IP set of the users'
    egress addresses and a scope-down statement, so the rate-based rule counts only the
    other addresses; its limit and action, and the managed groups, are unchanged."""
    import shutil

    from shipspec.preview.service import run_preview

    source = generated.out_dir("full")
    runbook = (source / "docs/operations/runbook.md").read_text()
    block = runbook.split("\n## WAF\n")[1].split("```python\n")[2].split("```")[0]
    snippet = "\n".join(line.removeprefix("   ") for line in block.splitlines())
    assert "_exempt_from_rate_limit" in snippet
    out = tmp_path / "full"
    shutil.copytree(source, out)
    overrides = out / "infra/overrides.py"
    overrides.write_text(overrides.read_text() + "\n\n" + snippet + "\n")
    env = generated.model("full").production
    limit = next(b for b in env.load_balancers if b.name == "public").waf_rate_limit
    preview = run_preview(out, env.name, remember=False)
    (ip_set,) = preview.of_type("aws:wafv2/ipSet:IpSet")
    assert ip_set.inputs["scope"] == "REGIONAL" and ip_set.inputs["addresses"]
    (acl,) = [r for r in preview.of_type(WEB_ACL) if r.name == "public-waf"]
    by_name = {r["name"]: r for r in acl.inputs["rules"]}
    rate = by_name["rate-limit"]["statement"]["rateBasedStatement"]
    assert (rate["limit"], rate["aggregateKeyType"]) == (limit, "IP")
    [exempt] = rate["scopeDownStatement"]["notStatement"]["statements"]
    assert "rate-limit-exempt" in exempt["ipSetReferenceStatement"]["arn"]  # the set's ARN
    assert "block" in by_name["rate-limit"]["action"]
    common = by_name["AWSManagedRulesCommonRuleSet"]["statement"]["managedRuleGroupStatement"]
    assert [o["name"] for o in common["ruleActionOverrides"]] == ["SizeRestrictions_BODY"]


def test_the_handoff_says_what_each_service_scales_on(generated: Any) -> None:
    """A service the program gives a CPU target-tracking policy is "CPU <target>%" in the
    handoff; a queue consumer, which gets backlog scaling and no CPU policy, its backlog."""
    model = generated.model("full")
    env = model.production
    preview = generated.preview("full", env.name)
    handoff = (generated.out_dir("full") / "docs/operations/handoff.md").read_text()
    section = handoff.split(f"## Environment: {env.name}\n")[1].split("\n## ")[0]
    policies = {r.name: r for r in preview.of_type("aws:appautoscaling/policy:Policy")}
    seen = set()
    for s in env.services:
        if s.kind == "job":
            continue
        row = next(x for x in section.splitlines() if x.startswith(f"| {s.name} | {s.kind} |"))
        scaling = row.split("|")[5].strip()
        cpu = policies.get(f"{s.name}-cpu")
        if cpu is not None:
            config = cpu.inputs["targetTrackingScalingPolicyConfiguration"]
            assert scaling == f"CPU {config['targetValue']:g}%", row
            seen.add("cpu")
        else:
            assert s.queue_scaling is not None, s.name
            assert scaling.startswith(f"queue backlog ({s.queue_scaling.queue})"), row
            assert f"{s.queue_scaling.messages_per_task} messages per task" in scaling
            seen.add("queue")
    assert seen == {"cpu", "queue"}
