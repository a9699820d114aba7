"""Issue 15, one behaviour at a time: what the importer carries over so the app runs on AWS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shipspec.importers import ImportFailed, ImportResult
from shipspec.importers.context import Context
from shipspec.importers.convert import convert
from shipspec.importers.project import load_project
from shipspec.importers.report import ImportReport
from shipspec.importers.schedules import loop_schedule


def converted(
    tmp_path: Path, text: str, public: tuple[str, ...] = (), **files: str
) -> tuple[dict[str, Any], ImportReport]:
    """The services as converted (agreed fields included), and the report."""
    (tmp_path / "compose.yaml").write_text(text)
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    project = load_project([tmp_path / "compose.yaml"], env_files=[], profiles=[], environ={})
    report = ImportReport(allow_incompatible=True)
    services, _, _ = convert(Context(project, report, tmp_path, True, public=public))
    return services, report


def messages(result: ImportResult | ImportReport, service: str, key: str = "") -> str:
    report = result if isinstance(result, ImportReport) else result.report
    return "\n".join(
        f.message for f in report.findings if f.service == service and f.key.startswith(key)
    )


def test_credentials_in_any_case_and_inside_values_move_to_secrets(compose) -> None:  # type: ignore[no-untyped-def]
    result = compose(
        "services:\n  api:\n    image: a\n    ports: ['80:80']\n    environment:\n"
        "      secret_key: abcdefgh\n"
        "      AzureStorageAccountKey: ''\n"
        "      BROKER: amqp://app:hunter22@broker.example.com:5672\n"
        "      Db: Host=x;Username=u;Pwd=s3cret!;\n"
        "      CALLBACK: http://localhost:9000/cb\n"
    )
    api = result.spec.services["api"]
    assert api.secrets == ["AzureStorageAccountKey", "BROKER", "Db", "secret_key"]
    assert api.env == {"CALLBACK": "http://localhost:9000/cb"}
    assert "localhost, which on AWS is the task itself" in messages(
        result, "api", "environment.CALLBACK"
    )
    assert "hunter22" not in result.handoff_yaml and "s3cret!" not in result.handoff_yaml


@pytest.mark.parametrize(
    ("image", "service"),
    [
        ("confluentinc/cp-kafka:7.6.0", "Amazon MSK"),
        ("neo4j:5", "Amazon Neptune"),
        ("cassandra:4.1", "Amazon Keyspaces"),
    ],
)
def test_stateful_images_are_never_stateless_workers(compose, image: str, service: str) -> None:  # type: ignore[no-untyped-def]
    text = f"services:\n  app:\n    image: a\n    ports: ['80:80']\n  store:\n    image: {image}\n"
    with pytest.raises(ImportFailed) as failed:
        compose(text)
    assert service in failed.value.diagnostics[0].message
    assert "store" not in compose(text, allow_incompatible=True).spec.services


@pytest.mark.parametrize(
    ("image", "engine"),
    [
        ("docker.elastic.co/elasticsearch/elasticsearch:8.13.0", "opensearch"),
        ("mcr.microsoft.com/mssql/server:2022-latest", "sqlserver"),
    ],
)
def test_stateful_images_with_a_spec_engine_become_that_datastore(
    compose, image: str, engine: str
) -> None:  # type: ignore[no-untyped-def]
    text = f"services:\n  app:\n    image: a\n    ports: ['80:80']\n  store:\n    image: {image}\n"
    spec = compose(text).spec
    assert "store" not in spec.services
    assert spec.datastores["store"].engine == engine


def test_health_checks_are_carried_and_paths_have_a_source(tmp_path: Path) -> None:
    services, report = converted(
        tmp_path,
        "services:\n"
        "  config:\n    image: springcommunity/spring-petclinic-config-server\n"
        "    ports: ['8888:8888']\n"
        "    healthcheck:\n      test: [CMD, curl, -I, 'http://config:8888']\n"
        "      interval: 2s\n      retries: 20\n      start_period: 10m\n"
        "  catalog:\n    image: eshop/catalog\n    ports: ['5101:80']\n"
        "  status:\n    image: eshop/status\n    ports: ['5107:80']\n"
        "    environment:\n      Checks__0__Uri: http://catalog/hc\n"
        "  api:\n    image: b\n    ports: ['8080:8080']\n"
        "    healthcheck:\n      test: curl -fsS http://localhost:8080/healthz || exit 1\n",
        public=("config", "catalog", "api"),  # catalog keeps its load balancer though called
    )
    config = services["config"]
    assert config["healthcheck"] == {
        "command": ["CMD", "curl", "-I", "http://config:8888"],
        "interval_seconds": 5,  # ECS's least
        "retries": 10,  # ECS's most
        "start_period_seconds": 300,
    }
    # curl without -f passes on a 404; the load balancer wants 200-399: Actuator's endpoint
    assert config["health"]["path"] == "/actuator/health"
    assert "Spring Boot" in messages(report, "config", "healthcheck")
    assert services["catalog"]["health"]["path"] == "/hc"
    assert "status.environment.Checks__0__Uri checks it there" in messages(report, "catalog")
    assert services["api"]["health"]["path"] == "/healthz"
    assert services["api"]["healthcheck"]["command"][0] == "CMD-SHELL"


def test_only_entry_points_are_public(tmp_path: Path, compose) -> None:  # type: ignore[no-untyped-def]
    text = (
        "services:\n"
        "  web:\n    image: w\n    ports: ['3000:3000']\n"
        "    environment:\n      API: http://api:8080\n"
        "  api:\n    image: a\n    ports: ['8080:8080']\n"
        "    environment:\n      LOGIN_URL: http://localhost:9000/login\n"
        "  identity:\n    image: i\n    ports: ['9000:80']\n"
        "  grafana:\n    image: grafana/grafana\n    ports: ['3001:3000']\n"
    )
    result = compose(text)
    public = {n for n, s in result.spec.services.items() if s.public}
    assert public == {"web", "identity"}  # api is called; grafana is an operations tool
    assert result.spec.services["api"].type == "worker"  # reached through Service Connect
    assert next(iter(result.spec.services)) == "web"  # the plan routes /* to the first
    decided = "\n".join(result.report.decisions)
    assert "identity: public (api.LOGIN_URL sends browsers to it" in decided
    assert "/* goes to web" in decided
    named = compose(text, public=["grafana"])
    assert {n for n, s in named.spec.services.items() if s.public} == {"grafana"}
    with pytest.raises(ImportFailed, match="no imported service"):
        compose(text, public=["nope"])


def test_called_ports_are_served_and_grpc_is_recognised(tmp_path: Path) -> None:
    services, report = converted(
        tmp_path,
        "services:\n"
        "  basket:\n    image: eshop/basket\n    ports: ['5103:80', '9103:81']\n"
        "    environment:\n"
        "      Kestrel__Endpoints__GRPC__Url: http://0.0.0.0:81\n"
        "      Kestrel__Endpoints__GRPC__Protocols: Http2\n"
        "  agg:\n    image: eshop/agg\n    ports: ['5121:80']\n"
        "    environment:\n      urls__basket: http://basket\n"
        "      urls__grpcBasket: http://basket:81\n"
        "  checkout:\n    image: demo/checkout\n    expose: ['5050']\n"
        "    environment:\n      CHECKOUT_GRPC_PORT: '5050'\n"
        "  front:\n    image: demo/front\n    ports: ['8080:8080']\n"
        "    environment:\n      CHECKOUT_ADDR: checkout:5050\n",
    )
    assert services["basket"]["port"] == 80
    assert services["basket"]["ports"] == [{"port": 81, "protocol": "grpc"}]
    assert "agg.urls__grpcBasket calls it there" in messages(report, "basket", "ports")
    assert services["checkout"]["protocol"] == "grpc"


def test_fields_the_spec_lacks_are_reported_not_written(compose) -> None:  # type: ignore[no-untyped-def]
    result = compose(
        "services:\n  api:\n    image: a\n    ports: ['80:80']\n"
        "    healthcheck:\n      test: [CMD, /bin/check]\n"
    )
    from shipspec.spec.models import Service

    if "healthcheck" in Service.model_fields:
        assert result.spec.services["api"].healthcheck is not None  # type: ignore[attr-defined]
    else:
        assert "no `healthcheck` field" in messages(result, "api", "healthcheck")


def test_a_proxy_is_replaced_only_when_every_upstream_is_reachable(tmp_path: Path, compose) -> None:  # type: ignore[no-untyped-def]
    text = (
        "services:\n"
        "  proxy:\n    image: nginx\n    ports: ['80:80']\n    depends_on: [backend]\n"
        "    volumes: ['./proxy/nginx.conf:/etc/nginx/conf.d/default.conf:ro']\n"
        "  backend:\n    build: backend\n"
    )
    conf = "server {\n  listen 80;\n  location / {\n    proxy_pass http://backend:8000;\n  }\n}\n"
    result = compose(text, extra={"proxy/nginx.conf": conf, "backend/Dockerfile": "FROM scratch\n"})
    assert set(result.spec.services) == {"backend"}
    backend = result.spec.services["backend"]
    assert (backend.type, backend.port, backend.public) == ("web", 8000, True)
    kept = compose(text, extra={"proxy/nginx.conf": "# nothing here\n"})
    assert kept.spec.services["proxy"].public
    assert "FROM nginx; COPY proxy/nginx.conf /etc/nginx/conf.d/default.conf" in (
        messages(kept, "proxy")
    )


def test_runtimes_get_a_size_they_start_in_unless_compose_limits_them(compose) -> None:  # type: ignore[no-untyped-def]
    result = compose(
        "services:\n"
        "  jvm:\n    image: eclipse-temurin:21-jre\n    ports: ['8080:8080']\n"
        "  net:\n    image: shop/api\n    ports: ['80:80']\n"
        "    environment:\n      ASPNETCORE_URLS: http://+:80\n"
        "  limited:\n    image: springcommunity/x\n    ports: ['81:81']\n"
        "    deploy: {resources: {limits: {memory: 512M}}}\n"
    )
    services = result.spec.services
    assert (services["jvm"].cpu, services["jvm"].memory) == (0.5, 1024)
    assert (services["net"].cpu, services["net"].memory) == (0.5, 1024)
    assert services["limited"].memory == 512
    assert "the JVM recognised" in messages(result, "jvm", "image")


def test_loops_on_a_timer_are_reported_with_their_schedule(compose) -> None:  # type: ignore[no-untyped-def]
    assert loop_schedule({"command": "sh -c 'while true; do ./clean; sleep 1h; done'"}) == (
        "rate(1 hour)",
        "./clean",
    )
    assert loop_schedule({"command": "sh -c 'while true; do ./poll; sleep 5; done'"}) is None
    result = compose(
        "services:\n  cleanup:\n    image: a\n"
        "    command: [sh, -c, 'while :; do find /tmp -delete; sleep 86400; done']\n"
    )
    assert 'schedule: "rate(1 day)"' in messages(result, "cleanup", "command")


def test_what_a_database_container_creates_is_reported(compose) -> None:  # type: ignore[no-untyped-def]
    result = compose(
        "services:\n  api:\n    image: a\n    ports: ['80:80']\n"
        "    environment:\n      DATABASE_URL: postgres://db/shop\n"
        "  db:\n    image: postgres:16\n"
        "    environment:\n      POSTGRES_DB: shop\n      POSTGRES_USER: shopper\n"
        "    volumes: ['./init:/docker-entrypoint-initdb.d']\n",
        extra={"init/01.sql": "CREATE DATABASE reports;\nCREATE USER analyst WITH PASSWORD 'x';\n"},
    )
    said = messages(result, "db")
    assert "CREATE DATABASE shop;" in said and "DB_NAME" in said
    assert "creates user `shopper`" in said
    assert "CREATE DATABASE reports;" in said and "CREATE USER analyst" in said


def test_quiet_changes_are_reported_where_they_happen(compose) -> None:  # type: ignore[no-untyped-def]
    result = compose(
        "services:\n  Web_App:\n    image: a\n    ports: ['80:80']\n"
        "    environment:\n      - A=1\n      - TOKEN_URL=http://localhost:1/x\n"
    )
    assert "renamed to `web-app`" in messages(result, "Web_App")
    flagged = next(f for f in result.report.findings if f.key == "environment.TOKEN_URL")
    assert flagged.line == 7  # the list item, not `environment:`
