"""The security controls of issue 10, read from the generated program run under mocks.

Each test names the control and the way version 1 broke it: the database password
injected once at task start (stale after RDS's 7-day rotation) and shared by every
service, every use of a queue or bucket granted every action, no private registry
login, AWS-managed keys for restricted data, and a load balancer that could reach the
whole VPC.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from shipspec.plan.db_admin import ADMIN_ENGINES
from tests.conftest import example_names

TASK = "aws:ecs/taskDefinition:TaskDefinition"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SQL = ("postgres", "mysql", "mariadb")


def _container(preview: Any, service: str) -> dict[str, Any]:
    containers = json.loads(preview.named(f"{service}-task").inputs["containerDefinitions"])
    (container,) = [c for c in containers if c["name"] == service]  # not the collector beside it
    return container


def _statements(preview: Any, role: str) -> list[dict[str, Any]]:
    found = [r for r in preview.of_type(ROLE_POLICY) if r.name == f"{role}-policy"]
    return json.loads(found[0].inputs["policy"])["Statement"] if found else []


def _actions(preview: Any, role: str) -> set[str]:
    return {a for s in _statements(preview, role) for a in s["Action"]}


def _granted(preview: Any, role: str, action: str) -> list[str]:
    return [r for s in _statements(preview, role) if action in s["Action"] for r in s["Resource"]]


def _all_stacks() -> list[tuple[str, str]]:
    import shipspec
    from tests.conftest import EXAMPLES

    return [
        (name, env)
        for name in example_names()
        for env in shipspec.load(EXAMPLES / f"{name}.yaml").environments
    ]


@pytest.mark.parametrize(("example", "env"), _all_stacks())
def test_database_credentials_survive_rotation(generated, example: str, env: str) -> None:  # type: ignore[no-untyped-def]
    plan = generated.model(example).environment(env)
    preview = generated.preview(example, env)
    for service in plan.services:
        container = _container(preview, service.name)
        # Nothing RDS or DocumentDB rotates is injected once at start-up.
        assert not [s for s in container["secrets"] if ":secret:rds!" in s["valueFrom"]]
        variables = {e["name"]: e["value"] for e in container["environment"]}
        for use in service.uses:
            if use.engine not in SQL:
                continue
            prefix = use.env_prefix
            if use.db_user is None:
                # Read by ARN at connect time, with the task role allowed to read it.
                assert variables[f"{prefix}_AUTH"] == "secret"
                arn = variables[f"{prefix}_SECRET_ARN"]
                assert arn in _granted(preview, f"{service.name}-task-role", _GET_SECRET)
            else:
                assert variables[f"{prefix}_AUTH"] == "iam"
                assert variables[f"{prefix}_USERNAME"] == use.db_user
        own = [u for u in service.uses if u.engine in SQL and u.db_user is not None]
        users = _granted(preview, f"{service.name}-task-role", "rds-db:connect")
        # One rds-db:connect per database, each on this service's user only.
        assert len(users) == len(own)
        assert all(
            u.startswith("arn:aws:rds-db:") and u.endswith(f"/{own[0].db_user}") for u in users
        )


_GET_SECRET = "secretsmanager:GetSecretValue"


@pytest.mark.parametrize(
    ("example", "env"), [("shop", "prod"), ("shop", "staging"), ("full", "main"), ("full", "dev")]
)
def test_regulated_stacks_give_each_service_its_own_database_user(
    generated,  # type: ignore[no-untyped-def]
    example: str,
    env: str,
) -> None:
    plan = generated.model(example).environment(env)
    users: dict[str, set[str]] = {}
    for service in plan.services:
        for use in service.uses:
            if use.engine in SQL:
                assert use.db_user is not None, (service.name, use.datastore)
                users.setdefault(use.datastore, set()).add(use.db_user)
                assert plan.decision(f"services.{service.name}.uses.{use.datastore}.credentials")
    assert users
    used_by = {d.name: len(d.used_by) for d in plan.datastores}
    assert all(len(names) == used_by[store] for store, names in users.items())
    preview = generated.preview(example, env)
    for instance in preview.of_type("aws:rds/instance:Instance"):
        assert instance.inputs["manageMasterUserPassword"] is True
        # SQL Server has no IAM database authentication: its users read the master secret.
        iam = not instance.inputs["engine"].startswith("sqlserver-")
        assert bool(instance.inputs.get("iamDatabaseAuthenticationEnabled")) is iam


@pytest.mark.parametrize(("example", "env"), [("webapp", "dev"), ("webapp", "prod")])
def test_without_a_framework_every_environment_shares_the_master_secret_by_arn(
    generated,  # type: ignore[no-untyped-def]
    example: str,
    env: str,
) -> None:
    """No pci-dss, hipaa or soc2: production keeps the master secret too (nothing asks the
    spec for separate identities), so no environment differs from production here either."""
    plan = generated.model(example).environment(env)
    assert not generated.model(example).compliance
    (db,) = [u for u in plan.service("web").uses if u.engine in SQL]
    assert db.db_user is None
    reason = plan.decision("services.web.uses.db.credentials").reason
    assert "master user in every environment, production included" in reason


def test_queue_and_bucket_access_follows_each_role(generated) -> None:  # type: ignore[no-untyped-def]
    preview = generated.preview("full", "main")
    api, indexer, reports = (
        _actions(preview, f"{s}-task-role") for s in ("api", "indexer", "reports")
    )
    # The API produces to `events` and reads/writes `assets`; it may not consume or delete.
    assert "sqs:SendMessage" in api
    assert not {"sqs:ReceiveMessage", "sqs:DeleteMessage", "s3:DeleteObject"} & api
    # The indexer consumes `events` and may not send.
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= indexer
    assert "sqs:SendMessage" not in indexer
    # Only the reports job says `access: read-write-delete`.
    assert "s3:DeleteObject" in reports
    shop = generated.preview("shop", "prod")
    assert "sqs:SendMessage" not in _actions(shop, "mailer-task-role")
    assert "sqs:ReceiveMessage" not in _actions(shop, "web-task-role")


def test_private_registry_login_is_read_by_the_agent(generated) -> None:  # type: ignore[no-untyped-def]
    preview = generated.preview("full", "dev")
    container = _container(preview, "indexer")
    login = container["repositoryCredentials"]["credentialsParameter"]
    assert ":secret:GHCR_PULL-secret-" in login
    assert login in _granted(preview, "indexer-execution-role", _GET_SECRET)
    # Nobody else gets it, and the login is not an environment variable of the task.
    assert login not in _granted(preview, "api-execution-role", _GET_SECRET)
    assert "repositoryCredentials" not in _container(preview, "api")
    assert not [s for s in container["secrets"] if s["valueFrom"] == login]


def test_production_pulls_images_through_the_vpc_endpoints(generated) -> None:  # type: ignore[no-untyped-def]
    preview = generated.preview("shop", "prod")
    # com.amazonaws.<region>.ecr.api -> ecr.api
    endpoints = {
        e.inputs["serviceName"].split(".", 3)[-1]: e.inputs
        for e in preview.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    }
    for service in ("ecr.api", "ecr.dkr"):
        endpoint = endpoints[service]
        assert endpoint["vpcEndpointType"] == "Interface" and endpoint["privateDnsEnabled"]
    # Image layers come from S3 through the gateway on every private route table.
    gateway = endpoints["s3"]
    private_tables = [
        r for r in preview.of_type("aws:ec2/routeTable:RouteTable") if "private" in r.name
    ]
    assert gateway["vpcEndpointType"] == "Gateway"
    assert len(gateway["routeTableIds"]) == len(private_tables)
    # The endpoints admit HTTPS from the VPC, and every task may send HTTPS out.
    (https_in,) = [r for r in preview.of_type(_INGRESS) if r.name == "network-endpoints-https"]
    assert (https_in.inputs["fromPort"], https_in.inputs["cidrIpv4"]) == (443, "10.0.0.0/16")
    out = [r for r in preview.of_type(_EGRESS) if r.name.endswith("-https-out")]
    env = generated.model("shop").environment("prod")
    tasks = {s.name for s in env.services}
    # The one-off tasks CI runs: each SQL database's db-admin task, each service's migration.
    tasks |= {f"{d.name}-admin" for d in env.datastores if d.engine in ADMIN_ENGINES}
    tasks |= {f"{s.name}-migrate" for s in env.services if s.migrate}
    assert {r.name for r in out} == {f"{t}-https-out" for t in tasks}
    assert all(r.inputs["fromPort"] == r.inputs["toPort"] == 443 for r in out)


_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def test_restricted_data_is_encrypted_with_the_stack_key(generated) -> None:  # type: ignore[no-untyped-def]
    preview = generated.preview("full", "main")
    key = preview.named("data-key")
    assert key.inputs["enableKeyRotation"] is True
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    logs = statements["CloudWatchLogsForThisAccount"]
    assert logs["Principal"] == {"Service": "logs.eu-central-1.amazonaws.com"}
    context = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert context.startswith("arn:aws:logs:eu-central-1:")
    keys: set[str] = set()
    for db in preview.of_type("aws:rds/instance:Instance"):
        keys |= {db.inputs["kmsKeyId"], db.inputs["masterUserSecretKmsKeyId"]}
    for queue in preview.of_type("aws:sqs/queue:Queue"):
        assert "sqsManagedSseEnabled" not in queue.inputs
        keys.add(queue.inputs["kmsMasterKeyId"])
    for secret in preview.of_type("aws:secretsmanager/secret:Secret"):
        if secret.name.startswith(("GHCR_PULL", "STRIPE_KEY", "JWT_SIGNING_KEY", "cache-")):
            keys.add(secret.inputs["kmsKeyId"])
    for encryption in preview.of_type(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ):
        if encryption.name == "assets-encryption":
            (rule,) = encryption.inputs["rules"]
            default = rule["applyServerSideEncryptionByDefault"]
            assert default["sseAlgorithm"] == "aws:kms" and rule["bucketKeyEnabled"] is True
            keys.add(default["kmsMasterKeyId"])
    service_logs = [
        g for g in preview.of_type("aws:cloudwatch/logGroup:LogGroup") if g.name.endswith("-logs")
    ]
    for group in service_logs:
        if group.name in {f"{s}-logs" for s in ("api", "admin", "indexer", "reports")}:
            keys.add(group.inputs["kmsKeyId"])
    (cache,) = preview.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    keys.add(cache.inputs["kmsKeyId"])
    assert len(keys) == 1 and ":key/" in keys.pop()


def test_confidential_data_keeps_aws_managed_keys(generated) -> None:  # type: ignore[no-untyped-def]
    preview = generated.preview("shop", "prod")
    assert not [k for k in preview.of_type("aws:kms/key:Key") if k.name == "data-key"]
    for queue in preview.of_type("aws:sqs/queue:Queue"):
        assert queue.inputs["sqsManagedSseEnabled"] is True


def test_production_cache_is_not_burstable_at_three_nines(generated) -> None:  # type: ignore[no-untyped-def]
    prod = generated.model("shop").environment("prod")
    assert prod.datastore("cache").instance_class == "cache.m7g.large"
    assert (
        generated.model("shop")
        .environment("dev")
        .datastore("cache")
        .instance_class.startswith("cache.t4g.")
    )


def test_internal_load_balancer_serves_https_in_production(generated) -> None:  # type: ignore[no-untyped-def]
    model = generated.model("full")
    internal = next(lb for lb in model.environment("main").load_balancers if lb.name == "internal")
    assert (internal.domain, internal.hosted_zone) == ("internal.atlas.example.com", "example.com")
    preview = generated.preview("full", "main")
    listener = preview.named("internal-https").inputs
    assert listener["protocol"] == "HTTPS" and listener["port"] == 443
    cert = preview.named("internal-cert").inputs
    # A public certificate for the internal name, validated through DNS in the public zone.
    assert (cert["domainName"], cert["validationMethod"]) == ("internal.atlas.example.com", "DNS")
    assert "certificateAuthorityArn" not in cert
    redirect = preview.named("internal-http").inputs["defaultActions"][0]
    assert redirect["redirect"]["protocol"] == "HTTPS"
    # Non-production keeps HTTP inside the VPC (no certificate to renew per environment).
    staging = next(
        lb for lb in model.environment("staging").load_balancers if lb.name == "internal"
    )
    assert not staging.https and staging.domain is None


@pytest.mark.parametrize(("example", "env"), _all_stacks())
def test_databases_pin_the_version_rds_keeps_through_minor_upgrades(  # type: ignore[no-untyped-def]
    generated, example: str, env: str
) -> None:
    """Version 1 pinned the spec's full version (postgres 16.4) with automatic minor upgrades:
    once RDS applied 16.6, every later `pulumi up` asked for a downgrade RDS refuses."""
    plan = generated.model(example).environment(env)
    versions = {d.name: d.version for d in plan.datastores if d.engine in SQL}
    for resource in generated.preview(example, env).resources:
        if resource.type != "aws:rds/instance:Instance":
            continue
        inputs = resource.inputs
        if inputs["engine"].startswith("sqlserver-"):  # a major version, e.g. 16.00
            store = plan.datastore(resource.name.removesuffix("-db"))
            assert (inputs["engineVersion"], inputs["autoMinorVersionUpgrade"]) == (
                store.version,
                True,
            )
            continue
        spec_version = versions[resource.name.removesuffix("-db")]
        assert inputs["autoMinorVersionUpgrade"] is True
        major = (
            spec_version.split(".")[0]
            if inputs["engine"] == "postgres"
            else ".".join(spec_version.split(".")[:2])
        )
        assert inputs["engineVersion"] == major, resource.name


_SOC2_ENGINES = {"postgres": '"16"', "mysql": '"8.0"', "mariadb": '"11.4"'}


@pytest.mark.parametrize(
    ("engine", "env"),
    [*((engine, "prod") for engine in sorted(_SOC2_ENGINES)), ("postgres", "staging")],
)
def test_soc2_services_never_hold_the_master_secret(tmp_path, engine: str, env: str) -> None:  # type: ignore[no-untyped-def]
    """The review's finding: under SOC 2 every service, the public one included, signed in as
    the master user (`dbUsers.DB: null`, the master secret's ARN in the task definition, the
    task role allowed to read it). Now, per SQL engine, the service connects as its own user
    and only the one-off tasks that need DDL (db-admin, the migration) get the master secret.

    The second review's finding: only production did, so staging never ran the sign-in path
    production relies on (IAM authentication, the db-admin task's grants, rds-db:connect,
    the application's tokens) and the first production deploy was its first run. A
    non-production stack of the same spec now signs in the same way."""
    import shipspec
    from shipspec.plan.db_admin import admin_sql
    from shipspec.preview.service import run_preview
    from tests.conftest import EXAMPLES

    text = (EXAMPLES / "shop.yaml").read_text()
    for old, new in [
        ("compliance: [pci-dss]", "compliance: [soc2]"),
        (
            'db:      {engine: postgres, version: "16",',
            f"db:      {{engine: {engine}, version: {_SOC2_ENGINES[engine]},",
        ),
        (
            "    capacity_rps: 150\n",
            "    capacity_rps: 150\n    migrate: [python, manage.py, migrate]\n",
        ),
    ]:
        assert old in text
        text = text.replace(old, new, 1)
    spec = tmp_path / "handoff.yaml"
    spec.write_text(text)
    model = shipspec.plan(shipspec.load(spec), spec_file="handoff.yaml")
    out = tmp_path / "out"
    shipspec.generate(model, out)
    stack = model.environment(env)
    (use,) = [u for u in stack.service("web").uses if u.engine in SQL]
    assert use.db_user == "web"
    reason = stack.decision("services.web.uses.db.credentials").reason
    assert ("production under soc2" if stack.production else "soc2 in every environment") in reason
    preview = run_preview(out, env, remember=False)

    # The master secret: what the db-admin task reads.
    admin = json.loads(preview.named("db-admin-task").inputs["containerDefinitions"])[0]
    (master,) = {s["valueFrom"].rsplit(":", 3)[0] for s in admin["secrets"]}
    assert ":secret:rds!db-" in master
    variables = {e["name"]: e["value"] for e in admin["environment"]}
    assert variables["ADMIN_SQL"].split("\n") == admin_sql(engine, ["web"])

    # The service: its own user, no master secret in its task definition or either role.
    definitions = preview.named("web-task").inputs["containerDefinitions"]
    assert master not in definitions
    container = _container(preview, "web")
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["DB_AUTH"] == "iam" and env["DB_USERNAME"] == "web"
    assert "DB_SECRET_ARN" not in env
    for role in ("web-task-role", "web-execution-role"):
        assert master not in _granted(preview, role, _GET_SECRET), role
    (connect,) = _granted(preview, "web-task-role", "rds-db:connect")
    assert connect.startswith("arn:aws:rds-db:") and connect.endswith("/web")
    (instance,) = preview.of_type("aws:rds/instance:Instance")
    assert instance.inputs["iamDatabaseAuthenticationEnabled"] is True
    assert instance.inputs["engine"] == engine

    # The migration keeps the master credentials (DDL), injected from that secret.
    (migration,) = json.loads(preview.named("web-migrate-task").inputs["containerDefinitions"])
    refs = {s["name"]: s["valueFrom"] for s in migration["secrets"]}
    assert refs["DB_USERNAME"].startswith(master) and refs["DB_PASSWORD"].startswith(master)
    # Only those two one-off tasks may read the master secret (the migration's task role
    # too: it gets DB_SECRET_ARN to read it again); no service's role.
    readers = {
        r.name.removesuffix("-role-policy")
        for r in preview.of_type(ROLE_POLICY)
        if master in json.dumps(json.loads(r.inputs["policy"]))
    }
    assert readers == {"db-admin-execution", "web-migrate-execution", "web-migrate-task"}


@pytest.mark.parametrize("env", ["dev", "main"])
def test_sql_server_has_the_performance_insights_the_runbook_sends_people_to(  # type: ignore[no-untyped-def]
    generated, env: str
) -> None:
    """The runbook's slow-query step says "find them with Performance Insights": version 1
    never enabled it on SQL Server, so on-call found an empty console. RDS offers it on
    every SQL Server edition and class; 7 days is the free retention, encrypted with the
    stack's data key where there is one, like the instance's storage."""
    plan = generated.model("full").environment(env)
    (legacy,) = [
        r
        for r in generated.preview("full", env).of_type("aws:rds/instance:Instance")
        if r.inputs["engine"].startswith("sqlserver-")
    ]
    inputs = legacy.inputs
    assert inputs["engine"] == plan.datastore("legacy").edition
    assert inputs["performanceInsightsEnabled"] is True
    assert inputs["performanceInsightsRetentionPeriod"] == 7
    assert plan.customer_managed_key
    assert inputs["performanceInsightsKmsKeyId"] == inputs["kmsKeyId"]
    assert inputs["kmsKeyId"].startswith("arn:aws:kms:")
