"""The container model under mocks (examples/full.yaml): what the spec says about a
container is what the task definitions, services, schedules and file systems carry."""

from __future__ import annotations

import json
from typing import Any

import pytest

TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"


@pytest.fixture(scope="module")
def main(generated):  # type: ignore[no-untyped-def]
    return generated.preview("full", "main")


@pytest.fixture(scope="module")
def dev(generated):  # type: ignore[no-untyped-def]
    return generated.preview("full", "dev")


def _task(preview: Any, service: str) -> dict[str, Any]:
    return preview.named(f"{service}-task").inputs  # type: ignore[no-any-return]


def _containers(preview: Any, service: str) -> dict[str, dict[str, Any]]:
    raw = _task(preview, service)["containerDefinitions"]
    return {c["name"]: c for c in (json.loads(raw) if isinstance(raw, str) else raw)}


def _strategy(preview: Any, service: str) -> Any:
    inputs = preview.named(f"{service}-service").inputs
    return inputs.get("launchType"), inputs.get("capacityProviderStrategies")


def test_the_app_container_runs_as_the_spec_says(main) -> None:  # type: ignore[no-untyped-def]
    app = _containers(main, "api")["api"]
    assert app["command"] == ["gunicorn", "atlas.wsgi", "--bind", "0.0.0.0:8000"]
    assert (app["workingDirectory"], app["user"], app["stopTimeout"]) == ("/app", "1000:1000", 60)
    assert app["healthCheck"] == {
        "command": ["CMD-SHELL", "curl -fsS http://localhost:8000/healthz || exit 1"],
        "interval": 15,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 30,
    }
    assert app["readonlyRootFilesystem"] is True
    # A read-only root still has a writable /tmp: a task volume, not the image.
    mounts = {m["containerPath"]: m["sourceVolume"] for m in app["mountPoints"]}
    assert mounts == {"/srv/uploads": "uploads", "/tmp": "tmp"}
    assert {"name": "tmp"} in _task(main, "api")["volumes"]
    assert _task(main, "api")["ephemeralStorage"] == {"sizeInGib": 30}
    indexer = _containers(main, "indexer")["indexer"]
    assert indexer["entryPoint"] == ["/usr/bin/tini", "--", "atlas-indexer"]
    assert "readonlyRootFilesystem" not in indexer and "healthCheck" not in indexer


def test_sidecars_run_beside_the_app_with_their_own_logs(main) -> None:  # type: ignore[no-untyped-def]
    containers = _containers(main, "api")
    migrate, proxy = containers["migrate"], containers["proxy"]
    assert containers["api"]["dependsOn"] == [
        {"containerName": "migrate", "condition": "SUCCESS"},
        {"containerName": "proxy", "condition": "HEALTHY"},
    ]
    assert migrate["essential"] is False
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert proxy["essential"] is True and "healthCheck" in proxy
    assert proxy["dependsOn"] == [{"containerName": "migrate", "condition": "SUCCESS"}]
    assert proxy["environment"] == [{"name": "ENVOY_LOG_LEVEL", "value": "warn"}]
    for sidecar in (migrate, proxy):
        options = sidecar["logConfiguration"]["options"]
        assert (
            options["awslogs-group"]
            == containers["api"]["logConfiguration"]["options"]["awslogs-group"]
        )
        assert options["awslogs-stream-prefix"] == sidecar["name"]
    # The sidecar's port is a mapping inside the task; no rule admits other services to it.
    assert proxy["portMappings"] == [{"containerPort": 9901, "protocol": "tcp"}]
    opened = {
        r.inputs.get("fromPort")
        for r in main.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    }
    assert 9901 not in opened
    # The managed-Prometheus collector keeps running beside them.
    assert "otel-collector" in containers


def test_architecture_follows_the_spec_and_ci_builds_for_it(main, generated) -> None:  # type: ignore[no-untyped-def]
    platform = {s: _task(main, s)["runtimePlatform"]["cpuArchitecture"] for s in ("api", "admin")}
    assert platform == {"api": "ARM64", "admin": "ARM64"}
    assert _task(main, "indexer")["runtimePlatform"]["cpuArchitecture"] == "X86_64"
    deploy = (generated.out_dir("full") / ".github" / "workflows" / "deploy.yml").read_text()
    assert "platform: linux/arm64" in deploy and "platforms: ${{ matrix.platform }}" in deploy
    assert "docker/setup-qemu-action@" in deploy


