"""Compose container settings map onto the spec's container model, with ECS's limits."""

from __future__ import annotations

from typing import Any

COMPOSE = """\
services:
  api:
    image: ghcr.io/example/api:1.0
    command: gunicorn "app:create()" --workers 2
    user: "1000:1000"
    read_only: true
    tmpfs: [/tmp, /run]
    platform: linux/arm64
    stop_grace_period: 3m
    init: true
    ports: ["8000:8000"]
    healthcheck:
      test: ["CMD-SHELL", "curl -f http://localhost:8000/health || exit 1"]
      interval: 1m30s
      timeout: 90s
      retries: 20
      start_period: 20s
    volumes: [uploads:/srv/uploads, ./src:/app]
    depends_on:
      db: {condition: service_healthy}
  worker:
    image: ghcr.io/example/worker:1.0
    entrypoint: [/entry.sh, --verbose]
    working_dir: /app
    user: root
    healthcheck: {test: pgrep worker, interval: 2s}
    volumes: [uploads:/data]
  db:
    image: postgres:16
    volumes: [pgdata:/var/lib/postgresql/data]
volumes: {uploads: {}, pgdata: {}}
"""


def _bins(result: Any, service: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for finding in result.report.findings:
        if finding.service == service:
            out.setdefault(finding.bin, {})[finding.key] = finding.message
    return out


def test_container_settings_are_mapped_within_ecs_limits(compose) -> None:  # type: ignore[no-untyped-def]
    result = compose(COMPOSE)
    api = result.spec.services["api"]
    assert api.command == ["gunicorn", "app:create()", "--workers", "2"]  # shell words
    assert api.user == "1000:1000" and api.platform == "arm64"
    assert api.read_only_root_filesystem is True
    assert api.stop_timeout_seconds == 120  # 3m, capped at Fargate's maximum
    check = api.healthcheck
    assert check is not None
    assert check.command == ["CMD-SHELL", "curl -f http://localhost:8000/health || exit 1"]
    # 90 s and 20 retries are beyond ECS's 2-60 s and 1-10: clamped, and said so.
    assert (check.interval_seconds, check.timeout_seconds, check.retries) == (90, 60, 10)
    assert check.start_period_seconds == 20
    bins = _bins(result, "api")
    assert "outside ECS's 2-60" in bins["mapped"]["healthcheck.timeout"]
    assert "tmpfs[0]" in bins["mapped"] and "only /tmp" in bins["dropped"]["tmpfs[1]"]
    assert "init" in bins["mapped"]

    worker = result.spec.services["worker"]
    assert worker.entrypoint == ["/entry.sh", "--verbose"] and worker.working_dir == "/app"
    assert worker.user is None and "root" in _bins(result, "worker")["dropped"]["user"]
    assert worker.healthcheck is not None
    assert worker.healthcheck.command == ["CMD-SHELL", "pgrep worker"]  # a string runs in a shell
    assert worker.healthcheck.interval_seconds == 5


def test_named_volumes_an_app_keeps_become_efs_and_a_datastores_do_not(compose) -> None:  # type: ignore[no-untyped-def]
    result = compose(COMPOSE)
    assert set(result.spec.volumes) == {"uploads"}  # pgdata went with the managed database
    assert result.spec.services["api"].volumes == {"uploads": "/srv/uploads"}
    assert result.spec.services["worker"].volumes == {"uploads": "/data"}
    api = _bins(result, "api")
    assert "EFS" in api["mapped"]["volumes[0]"]
    assert "bind mount" in api["dropped"]["volumes[1]"]
    assert "not migrated" in _bins(result, "db")["dropped"]["volumes[0]"]


def test_services_sharing_a_volume_as_different_users_get_one_owner(compose) -> None:  # type: ignore[no-untyped-def]
    """Compose lets each write the volume as its own user; on EFS a volume has one owner
    for every mounting service, so the import picks the first's and says so."""
    result = compose(
        "services:\n"
        "  ocr: {image: ghcr.io/example/ocr:1.0, user: '10001:10001', volumes: [models:/m]}\n"
        "  invoice: {image: ghcr.io/example/invoice:1.0, user: '2000', volumes: [models:/n]}\n"
        "volumes: {models: {}}\n"
    )
    volume = result.spec.volumes["models"]
    assert (volume.uid, volume.gid) == (10001, 10001)
    dropped = _bins(result, "invoice")["dropped"]["user"]
    assert "shares volume models with ocr" in dropped and "2000:2000" in dropped
