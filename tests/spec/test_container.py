"""The container fields of a service: their ranges are ECS's, their rules ECS's refusals."""

from __future__ import annotations

import re

import botocore.session
import pytest

import shipspec
from shipspec.errors import SpecError
from shipspec.spec import container

BASE = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: shop, owner: team-shop}
cloud: {region: eu-west-1}
environments: {dev: {}}
volumes: {uploads: {}}
services:
  web:
    type: web
    image: ghcr.io/example/web:1.0
    port: 8080
"""


def _ecs_doc(shape: str, member: str) -> str:
    model = botocore.session.get_session().get_service_model("ecs")
    return re.sub(r"<[^>]+>", "", model.shape_for(shape).members[member].documentation)


@pytest.mark.parametrize(
    ("shape", "member", "bounds"),
    [
        ("HealthCheck", "interval", container.HEALTHCHECK_INTERVAL),
        ("HealthCheck", "timeout", container.HEALTHCHECK_TIMEOUT),
        ("HealthCheck", "retries", container.HEALTHCHECK_RETRIES),
        ("HealthCheck", "startPeriod", container.HEALTHCHECK_START_PERIOD),
    ],
)
def test_health_check_ranges_are_the_ecs_models(shape: str, member: str, bounds: tuple) -> None:
    low, high = bounds
    assert re.search(rf"between {low} and {high}\b", _ecs_doc(shape, member))


def test_stop_timeout_and_ephemeral_storage_are_the_ecs_models() -> None:
    assert f"max stop timeout value is {container.STOP_TIMEOUT[1]} seconds" in _ecs_doc(
        "ContainerDefinition", "stopTimeout"
    )
    text = _ecs_doc("EphemeralStorage", "sizeInGiB")
    low, high = container.EPHEMERAL_STORAGE_GB
    assert f"minimum supported value is {low} GiB" in text
    assert f"maximum supported value is {high} GiB" in text


def _problems(extra: str) -> list[str]:
    try:
        shipspec.loads(BASE + extra, "handoff.yaml")
    except SpecError as error:
        return [f"{d.path}: {d.message}" for d in error.diagnostics]
    return []


def test_a_full_container_section_loads() -> None:
    spec = shipspec.loads(
        BASE
        + """\
    command: [serve, --port, "8080"]
    entrypoint: [/usr/bin/tini, --]
    working_dir: /srv
    user: "1000:1000"
    healthcheck: {command: [CMD-SHELL, "curl -f http://localhost:8080/ || exit 1"]}
    stop_timeout_seconds: 120
    read_only_root_filesystem: true
    platform: arm64
    spot: true
    ephemeral_storage_gb: 21
    sidecars:
      init: {image: busybox:1.36, command: [sh, -c, "echo ready"], essential: false}
      proxy: {image: envoy:1, port: 9901, depends_on: {init: SUCCESS}}
    depends_on: {init: SUCCESS, proxy: START}
    volumes: {uploads: /srv/uploads}