def test_spot_outside_production_and_for_the_interruptible_worker(main, dev) -> None:  # type: ignore[no-untyped-def]
    spot = [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]
    for service in ("api", "admin", "indexer"):
        assert _strategy(dev, service) == (None, spot)  # never a launch type beside it
    assert _strategy(main, "indexer") == (None, spot)  # spot: true on a production worker
    assert _strategy(main, "api") == ("FARGATE", None)  # the production web tasks stay on-demand
    # FARGATE_SPOT runs ARM64 tasks on platform version 1.4.0 or later: LATEST is 1.4.0.
    for preview in (main, dev):
        for service in preview.of_type(SERVICE):
            assert service.inputs["platformVersion"] == "LATEST", service.name
    [schedule] = dev.of_type("aws:scheduler/schedule:Schedule")
    ecs = schedule.inputs["target"]["ecsParameters"]
    assert "launchType" not in ecs and ecs["capacityProviderStrategies"] == spot
    [capacity] = main.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    assert capacity.inputs["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    service = main.named("indexer-service")
    assert capacity.urn in service.dependencies  # created after the cluster has FARGATE_SPOT


def test_a_volume_is_an_encrypted_efs_reached_only_by_its_services(main) -> None:  # type: ignore[no-untyped-def]
    fs = main.named("uploads-fs")
    assert fs.inputs["encrypted"] is True and fs.inputs["kmsKeyId"]  # restricted: the data key
    assert fs.options.get("protect") is True  # production
    policy = json.loads(main.named("uploads-policy").inputs["policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    targets = main.of_type("aws:efs/mountTarget:MountTarget")
    assert len(targets) == len({t.inputs["subnetId"] for t in targets}) >= 2
    ingress = [
        r.inputs
        for r in main.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.name.startswith("uploads-from-")
    ]
    assert sorted(r["fromPort"] for r in ingress) == [2049, 2049]  # api and indexer only
    groups = {main.named(f"{s}-sg").urn for s in ("api", "indexer")}
    assert len(groups) == 2
    points, access = {}, {}
    for service in ("api", "indexer"):
        point = main.named(f"{service}-uploads-access")
        [volume] = [v for v in _task(main, service)["volumes"] if v["name"] == "uploads"]
        config = volume["efsVolumeConfiguration"]
        assert config["transitEncryption"] == "ENABLED"
        assert config["authorizationConfig"]["iam"] == "ENABLED"
        assert config["fileSystemId"] == point.inputs["fileSystemId"]
        access[service] = config["authorizationConfig"]["accessPointId"]
        points[service] = point.inputs
    assert len(set(access.values())) == 2  # each task mounts through its own access point
    # One volume, one directory, one owner: what api writes, indexer reads (EFS runs
    # every operation through an access point as its POSIX user, in its root directory).
    assert len({p["fileSystemId"] for p in points.values()}) == 1
    for inputs in points.values():
        assert inputs["posixUser"] == {"uid": 1000, "gid": 1000}
        assert inputs["rootDirectory"] == {
            "path": "/uploads",
            "creationInfo": {"ownerUid": 1000, "ownerGid": 1000, "permissions": "0750"},
        }
    policies = [
        json.loads(r.inputs["policy"])
        for r in main.of_type("aws:iam/rolePolicy:RolePolicy")
        if r.name.startswith("api-task-role")
    ]
    [grant] = [
        s
        for p in policies
        for s in p["Statement"]
        if "elasticfilesystem:ClientMount" in s.get("Action", [])
    ]
    assert grant["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert list(grant["Condition"]["StringEquals"]) == ["elasticfilesystem:AccessPointArn"]
    plan = main.named("uploads-backup-plan").inputs
    assert plan["rules"][0]["lifecycle"]["deleteAfter"] == 14


def test_the_file_system_is_guarded_against_data_loss() -> None:
    from shipspec.preview.dataloss import FORCES_REPLACEMENT

    assert "kmsKeyId" in FORCES_REPLACEMENT["aws:efs/fileSystem:FileSystem"]


def _runs(entrypoint: list[str], cmd: list[str], container: dict[str, Any]) -> list[str]:
    """The argv a container runs: ECS's ``entryPoint`` replaces the image's ENTRYPOINT and its
    ``command`` the image's CMD (botocore's ecs model, ContainerDefinition: entryPoint maps to
    Entrypoint / ``--entrypoint``, command to Cmd / the COMMAND of ``docker run``)."""
    return [*container.get("entryPoint", entrypoint), *container.get("command", cmd)]


def test_the_migration_runs_migrate_exactly_whatever_the_image_s_entrypoint(main) -> None:  # type: ignore[no-untyped-def]
    """`migrate` is the exact argv: with the command alone, an image whose ENTRYPOINT is its
    server (a distroless ``ENTRYPOINT ["/gateway"]``) would run ``/gateway dotnet ...``, the
    server, and the deploy would wait on it. The migration keeps the service's working
    directory, user and read-only root (with its writable /tmp), none of its health check,
    sidecars or volumes."""
    containers = _containers(main, "api-migrate")
    assert list(containers) == ["api-migrate"]  # no sidecars
    migration = containers["api-migrate"]
    assert migration["entryPoint"] == ["dotnet"]
    assert migration["command"] == ["Atlas.Api.dll", "--migrate"]
    for entrypoint, cmd in (
        (["/gateway"], []),
        (["/app/docker-entrypoint.sh"], ["gunicorn", "atlas.wsgi"]),
        ([], ["dotnet", "Atlas.Api.dll"]),
    ):
        assert _runs(entrypoint, cmd, migration) == ["dotnet", "Atlas.Api.dll", "--migrate"]
    # The service's own container, for contrast, keeps the image's ENTRYPOINT.
    assert _runs(["/gateway"], [], _containers(main, "api")["api"])[0] == "/gateway"
    assert migration["workingDirectory"] == "/app" and migration["user"] == "1000:1000"
    assert migration["readonlyRootFilesystem"] is True
    assert migration["mountPoints"] == [
        {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}
    ]
    assert [v["name"] for v in _task(main, "api-migrate")["volumes"]] == ["tmp"]
    assert "healthCheck" not in migration and "dependsOn" not in migration
