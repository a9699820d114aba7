"""DocumentDB under PCI DSS, HIPAA or SOC 2: each service signs in with its own task role.

A review found every service that `uses` a DocumentDB cluster got
`secretsmanager:GetSecretValue` on the cluster's master secret and `<NAME>_SECRET_ARN`: all of
them one admin login, indistinguishable in the audit log. Now (the full example, SOC 2 and
HIPAA) the services get MONGODB-AWS connection variables and no secret, and the cluster's
one-off db-admin task creates one `$external` user per consuming service, named by that
service's task role ARN. These tests read the generated program's recorded resources, and run
the task's own command under a fake `mongosh` (node evaluating the JavaScript against a fake
cluster), so what is checked is what ECS would run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from shipspec.plan.db_admin import document_users

TASK = "aws:ecs/taskDefinition:TaskDefinition"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
STACKS = [("full", "main"), ("full", "dev")]

# mongosh --nodb --quiet --eval <js>: node runs the script with mongosh's globals faked.
FAKE_MONGOSH = r"""#!/usr/bin/env node
const fs = require("fs");
const vm = require("vm");
const args = process.argv.slice(2);
const log = [];
const state = JSON.parse(fs.readFileSync(process.env.FAKE_STATE, "utf8"));
const save = () => fs.writeFileSync(process.env.FAKE_LOG, JSON.stringify({ args, log }));
if (args[0] !== "--nodb" || args[1] !== "--quiet" || args[2] !== "--eval") {
  save();
  process.exit(64);
}
function database(name) {
  return {
    getSiblingDB: (other) => database(other),
    version: () => "5.0.0",
    getUser: (user) => {
      log.push(["getUser", name, user]);
      return state.users.includes(user) ? { user } : null;
    },
    createUser: (doc) => {
      log.push(["createUser", name, doc]);
      if (state.refuse) throw new Error("MongoServerError: not authorized");
      state.users.push(doc.user);
    },
    updateUser: (user, doc) => log.push(["updateUser", name, user, doc]),
  };
}
const sandbox = {
  process: { env: process.env },
  JSON,
  encodeURIComponent,
  print: (text) => console.log(text),
  connect: (url) => {
    log.push(["connect", url]);
    return database("admin");
  },
};
try {
  vm.runInNewContext(args[3], sandbox);
} catch (error) {
  console.error(String(error));
  save();
  process.exit(1);
}
save();
"""


def _containers(preview: Any, task: str) -> dict[str, dict[str, Any]]:
    definition = preview.named(f"{task}-task")
    return {c["name"]: c for c in json.loads(definition.inputs["containerDefinitions"])}


def _policy(preview: Any, role: str) -> list[dict[str, Any]]:
    found = [r for r in preview.of_type(ROLE_POLICY) if r.name == f"{role}-policy"]
    return [] if not found else json.loads(found[0].inputs["policy"])["Statement"]


def _master_secret(preview: Any) -> str:
    admin = _containers(preview, "catalog-admin")["db-admin"]
    (secret,) = {s["valueFrom"].rsplit(":", 3)[0] for s in admin["secrets"]}
    return secret


@pytest.mark.parametrize(("example", "env"), STACKS)
def test_services_sign_in_with_their_task_roles_and_never_get_the_master_secret(
    generated,  # type: ignore[no-untyped-def]
    example: str,
    env: str,
) -> None:
    plan = generated.model(example).environment(env)
    preview = generated.preview(example, env)
    secret = _master_secret(preview)
    assert ":secret:rds!cluster-" in secret  # DocumentDB's managed master secret
    consumers = document_users(plan)["catalog"]
    assert consumers == sorted(
        s.name for s in plan.services if any(u.datastore == "catalog" for u in s.uses)
    )
    for service in consumers:
        for statement in _policy(preview, f"{service}-task-role"):
            assert secret not in json.dumps(statement), (service, statement)
        container = _containers(preview, service)[service]
        variables = {e["name"]: e["value"] for e in container["environment"]}
        assert "CATALOG_SECRET_ARN" not in variables
        assert secret not in json.dumps(container)
        assert variables["CATALOG_AUTH"] == "iam"
        assert variables["CATALOG_NAME"] == "app"
        url = variables["CATALOG_URL"]
        assert url.startswith(f"mongodb://{variables['CATALOG_HOST']}:27017/app?tls=true&")
        assert url.endswith("&authSource=%24external&authMechanism=MONGODB-AWS")
    # Only the one-off task's execution role may read the secret (besides nobody else).
    readers = [
        p.name
        for p in preview.of_type(ROLE_POLICY)
        if secret in p.inputs["policy"] and "GetSecretValue" in p.inputs["policy"]
    ]
    assert readers == ["catalog-admin-execution-role-policy"]


@pytest.mark.parametrize(("example", "env"), STACKS)
def test_the_admin_task_reads_only_the_master_secret_and_verifies_the_cluster(
    generated,  # type: ignore[no-untyped-def]
    example: str,
    env: str,
) -> None:
    plan = generated.model(example).environment(env)
    preview = generated.preview(example, env)
    secret = _master_secret(preview)
    (statement,) = _policy(preview, "catalog-admin-execution-role")
    assert statement["Action"] == ["secretsmanager:GetSecretValue"]
    assert statement["Resource"] == [secret]
    definition = preview.named("catalog-admin-task")
    assert definition.inputs.get("taskRoleArn") is None  # it calls no AWS API itself
    assert definition.inputs["volumes"] == [{"name": "ca"}]
    containers = _containers(preview, "catalog-admin")
    admin, fetch = containers["db-admin"], containers["ca-bundle"]
    assert admin["essential"] is True and fetch["essential"] is False
    assert admin["dependsOn"] == [{"containerName": "ca-bundle", "condition": "SUCCESS"}]
    assert admin["mountPoints"] == [
        {"sourceVolume": "ca", "containerPath": "/ca", "readOnly": True}
    ]
    assert admin["image"].startswith("mongo:7.0@sha256:")
    assert fetch["image"].startswith("curlimages/curl:") and "@sha256:" in fetch["image"]
    fetch_env = {e["name"]: e["value"] for e in fetch["environment"]}
    assert fetch_env["CA_BUNDLE_URL"] == (
        "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
    )
    assert '--proto "=https"' in fetch["command"][0] and "--fail" in fetch["command"][0]
    assert "--insecure" not in fetch["command"][0] and " -k " not in fetch["command"][0]
    # The users: exactly the consuming services, each by the task role its task runs with.
    variables = {e["name"]: e["value"] for e in admin["environment"]}
    users = json.loads(variables["ADMIN_USERS"])
    roles = {
        s: preview.named(f"{s}-task").inputs["taskRoleArn"] for s in document_users(plan)["catalog"]
    }
    assert users == [{"service": s, "role": roles[s]} for s in sorted(roles)]
    for arn in roles.values():
        assert arn.startswith("arn:aws:iam::") and ":role/" in arn  # a role, not a session
        assert arn.count("/") == 1  # no path: what DocumentDB derives from the session
    # The cluster admits the task on its port.
    admitted = [r for r in preview.of_type(INGRESS) if r.name == "catalog-from-catalog-admin"]
    assert [(r.inputs["fromPort"], r.inputs["toPort"]) for r in admitted] == [(27017, 27017)]


def _run_admin(container: dict[str, Any], tmp_path: Path, existing: list[str], **state: Any) -> Any:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the fake mongosh runs on it")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    fake = bin_dir / "mongosh"
    fake.write_text(FAKE_MONGOSH)
    fake.chmod(0o755)
    (tmp_path / "state.json").write_text(json.dumps({"users": existing, **state}))
    env = {e["name"]: e["value"] for e in container["environment"]}
    env |= {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "DOCDB_USERNAME": "app",
        "DOCDB_PASSWORD": "p@ss/w:rd&",
        "FAKE_STATE": str(tmp_path / "state.json"),
        "FAKE_LOG": str(tmp_path / "log.json"),
    }
    assert container["entryPoint"] == ["/bin/sh", "-c"]
    (command,) = container["command"]
    result = subprocess.run(
        ["/bin/sh", "-c", command], env=env, capture_output=True, text=True, timeout=60
    )
    log = json.loads((tmp_path / "log.json").read_text())
    return result, log


def test_the_admin_script_creates_one_user_per_consuming_service(
    generated,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    preview = generated.preview("full", "main")
    admin = _containers(preview, "catalog-admin")["db-admin"]
    users = json.loads({e["name"]: e["value"] for e in admin["environment"]}["ADMIN_USERS"])
    assert users
    result, log = _run_admin(admin, tmp_path, existing=[])
    assert result.returncode == 0, result.stderr
    ((_, url), *calls) = log["log"]
    # The primary user over TLS, verifying against the CA bundle the first container fetched;
    # the password reaches only the URL, encoded.
    assert url.startswith("mongodb://app:p%40ss%2Fw%3Ard%26@")
    assert "tls=true&tlsCAFile=%2Fca%2Fglobal-bundle.pem&" in url
    assert "tlsAllowInvalid" not in url and "tlsInsecure" not in url
    created = [c[2] for c in calls if c[0] == "createUser"]
    assert [c[1] for c in calls if c[0] != "getUser"] == ["$external"] * len(users)
    assert created == [
        {
            "user": u["role"],
            "mechanisms": ["MONGODB-AWS"],
            "roles": [{"role": "readWrite", "db": "app"}],
        }
        for u in users
    ]
    assert "api: created arn:aws:iam::" in result.stdout


def test_the_admin_script_updates_a_user_that_exists_and_fails_on_a_refusal(
    generated,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    preview = generated.preview("full", "main")
    admin = _containers(preview, "catalog-admin")["db-admin"]
    users = json.loads({e["name"]: e["value"] for e in admin["environment"]}["ADMIN_USERS"])
    again, log = _run_admin(admin, tmp_path / "again", existing=[u["role"] for u in users])
    assert again.returncode == 0, again.stderr
    assert [c[0] for c in log["log"] if c[0] in ("createUser", "updateUser")] == [
        "updateUser"
    ] * len(users)
    assert [c[3] for c in log["log"] if c[0] == "updateUser"] == [
        {"roles": [{"role": "readWrite", "db": "app"}]}
    ] * len(users)
    refused, _ = _run_admin(admin, tmp_path / "refused", existing=[], refuse=True)
    assert refused.returncode != 0
