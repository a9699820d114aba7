"""Variables that connect to a compose datastore are rewritten in place (issue 15).

The application keeps reading ``REDIS_HOST``, ``ConnectionStrings__Shop``, ``DATABASE_URL``;
after import their values refer to the managed datastore (``${cache.host}``) with its TLS
stated, and after generate + preview the task definition holds the managed endpoint.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipspec.importers.connections import rewrite, shell_line
from shipspec.spec.checks import credential_reason

from .importer_helpers import findings
from .test_imports_run import imported

SAMPLES = Path(__file__).parent / "samples"


@pytest.mark.parametrize(
    ("variable", "value", "engine", "expected"),
    [
        ("REDIS_HOST", "redis", "redis", "${x.host}"),
        ("VALKEY_ADDR", "Redis:6379", "redis", "${x.host}:${x.port}"),
        (
            "DATABASE_URL",
            "postgres://redis:5432/shop?sslmode=disable&application_name=a",
            "postgres",
            "postgres://${x.host}:${x.port}/${x.name}?application_name=a&sslmode=require",
        ),
        (
            "JDBC_URL",
            "jdbc:mysql://redis:3306/shop",
            "mysql",
            "jdbc:mysql://${x.host}:${x.port}/${x.name}?ssl-mode=REQUIRED",
        ),
        (
            "MONGO_URL",
            "mongodb://redis:27017/app",
            "mongodb",
            # The database is the cluster's `name` (app): the one its users may read and write.
            "mongodb://${x.host}:${x.port}/${x.name}?tls=true&replicaSet=rs0"
            "&readPreference=secondaryPreferred&retryWrites=false",
        ),
        (
            "Conn",
            "Host=redis;Database=shop;SSL Mode=Disable;Pooling=true",
            "postgres",
            "Host=${x.host};Port=${x.port};Database=${x.name};Pooling=true;SSL Mode=Require",
        ),
        (
            "Conn",
            "Server=tcp:redis,1433;Database=Catalog;Encrypt=False;TrustServerCertificate=true",
            "sqlserver",
            "Server=${x.host},${x.port};Database=Catalog;Encrypt=True",
        ),
        ("Conn", "Server=elsewhere;Database=x", "postgres", "unknown"),
        ("NOTE", "see redis docs", "redis", "unknown"),
    ],
)
def test_each_shape_is_rewritten_with_tls_stated(
    variable: str, value: str, engine: str, expected: str
) -> None:
    found = rewrite(variable, value, {"redis"}, engine)
    if expected == "unknown":
        assert found is None
        return
    assert found is not None and not found.embedded
    assert found.spec_value("x") == expected


@pytest.mark.parametrize(
    ("value", "engine", "line"),
    [
        (
            "postgres://shop:s3cret@db:5432/shop",
            "postgres",
            'export V="postgres://$user_uri:$pass_uri@$DB_HOST:$DB_PORT/$DB_NAME?sslmode=require"',
        ),
        (
            "Server=db;Database=C;User Id=sa;Password=Pass@word;Encrypt=False",
            "sqlserver",
            'export V="Server=$DB_HOST,$DB_PORT;Database=C;User Id=$user;Password=$pass;'
            'Encrypt=True"',
        ),
        # ElastiCache refuses a client without the AUTH token; Amazon MQ has no guest user:
        # a URL or StackExchange string for them always carries the injected credential.
        (
            "redis://db:6379/0",
            "redis",
            'export V="rediss://:$(printf %s "$DB_PASSWORD" | jq -sRr @uri)@$DB_HOST:$DB_PORT/0"',
        ),
        (
            "db:6379,abortConnect=false,ssl=false",
            "redis",
            'export V="$DB_HOST:$DB_PORT,abortConnect=false,password=$DB_PASSWORD,ssl=true"',
        ),
        (
            "amqp://db",
            "rabbitmq",
            'export V="amqps://$(printf %s "$DB_USERNAME" | jq -sRr @uri):'
            '$(printf %s "$DB_PASSWORD" | jq -sRr @uri)@$DB_HOST:$DB_PORT"',
        ),
        (
            "amqp://guest:guest@db:5672/",
            "rabbitmq",
            'export V="amqps://$(printf %s "$DB_USERNAME" | jq -sRr @uri):'
            '$(printf %s "$DB_PASSWORD" | jq -sRr @uri)@$DB_HOST:$DB_PORT/"',
        ),
    ],
)
def test_a_credential_inside_gets_the_exact_entrypoint_line(
    value: str, engine: str, line: str
) -> None:
    found = rewrite("V", value, {"db"}, engine)
    assert found is not None and found.embedded
    assert shell_line("V", found, "DB", engine) == line
    assert "s3cret" not in line and "Pass@word" not in line and "guest:" not in line


def test_a_literal_dollar_brace_is_escaped_not_read_as_a_reference(compose) -> None:  # type: ignore[no-untyped-def]
    result = compose(
        "services:\n  app:\n    image: a:1\n    environment:\n"
        "      TEMPLATE: '$${HOME}/x and $$5'\n"
    )
    assert result.spec.services["app"].env["TEMPLATE"] == "$${HOME}/x and $5"


SHOP = """
services:
  api:
    image: ghcr.io/acme/api:1
    ports: ["8000:8000"]
    environment:
      REDIS_HOST: cache
      VALKEY_ADDR: cache:6379
      ConnectionStrings__Shop: Host=db;Database=shop;SSL Mode=Disable
      DB_PASSWORD: s3cret-pw
      DATABASE_URL: postgres://shop:s3cret-pw@db:5432/shop
  cache:
    image: redis:7
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: s3cret-pw
"""


def test_rewritten_variables_hold_the_managed_endpoints_after_preview(
    tmp_path: Path,
    compose,  # type: ignore[no-untyped-def]
) -> None:
    from tests.preview.discovery_support import container, generate_and_preview

    result = compose(SHOP)
    api = result.spec.services["api"]
    assert api.env["REDIS_HOST"] == "${cache.host}"
    assert api.env["VALKEY_ADDR"] == "${cache.host}:${cache.port}"
    assert "DATABASE_URL" not in api.env  # a password inside: built at start
    assert [(s.name, s.from_) for s in api.datastore_secrets()] == [("DB_PASSWORD", "db.password")]
    mapped, dropped = findings(result, "mapped", "api"), findings(result, "dropped", "api")
    assert "`cache:6379` → `${cache.host}:${cache.port}`" in mapped["environment.VALKEY_ADDR"]
    assert "export DATABASE_URL=" in dropped["environment.DATABASE_URL"]
    assert "s3cret-pw" not in result.handoff_yaml + result.report.text()
    spec = tmp_path / "spec" / "handoff.yaml"
    spec.parent.mkdir()
    spec.write_text(result.handoff_yaml)
    preview = generate_and_preview(spec, tmp_path / "out", "prod")
    app = container(preview, "api")
    env = {e["name"]: e["value"] for e in app["environment"]}
    assert env["REDIS_HOST"] == env["CACHE_HOST"] and env["REDIS_HOST"].endswith(
        ".cache.amazonaws.com"
    )
    assert env["VALKEY_ADDR"] == env["REDIS_HOST"] + ":6379"
    assert env["ConnectionStrings__Shop"] == (
        f"Host={env['DB_HOST']};Port=5432;Database={env['DB_NAME']};SSL Mode=Require"
    )
    for name, value in env.items():
        assert credential_reason(name, value) is None and "s3cret" not in value
    secrets = {s["name"]: s["valueFrom"] for s in app["secrets"]}
    assert (
        secrets["DB_PASSWORD"].endswith(":password::")
        and ":secret:rds!db-" in (secrets["DB_PASSWORD"])
    )
    json.dumps(app)  # the container definition is plain data


def test_the_samples_connection_variables_point_at_the_managed_datastores() -> None:
    """eShop's Redis and RabbitMQ settings and the OTel demo's VALKEY_ADDR keep their names."""
    eshop = imported(SAMPLES / "eshop" / "compose.yaml")
    otel = imported(SAMPLES / "otel-demo" / "compose.yaml")
    assert eshop is not None and otel is not None
    basket = eshop[0].spec.services["basket-api"].env
    assert basket["ConnectionStrings__EventBus"] == "${rabbitmq.host}"
    # StackExchange.Redis needs the AUTH token inside its string: built at start
    redis = findings(eshop[0], "dropped", "basket-api")["environment.ConnectionStrings__Redis"]
    assert "$BASKETDATA_HOST:$BASKETDATA_PORT,password=$BASKETDATA_PASSWORD,ssl=true" in redis
    catalog = findings(eshop[0], "dropped", "catalog-api")
    line = catalog["environment.ConnectionStrings__CatalogDb"]
    assert "Server=$SQLDATA_HOST,$SQLDATA_PORT;" in line and "Encrypt=True" in line
    assert "Pass@word" not in line
    assert otel[0].spec.services["cart"].env["VALKEY_ADDR"] == (
        "${valkey-cart.host}:${valkey-cart.port}"
    )
