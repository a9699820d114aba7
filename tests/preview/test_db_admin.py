"""The one-off db-admin task of each SQL database, read from the generated program under mocks.

Issue 11's finding: the handoff told a person to connect as the master user and create the
services' database users, and nobody could (the database admits only its consumers' groups,
no bastion, no ECS Exec in production). Each SQL database now has a task that can: these
tests check, from the recorded resources, that it reads the master secret of its own
database and no other, that the database admits it on its port and nothing else new, and
that its SQL creates exactly the users the task roles may connect as.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shipspec.plan.db_admin import ADMIN_ENGINES, admin_sql, database_users
from shipspec.preview.mocks import _alnum, _uuid

TASK = "aws:ecs/taskDefinition:TaskDefinition"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
PORTS = {"postgres": 5432, "mysql": 3306, "mariadb": 3306}
CA_FILE = "/ca/global-bundle.pem"
STACKS = [("full", "main"), ("full", "dev"), ("shop", "prod")]


def _containers(preview: Any, name: str) -> dict[str, dict[str, Any]]:
    definition = preview.named(f"{name}-task").inputs["containerDefinitions"]
    return {c["name"]: c for c in json.loads(definition)}


def _container(preview: Any, name: str) -> dict[str, Any]:
    return _containers(preview, name)["db-admin"]


def _statements(preview: Any, role: str) -> list[dict[str, Any]]:
    (policy,) = [r for r in preview.of_type(ROLE_POLICY) if r.name == f"{role}-policy"]
    return json.loads(policy.inputs["policy"])["Statement"]


def _connect_grants(preview: Any) -> dict[str, set[str]]:
    """DbiResourceId → the users some task role may `rds-db:connect` as."""
    users: dict[str, set[str]] = {}
    for policy in preview.of_type(ROLE_POLICY):
        for s in json.loads(policy.inputs["policy"])["Statement"]:
            if "rds-db:connect" in s["Action"]:
                for arn in s["Resource"]:
                    resource_id, user = arn.rsplit(":dbuser:", 1)[1].split("/")
                    users.setdefault(resource_id, set()).add(user)
    return users


@pytest.mark.parametrize(("example", "env"), STACKS)
def test_each_sql_database_has_a_task_reading_only_its_own_master_secret(
    generated,  # type: ignore[no-untyped-def]
    example: str,
    env: str,
) -> None:
    plan = generated.model(example).environment(env)
    preview = generated.preview(example, env)
    databases = [d for d in plan.datastores if d.engine in ADMIN_ENGINES]
    assert databases
    secrets = {}
    for d in databases:
        name = f"{d.name}-admin"
        container = _container(preview, name)
        refs = {s["name"]: s["valueFrom"] for s in container["secrets"]}
        assert sorted(r.rsplit(":", 3)[1] for r in refs.values()) == ["password", "username"]
        (secret,) = {r.rsplit(":", 3)[0] for r in refs.values()}
        assert ":secret:rds!db-" in secret  # the RDS-managed master secret, not an app secret
        secrets[d.name] = secret
        # The agent may read that secret and nothing else (KMS only through Secrets Manager).
        statements = _statements(preview, f"{name}-execution-role")
        reads = [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
        assert [s["Resource"] for s in reads] == [[secret]]
        for s in statements:
            assert set(s["Action"]) <= {"secretsmanager:GetSecretValue", "kms:Decrypt"}
            if "kms:Decrypt" in s["Action"]:
                assert plan.customer_managed_key
                assert s["Condition"]["StringEquals"]["kms:ViaService"].startswith(
                    "secretsmanager."
                )
        variables = {e["name"]: e["value"] for e in container["environment"]}
        assert variables["ADMIN_SQL"].split("\n") == admin_sql(
            d.engine, database_users(plan).get(d.name, [])
        )
        # TLS verifying the server's certificate and name against the fetched CA bundle, and
        # a failing statement fails the task.
        script = container["command"][0]
        if d.engine == "postgres":
            assert variables["PGSSLMODE"] == "verify-full" and "ON_ERROR_STOP=1" in script
            assert variables["PGSSLROOTCERT"] == CA_FILE
        else:
            assert f"--ssl-mode=VERIFY_IDENTITY --ssl-ca={CA_FILE} " in script
            assert "--execute=" in script
        assert re.fullmatch(r"[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}", container["image"])
        # Where a service reads the master secret by ARN, it is the same secret.
        for service in plan.services:
            task = json.loads(preview.named(f"{service.name}-task").inputs["containerDefinitions"])
            env_vars = {e["name"]: e["value"] for c in task for e in c.get("environment", [])}
            for use in service.uses:
                if use.datastore == d.name and use.db_user is None:
                    assert env_vars[f"{use.env_prefix}_SECRET_ARN"] == secret
    assert len(set(secrets.values())) == len(secrets)  # each task its own database's


@pytest.mark.parametrize(("example", "env"), STACKS)
def test_the_database_admits_the_task_on_its_port_and_nothing_else_new(
    generated,  # type: ignore[no-untyped-def]
    example: str,
    env: str,
) -> None:
    plan = generated.model(example).environment(env)
    preview = generated.preview(example, env)
    for d in (d for d in plan.datastores if d.engine in ADMIN_ENGINES):
        name = f"{d.name}-admin"
        task_sg = f"{name}-sg"
        rules = [r for r in preview.of_type(INGRESS) if r.name.startswith(f"{d.name}-from-")]
        # One rule per consumer service, its migration if it declares one, and one for the
        # task: no CIDR, no other group.
        migrations = {s.name for s in plan.services if s.migrate and s.name in d.used_by}
        # The task's rule is named after its first name: a renamed database keeps it (alias).
        first = f"{d.renamed_from or d.name}-admin"
        consumers = (
            {f"{d.name}-from-{s}" for s in d.used_by}
            | {f"{d.name}-from-{s}-migrate" for s in migrations}
            | {f"{d.name}-from-{first}"}
        )
        assert {r.name for r in rules} == consumers
        assert all("cidrIpv4" not in r.inputs for r in rules)
        (admitted,) = [r for r in rules if r.name == f"{d.name}-from-{first}"]
        assert admitted.inputs["fromPort"] == admitted.inputs["toPort"] == PORTS[d.engine]
        assert admitted.inputs["referencedSecurityGroupId"] == _id(preview, task_sg)
        # The task's group reaches the database port and HTTPS (image, secret, logs) only.
        egress = [r for r in preview.of_type(EGRESS) if r.name.startswith(f"{name}-")]
        assert sorted((r.inputs["fromPort"], r.inputs["toPort"]) for r in egress) == sorted(
            [(443, 443), (PORTS[d.engine], PORTS[d.engine])]
        )


def _id(preview: Any, name: str) -> str:
    """A security group's mocked id as the rules referring to it record it."""
    referenced = {
        r.inputs["securityGroupId"] for r in preview.of_type(EGRESS) if r.name.startswith(name[:-3])
    }
    (group,) = referenced
    return str(group)


