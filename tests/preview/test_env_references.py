"""A service's own variables point at its managed datastores (``${db.host}``), under mocks.

The application reads ``REDIS_HOST`` and ``ConnectionStrings__Shop``, not ``CACHE_HOST``:
the task definition must carry those names with the endpoints the datastore components
resolve to, and a ``from: db.password`` secret must be the master secret's JSON key.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .discovery_support import container, generate_and_preview

ROOT = Path(__file__).resolve().parents[2]
DB = "aws:rds/instance:Instance"

ENV = """\
    env:
      LOG_LEVEL: info
      REDIS_HOST: "${cache.host}"
      VALKEY_ADDR: "${cache.host}:${cache.port}"
      ConnectionStrings__Shop: "Host=${db.host};Port=${db.port};Database=${db.name};\\
        SSL Mode=Require"
      PRICE_TAG: "$$5 and $${HOME}"
    secrets: [STRIPE_KEY, {name: DB_PASSWORD, from: db.password}]
"""


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    text = (ROOT / "examples" / "shop.yaml").read_text()
    old = "    env: {LOG_LEVEL: info}\n    secrets: [STRIPE_KEY]\n"
    assert old in text
    out = tmp_path_factory.mktemp("envrefs")
    spec = out / "handoff.yaml"
    spec.write_text(text.replace(old, ENV))
    return generate_and_preview(spec, out, "prod")


def test_the_apps_own_variables_hold_the_managed_endpoints(preview) -> None:  # type: ignore[no-untyped-def]
    (db,) = preview.of_type(DB)
    env = {e["name"]: e["value"] for e in container(preview, "web")["environment"]}
    # The mocks answer an ElastiCache primary endpoint and an RDS address as AWS does.
    endpoint, address = env["REDIS_HOST"], env["DB_HOST"]
    assert endpoint.startswith("master.") and endpoint.endswith(".cache.amazonaws.com")
    assert address.endswith(".rds.amazonaws.com")
    assert env["REDIS_HOST"] == env["CACHE_HOST"]  # exactly what `uses` injects
    assert env["VALKEY_ADDR"] == f"{endpoint}:6379"
    assert env["ConnectionStrings__Shop"] == (
        f"Host={address};Port=5432;Database={db.inputs['dbName']};SSL Mode=Require"
    )
    assert env["PRICE_TAG"] == "$5 and ${HOME}"  # `$$` is a literal `$`


def test_the_credential_comes_from_the_master_secret_json_key(preview) -> None:  # type: ignore[no-untyped-def]
    web = container(preview, "web")
    secrets = {s["name"]: s["valueFrom"] for s in web["secrets"]}
    value_from = secrets["DB_PASSWORD"]
    assert value_from.endswith(":password::")
    master = value_from.removesuffix(":password::")
    assert master.startswith("arn:aws:secretsmanager:") and ":secret:rds!db-" in master
    assert "DB_PASSWORD" not in {e["name"] for e in web["environment"]}
    # ECS reads it at task start with the execution role, which may read that secret.
    readable = set()
    for policy in preview.of_type("aws:iam/rolePolicy:RolePolicy"):
        if policy.name.startswith("web-exec"):
            for statement in json.loads(policy.inputs["policy"])["Statement"]:
                if "secretsmanager:GetSecretValue" in statement["Action"]:
                    readable.update(statement["Resource"])
    assert master in readable, sorted(readable)


def test_one_environments_reference_makes_the_shared_program_resolve_env(
    tmp_path: Path,
) -> None:
    """The program serves every stack: a reference only prod's `env` adds is resolved too."""
    import shipspec

    text = (ROOT / "examples" / "shop.yaml").read_text()
    old = "  prod:    {approval: required, domain: shop.example.com}\n"
    assert old in text
    text = text.replace(
        old,
        "  prod:\n    approval: required\n    domain: shop.example.com\n"
        '    services: {web: {env: {REDIS_HOST: "${cache.host}"}}}\n',
    )
    model = shipspec.plan(shipspec.loads(text), spec_file="handoff.yaml")
    assert [s.env_template for e in model.environments for s in e.services if s.name == "web"] == [
        False,
        False,
        True,
    ]
    shipspec.generate(model, tmp_path)
    program = (tmp_path / "infra" / "__main__.py").read_text()
    assert (
        'environment=resolve_env(\n        web_config["env"],\n        {"cache": cache},\n'
        in program
    )