""",
        "handoff.yaml",
    )
    web = spec.services["web"]
    assert web.healthcheck is not None and web.healthcheck.interval_seconds == 30
    assert web.sidecars["init"].essential is False and web.volumes == {"uploads": "/srv/uploads"}


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "    healthcheck: {command: [curl, -f, http://localhost/]}\n",
            "services.web.healthcheck.command: a health check command starts with CMD",
        ),
        (
            "    healthcheck: {command: [CMD-SHELL, curl, -f]}\n",
            "services.web.healthcheck.command: CMD-SHELL takes one shell command string, got 2",
        ),
        (
            "    healthcheck: {command: [CMD], timeout_seconds: 61}\n",
            "services.web.healthcheck.timeout_seconds: must be 2-60, got 61",
        ),
        ("    stop_timeout_seconds: 121\n", "services.web.stop_timeout_seconds: must be 1-120"),
        ("    ephemeral_storage_gb: 20\n", "services.web.ephemeral_storage_gb: must be 21-200"),
        ("    platform: arm\n", "services.web.platform: "),
        ("    working_dir: app\n", "services.web.working_dir: "),
        ("    volumes: {uploads: /a/../etc}\n", "services.web.volumes.uploads: must not contain"),
        ("    volumes: {upload: /data}\n", "services.web.volumes.upload: names volume 'upload'"),
        (
            "    volumes: {uploads: /data}\n    sidecars: {sc: {image: x}}\n"
            "    depends_on: {sc: SUCCESS}\n",
            "services.web.depends_on: SUCCESS waits for 'sc' to exit, but it is essential",
        ),
        (
            "    sidecars: {sc: {image: x}}\n    depends_on: {sc: HEALTHY}\n",
            "services.web.depends_on: HEALTHY waits for the health check of 'sc', but it has none",
        ),
        (
            "    sidecars: {sc: {image: x}}\n    depends_on: {tt: START}\n",
            "services.web.depends_on: 'tt' is not a sidecar of this service",
        ),
        (
            "    sidecars:\n      aa: {image: x, depends_on: {bb: START}}\n"
            "      bb: {image: x, depends_on: {aa: START}}\n",
            "services.web.sidecars: the containers wait for each other in a circle: aa -> bb -> aa",
        ),
        (
            "    sidecars: {sc: {image: x, port: 8080}}\n",
            "services.web.sidecars: sidecar 'sc' listens on port 8080, as the app does",
        ),
        (
            "    sidecars: {web: {image: x}}\n",
            "services.web.sidecars.web: a sidecar cannot be named 'web'",
        ),
        (
            "    sidecars: {otel-collector: {image: x}}\n",
            "services.web.sidecars.otel-collector: a sidecar cannot be named",
        ),
        (
            "    volumes: {uploads: /data}\n    volumes_extra: 1\n",
            "services.web.volumes_extra: unknown field",
        ),
    ],
)
def test_each_container_mistake_is_a_located_message(extra: str, expected: str) -> None:
    problems = _problems(extra)
    assert any(p.startswith(expected) for p in problems), problems


def test_a_credential_in_a_sidecars_env_is_refused() -> None:
    problems = _problems("    sidecars: {agent: {image: x, env: {API_TOKEN: s3cr3t-value-123}}}\n")
    assert any(
        p.startswith("services.web.sidecars.agent.env.API_TOKEN: looks like") for p in problems
    )


def test_volume_ids_are_the_efs_models() -> None:
    from shipspec.spec.volumes import POSIX_ID

    model = botocore.session.get_session().get_service_model("efs")
    for shape in ("Uid", "Gid"):
        bounds = model.shape_for(shape).metadata
        assert (bounds["min"], bounds["max"]) == POSIX_ID


MOUNTERS = """\
  ocr: {type: worker, image: ghcr.io/example/ocr:1.0, user: "10001:10001",
        volumes: {uploads: /opt/models}}
  invoice: {type: job, image: ghcr.io/example/invoice:1.0, schedule: "rate(1 day)",
            user: "2000", volumes: {uploads: /mnt/models}}
"""


def test_services_sharing_a_volume_as_different_users_is_a_located_error() -> None:
    with pytest.raises(SpecError) as raised:
        shipspec.loads(BASE + MOUNTERS, "handoff.yaml")
    [problem] = raised.value.diagnostics
    assert (problem.path, problem.line, problem.code) == (
        "services.invoice.user",
        15,  # the line of invoice's `user`
        "volume-owner-conflict",
    )
    assert "invoice runs as 2000:2000 and ocr as 10001:10001" in problem.message
    assert "volumes.uploads.uid" in problem.hint
    # The volume's own identity settles it: every access point then runs as it.
    fixed = (BASE + MOUNTERS).replace("volumes: {uploads: {}}", "volumes: {uploads: {uid: 3000}}")
    spec = shipspec.loads(fixed, "handoff.yaml")
    assert (spec.volumes["uploads"].uid, spec.volumes["uploads"].gid) == (3000, None)
    # A named user has no uid to disagree with.
    named = (BASE + MOUNTERS).replace('user: "2000"', "user: invoicing")
    assert shipspec.loads(named, "handoff.yaml").services["invoice"].user == "invoicing"


def test_a_volume_gid_needs_its_uid_and_ids_fit_efs() -> None:
    base = BASE + MOUNTERS.replace('user: "2000"', 'user: "10001"')
    assert _problems("") == []
    gid_only = base.replace("volumes: {uploads: {}}", "volumes: {uploads: {gid: 5}}")
    try:
        shipspec.loads(gid_only, "handoff.yaml")
    except SpecError as error:
        assert [d.path for d in error.diagnostics] == ["volumes.uploads.gid"]
    else:
        raise AssertionError("a gid without a uid loaded")
    too_big = base.replace("volumes: {uploads: {}}", "volumes: {uploads: {uid: 4294967296}}")
    try:
        shipspec.loads(too_big, "handoff.yaml")
    except SpecError as error:
        assert [d.path for d in error.diagnostics] == ["volumes.uploads.uid"]
    else:
        raise AssertionError("a uid above EFS's maximum loaded")