@pytest.mark.parametrize(("example", "env"), [("full", "main"), ("shop", "prod")])
def test_the_sql_creates_exactly_the_users_the_task_roles_may_connect_as(
    generated,  # type: ignore[no-untyped-def]
    example: str,
    env: str,
) -> None:
    """Regulated production: the users come from the rds-db:connect grants, not the plan."""
    plan = generated.model(example).environment(env)
    preview = generated.preview(example, env)
    grants = _connect_grants(preview)
    checked = 0
    for d in (d for d in plan.datastores if d.engine in ADMIN_ENGINES):
        container = _container(preview, f"{d.name}-admin")
        (secret,) = {s["valueFrom"].rsplit(":", 3)[0] for s in container["secrets"]}
        # The mocks name RDS's secret after the instance's DbiResourceId: find that instance.
        (resource_id,) = [
            rid for rid in grants if secret.endswith(f"rds!db-{_uuid(rid)}-{_alnum(rid, 6)}")
        ]
        sql = {e["name"]: e["value"] for e in container["environment"]}["ADMIN_SQL"]
        if d.engine == "postgres":
            created = set(re.findall(r"CREATE ROLE (\w+) LOGIN", sql))
            assert created == set(re.findall(r"GRANT rds_iam TO (\w+);", sql))
        else:
            created = set(re.findall(r"CREATE USER IF NOT EXISTS '(\w+)'@'%'", sql))
            assert created == set(re.findall(r"ALTER USER '(\w+)'@'%' REQUIRE SSL", sql))
        assert created == grants[resource_id], d.name
        checked += 1
    assert checked == len(grants)


