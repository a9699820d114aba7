"""Datastore images → managed datastores: recognition, versions, credentials, `uses`."""

from __future__ import annotations

import pytest

from shipspec.importers import ImportFailed
from shipspec.importers.images import choose_version, engine_of, parse_image
from tests.importers.importer_helpers import findings, fixture


@pytest.mark.parametrize(
    ("image", "engine"),
    [
        ("postgres", "postgres"),
        ("docker.io/library/postgres:16", "postgres"),
        ("bitnami/postgresql:15", "postgres"),
        ("postgis/postgis:16-3.4", "postgres"),
        ("ghcr.io/immich-app/postgres:14", "postgres"),
        ("localhost:5000/mysql:8", "mysql"),
        ("mariadb:10.6", "mariadb"),
        ("valkey/valkey:8", "redis"),
        ("redis:7@sha256:abc", "redis"),
        ("mongo:7", "mongodb"),
        ("rabbitmq:3-management", "rabbitmq"),
        ("memcached:1.6", "memcached"),
        ("minio/minio", "s3"),
        ("softwaremill/elasticmq-native", "sqs"),
        ("redis-commander/redis-commander", None),
        ("mongo-express", None),
        ("nginx", None),
    ],
)
def test_images_are_recognised_by_name_whatever_the_registry(
    image: str, engine: str | None
) -> None:
    assert engine_of(parse_image(image))[0] == engine


@pytest.mark.parametrize(
    ("engine", "image", "version", "incompatible"),
    [
        ("postgres", "postgres:16-alpine", "16", False),
        ("postgres", "postgres:9.4", None, False),
        ("postgres", "postgres:alpine", None, False),
        ("mysql", "mysql:8", "8.4", False),
        ("mysql", "mysql:8.0.19", "8.0", False),
        ("mariadb", "mariadb:10-focal", "10.11", False),
        ("redis", "redis:6", "6.2", False),
        ("redis", "redis:7.2-bookworm", None, False),
        ("mongodb", "mongo:5.0", "5.0", False),
        ("mongodb", "mongo:4.2.0", None, True),
        ("mongodb", "mongo:3.4", None, True),
        ("rabbitmq", "rabbitmq:3.13-management", "3.13", False),
        ("rabbitmq", "rabbitmq:3.6.8", None, False),
    ],
)
def test_versions_carry_over_only_where_aws_offers_them(
    engine: str, image: str, version: str | None, incompatible: bool
) -> None:
    choice = choose_version(engine, parse_image(image))
    assert (choice.version, choice.incompatible) == (version, incompatible)


def test_documentdb_version_is_raised_when_incompatibility_is_allowed() -> None:
    choice = choose_version("mongodb", parse_image("mongo:4.2"), allow_incompatible=True)
    assert choice.version == "5.0" and choice.incompatible


def test_custom_images_and_consumers() -> None:
    result = fixture("custom-datastores")
    engines = {name: (d.engine, d.version) for name, d in result.spec.datastores.items()}
    assert engines == {
        "pg": ("postgres", "16"),
        "geo": ("postgres", "15"),
        "cache": ("redis", None),
        "docs": ("mongodb", "5.0"),
        "legacy-db": ("mysql", None),  # recognised from MYSQL_ROOT_PASSWORD
        "queue": ("rabbitmq", "3.13"),
        "memo": ("memcached", "1.6"),
        "files": ("s3", None),
    }
    app = result.spec.services["app"]
    # depends_on alone (docs, files) orders start-up; nothing in app connects to them.
    assert app.uses == ["cache", "geo", "legacy-db", "pg", "queue"]
    # GEO_HOST, CACHE_URL, QUEUE_HOST: rewritten, then the very variables `uses` injects
    assert app.env == {}
    assert [(s.name, s.from_) for s in app.datastore_secrets()] == [
        ("LEGACY_DB_PASSWORD", "legacy-db.password")
    ]
    assert app.secret_names() == []
    dropped = findings(result, "dropped", "app")
    assert "no access is granted" in dropped["depends_on.docs"]
    assert "add `uses: [files]`" in dropped["depends_on.files"]
    assert "its environment connects" in findings(result, "mapped", "app")["depends_on.legacy-db"]
    assert "export DATABASE_URL=" in dropped["environment.DATABASE_URL"]
    assert (
        "legacy-db.password" in findings(result, "mapped", "app")["environment.LEGACY_DB_PASSWORD"]
    )
    assert "s3cretpass" not in result.handoff_yaml and "hunter22" not in result.handoff_yaml
    assert "credential" in findings(result, "dropped", "pg")["environment.POSTGRESQL_PASSWORD"]


def test_mongo_without_a_documentdb_version_is_incompatible(compose) -> None:  # type: ignore[no-untyped-def]
    text = "services:\n  app:\n    image: a\n    depends_on: [db]\n  db:\n    image: mongo:6.0\n"
    with pytest.raises(ImportFailed) as failed:
        compose(text)
    assert failed.value.diagnostics[0].path == "services.db.image"
    assert compose(text, allow_incompatible=True).spec.datastores["db"].version == "8.0"


def test_postgres_extensions_rds_lacks_are_incompatible(compose) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportFailed, match="timescale"):
        compose(
            "services:\n  app:\n    image: a\n  db:\n    image: timescale/timescaledb:2.14-pg16\n"
        )


def test_build_from_a_database_image_is_a_datastore(compose) -> None:  # type: ignore[no-untyped-def]
    result = compose(
        "services:\n  app:\n    image: a\n  db:\n    build: ./db\n",
        extra={"db/Dockerfile": "FROM postgres:15\nCOPY init.sql /docker-entrypoint-initdb.d/\n"},
    )
    assert result.spec.datastores["db"].engine == "postgres"
    assert "customised image" in findings(result, "dropped", "db")["build"]


def test_a_compose_with_only_datastores_has_nothing_to_deploy(compose) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportFailed, match="no application service"):
        compose("services:\n  db:\n    image: postgres:16\n")
