"""Repository analysis: compose files, Dockerfiles, .env.example and language manifests."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipspec.importers import ImportFailed, analyze_repository


def repo(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_compose_with_override_dockerfile_and_package_json(tmp_path: Path) -> None:
    root = repo(
        tmp_path / "shop",
        {
            "docker-compose.yml": "services:\n  web:\n    build: ./web\n    depends_on: [db]\n"
            "  db:\n    image: postgres:16\n",
            "docker-compose.override.yml": "services:\n  web:\n    ports: ['3000:3000']\n",
            "web/Dockerfile": "FROM node:20\nUSER node\nEXPOSE 3000\n",
            "web/package.json": '{"scripts": {"test": "vitest run"}}',
            "web/pnpm-lock.yaml": "",
            "web/.env.example": "API_TOKEN=\nFEATURE_FLAG=on\nDATABASE_URL=postgres://localhost/dev\n",
            "other/compose.yaml": "services: {x: {image: y}}\n",
        },
    )
    result = analyze_repository(root, environ={})
    web = result.spec.services["web"]
    assert (web.type, web.port, web.public, web.uses) == ("web", 3000, True, ["db"])
    assert web.secrets == ["API_TOKEN"] and web.env == {"FEATURE_FLAG": "on"}
    assert result.spec.delivery.test_command == "(cd web && pnpm test)"
    assert result.spec.metadata.name == "shop"
    assert any("other/compose.yaml" in f.key for f in result.report.dropped)


def test_lone_dockerfile_with_env_example_and_pyproject(tmp_path: Path) -> None:
    root = repo(
        tmp_path / "Billing_API",
        {
            "Dockerfile": "FROM python:3.12-slim\nEXPOSE 8000\n"
            "HEALTHCHECK CMD curl -f http://localhost:8000/healthz || exit 1\n",
            "pyproject.toml": "[project]\nname='b'\n[tool.pytest.ini_options]\naddopts='-q'\n",
            ".env.example": "DATABASE_URL=postgresql+psycopg://u:p@localhost/b\n"
            "REDIS_URL=redis://localhost:6379\nSTRIPE_SECRET_KEY=sk_test_x\nLOG_LEVEL=info\n",
        },
    )
    result = analyze_repository(root, environ={"AWS_REGION": "eu-central-1"})
    (name,) = result.spec.services
    service = result.spec.services[name]
    assert name == "billing-api"
    assert (service.type, service.port, service.public) == ("web", 8000, True)
    assert service.health is not None and service.health.path == "/healthz"
    assert {d.engine for d in result.spec.datastores.values()} == {"postgres", "redis"}
    assert service.uses == ["cache", "db"] and service.secrets == ["STRIPE_SECRET_KEY"]
    assert service.env == {"LOG_LEVEL": "info"}
    assert result.spec.delivery.test_command == "pytest"
    assert result.spec.cloud.region == "eu-central-1"
    assert any("root" in f.message for f in result.report.dropped)  # no USER


def test_monorepo_of_dockerfiles_joins_test_commands(tmp_path: Path) -> None:
    root = repo(
        tmp_path / "mono",
        {
            "api/Dockerfile": "FROM golang:1.22\nUSER 65532\n",
            "api/go.mod": "module x\n",
            "web/Dockerfile": "FROM node:20\nEXPOSE 80\n",
            "web/package.json": '{"scripts": {"test": "echo \\"Error: no test specified\\" '
            '&& exit 1"}}',
            "node_modules/pkg/Dockerfile": "FROM scratch\n",
        },
    )
    result = analyze_repository(root, environ={})
    assert set(result.spec.services) == {"api", "web"}
    assert result.spec.services["api"].type == "worker"
    assert result.spec.delivery.test_command == "(cd api && go test ./...)"


@pytest.mark.parametrize(
    ("files", "command"),
    [
        ({"Makefile": "build:\n\ttrue\ntest:\n\tpytest\n", "go.mod": ""}, "make test"),
        ({"pom.xml": "<project/>", "mvnw": ""}, "./mvnw test"),
        ({"build.gradle.kts": ""}, "gradle test"),
        ({"Gemfile": "gem 'rspec'\n"}, "bundle exec rspec"),
        ({"Cargo.toml": ""}, "cargo test"),
        ({"requirements.txt": "flask\npytest==8\n"}, "pytest"),
        ({"package.json": '{"scripts": {"test": "jest"}}', "yarn.lock": ""}, "yarn test"),
    ],
)
def test_language_manifests_give_the_test_command(
    tmp_path: Path, files: dict[str, str], command: str
) -> None:
    root = repo(tmp_path / "r", {"Dockerfile": "FROM x\n", **files})
    assert analyze_repository(root, environ={}).spec.delivery.test_command == command


def test_nothing_to_import(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="no compose file and no Dockerfile"):
        analyze_repository(repo(tmp_path / "empty", {"README.md": "hi"}), environ={})