@pytest.mark.parametrize("env", ["main", "dev"])
def test_a_migration_runs_the_service_image_as_the_master_user(generated, env: str) -> None:  # type: ignore[no-untyped-def]
    """Migrations need DDL, which the services' own users (production) never get."""
    plan = generated.model("full").environment(env)
    preview = generated.preview("full", env)
    migrating = [s for s in plan.services if s.migrate]
    assert migrating
    for service in migrating:
        name = f"{service.name}-migrate"
        (container,) = json.loads(preview.named(f"{name}-task").inputs["containerDefinitions"])
        (app,) = [
            c
            for c in json.loads(
                preview.named(f"{service.name}-task").inputs["containerDefinitions"]
            )
            if c["name"] == service.name
        ]
        # The exact argv, whatever the image's ENTRYPOINT (test_container_model).
        assert [*container["entryPoint"], *container["command"]] == service.migrate
        assert container["entryPoint"] == service.migrate[:1]
        assert container["image"] == app["image"]
        variables = {e["name"]: e["value"] for e in container["environment"]}
        refs = {s["name"]: s["valueFrom"] for s in container["secrets"]}
        # The service's own variables and secrets come along.
        assert set(service.env) <= set(variables)
        own = set(service.secrets) | {d.name for d in service.datastore_secrets}
        assert own <= set(refs)
        # Other datastores: their variables, but no credential and no network path.
        others = [u for u in service.uses if u.engine not in ADMIN_ENGINES]
        assert {u.datastore for u in others} >= {"cache", "catalog"}
        for use in others:
            assert not [r for r in refs if r.startswith(f"{use.env_prefix}_") and r not in own]
            assert not [
                r for r in preview.of_type(INGRESS) if r.name == f"{use.datastore}-from-{name}"
            ]
        for use in (u for u in service.uses if u.engine in ADMIN_ENGINES):
            prefix = use.env_prefix
            admin = _container(preview, f"{use.datastore}-admin")
            master = {s["valueFrom"] for s in admin["secrets"]}
            # The master username and password, of that database's secret.
            assert {refs[f"{prefix}_USERNAME"], refs[f"{prefix}_PASSWORD"]} == master
            assert variables[f"{prefix}_AUTH"] == "secret"
            rules = [
                r for r in preview.of_type(INGRESS) if r.name == f"{use.datastore}-from-{name}"
            ]
            assert [r.inputs["fromPort"] for r in rules] == [PORTS[use.engine]]


# A client on PATH recording its arguments and the variables that choose TLS; it "connects"
# only when told to verify the server against a CA file that exists (what libpq and the mysql
# client do with verify-full / VERIFY_IDENTITY: a missing --ssl-ca / sslrootcert fails).
FAKE_CLIENT = """#!{python}
import json, os, sys
args = sys.argv[1:]
env = {{k: v for k, v in os.environ.items() if k.startswith(("PG", "DB_", "MYSQL_", "ADMIN_"))}}
json.dump({{"client": os.path.basename(sys.argv[0]), "args": args, "env": env}},
          open(os.environ["FAKE_LOG"], "w"))
ca = env.get("PGSSLROOTCERT") or next(
    (a.split("=", 1)[1] for a in args if a.startswith("--ssl-ca=")), None)
sys.exit(0 if ca and os.path.isfile(ca) else 2)
"""

# curl on PATH: writes a certificate to --output, as the fetch container's curl would.
FAKE_CURL = """#!{python}
import sys
args = sys.argv[1:]
out = args[args.index("--output") + 1]
open(out, "w").write("-----BEGIN CERTIFICATE-----\\n")
"""


def _run(container: dict[str, Any], tmp_path: Path, ca_dir: Path, **env: str) -> Any:
    """The container's command under /bin/sh, its mount point moved under ``tmp_path``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("psql", "mysql", "curl"):
        fake = bin_dir / tool
        fake.write_text(
            (FAKE_CURL if tool == "curl" else FAKE_CLIENT).format(python=sys.executable)
        )
        fake.chmod(0o755)
    assert container["entryPoint"] == ["/bin/sh", "-c"]
    (command,) = container["command"]
    (mount,) = container["mountPoints"]
    command = command.replace(mount["containerPath"], str(ca_dir))
    variables = {
        e["name"]: e["value"].replace(mount["containerPath"], str(ca_dir))
        for e in container["environment"]
    }
    variables |= {"PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_LOG": str(tmp_path / "log")}
    return subprocess.run(
        ["/bin/sh", "-c", command], env=variables | env, capture_output=True, text=True, timeout=60
    )


def test_each_client_starts_after_the_ca_bundle_and_verifies_the_server_against_it(
    generated,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    """full/main has PostgreSQL, MySQL and MariaDB: each task fetches the bundle first, and its
    client verifies the certificate (and the endpoint's name) against exactly that file."""
    plan = generated.model("full").environment("main")
    preview = generated.preview("full", "main")
    engines = {d.name: d.engine for d in plan.datastores if d.engine in ADMIN_ENGINES}
    assert set(engines.values()) == {"postgres", "mysql", "mariadb"}
    for name, engine in engines.items():
        definition = preview.named(f"{name}-admin-task")
        assert definition.inputs["volumes"] == [{"name": "ca"}]
        containers = _containers(preview, f"{name}-admin")
        assert set(containers) == {"db-admin", "ca-bundle"}
        admin, fetch = containers["db-admin"], containers["ca-bundle"]
        # Only the client's exit code is the task's; it starts after curl exited 0.
        assert admin["essential"] is True and fetch["essential"] is False
        assert admin["dependsOn"] == [{"containerName": "ca-bundle", "condition": "SUCCESS"}]
        assert admin["mountPoints"] == [
            {"sourceVolume": "ca", "containerPath": "/ca", "readOnly": True}
        ]
        assert fetch["mountPoints"] == [{"sourceVolume": "ca", "containerPath": "/ca"}]
        assert fetch["image"].startswith("curlimages/curl:") and "@sha256:" in fetch["image"]
        fetch_env = {e["name"]: e["value"] for e in fetch["environment"]}
        assert fetch_env == {
            "CA_BUNDLE_URL": "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
        }
        assert '--proto "=https"' in fetch["command"][0] and "--fail" in fetch["command"][0]
        assert "--insecure" not in fetch["command"][0] and " -k " not in fetch["command"][0]

        # What ECS runs: curl fills the volume, then the client reads that file.
        run_dir = tmp_path / name
        ca_dir = run_dir / "ca"
        ca_dir.mkdir(parents=True)
        secrets = {"PGUSER": "admin", "PGPASSWORD": "pw", "DB_USERNAME": "admin", "MYSQL_PWD": "pw"}
        before = _run(admin, run_dir, ca_dir, **secrets)
        assert before.returncode != 0  # no bundle yet: the client refuses to connect
        fetched = _run(fetch, run_dir, ca_dir)
        assert fetched.returncode == 0, fetched.stderr
        assert [p.name for p in ca_dir.iterdir()] == ["global-bundle.pem"]
        result = _run(admin, run_dir, ca_dir, **secrets)
        assert result.returncode == 0, result.stderr
        log = json.loads((run_dir / "log").read_text())
        bundle = str(ca_dir / "global-bundle.pem")
        if engine == "postgres":
            assert log["client"] == "psql"
            assert log["env"]["PGSSLMODE"] == "verify-full"
            assert log["env"]["PGSSLROOTCERT"] == bundle
            host = log["env"]["PGHOST"]
            assert "--set=ON_ERROR_STOP=1" in log["args"]
        else:
            assert log["client"] == "mysql"
            assert "--ssl-mode=VERIFY_IDENTITY" in log["args"]
            assert f"--ssl-ca={bundle}" in log["args"]
            assert not [a for a in log["args"] if a.startswith("--ssl-mode=") and "VERIFY" not in a]
            host = next(a.split("=", 1)[1] for a in log["args"] if a.startswith("--host="))
            assert not [a for a in log["args"] if a.rsplit("=", 1)[-1] == "pw"]  # MYSQL_PWD only
        # The name verified is the one dialled: the instance's endpoint, which its certificate
        # carries (not an IP address or an alias).
        identifier = preview.named(f"{name}-db").inputs["identifier"]
        assert host.startswith(f"{identifier}.") and host.endswith(".rds.amazonaws.com")
