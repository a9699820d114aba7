"""The container decisions: architecture, Spot, /tmp and volume mounts, with their reasons."""

from __future__ import annotations

import pytest

import shipspec
from shipspec.plan.platforms import arm64_source, repository

BASE = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: shop, owner: team-shop}
cloud: {region: eu-west-1}
environments: {staging: {}, prod: {}}
volumes: {media: {}}
services:
"""


def _plan(services: str):  # type: ignore[no-untyped-def]
    return shipspec.plan(shipspec.loads(BASE + services, "handoff.yaml"))


@pytest.mark.parametrize(
    ("image", "known"),
    [
        ("nginx:1.27", True),
        ("docker.io/library/postgres:16", True),
        ("public.ecr.aws/docker/library/redis:7", True),
        ("grafana/grafana:11.0.0", True),
        ("mcr.microsoft.com/mssql/server:2022-latest", False),
        ("ghcr.io/example/api:1.0", False),
        ("nginx@sha256:" + "a" * 64, False),  # a digest may name one platform's manifest
    ],
)
def test_arm64_only_for_images_known_to_publish_it(image: str, known: bool) -> None:
    assert (arm64_source(image) is not None) is known
    assert repository("localhost:5000/team/app:1") == "localhost:5000/team/app"


def test_architecture_is_arm64_when_every_image_publishes_it() -> None:
    model = _plan(
        "  web: {type: web, image: nginx:1.27, port: 80}\n"
        "  side: {type: worker, image: nginx:1.27, sidecars: {agent: {image: ghcr.io/x/agent:1}}}\n"
        "  built: {type: worker, build: {context: .}}\n"
        "  asked: {type: worker, build: {context: .}, platform: arm64}\n"
    )
    prod = model.environment("prod")
    arch = {s.name: s.container.cpu_architecture for s in prod.services}
    assert arch == {"web": "ARM64", "side": "X86_64", "built": "X86_64", "asked": "ARM64"}
    assert (
        "ghcr.io/x/agent:1 is not known" in prod.decision("services.side.cpu_architecture").reason
    )
    assert "CI builds it for linux/arm64" in prod.decision("services.asked.cpu_architecture").reason


def test_an_explicit_arm64_holds_only_when_every_sidecar_image_publishes_it() -> None:
    model = _plan(
        "  own: {type: worker, image: ghcr.io/x/app:1, platform: arm64,\n"
        "        sidecars: {warmup: {image: ghcr.io/x/warmup:1, essential: false}}}\n"
        "  proxied: {type: worker, image: ghcr.io/x/app:1, platform: arm64,\n"
        "            sidecars: {proxy: {image: envoyproxy/envoy:v1.31.0}}}\n"
        "  plain: {type: worker, image: ghcr.io/x/app:1, platform: arm64}\n"
        "  migrated: {type: worker, image: ghcr.io/x/app:1, platform: arm64,\n"
        "             sidecars: {migrate: {image: ghcr.io/x/app:1, essential: false}}}\n"
    )
    prod = model.environment("prod")
    arch = {s.name: s.container.cpu_architecture for s in prod.services}
    # The spec's platform covers the app's own image, also run as a sidecar.
    assert arch == {"own": "X86_64", "proxied": "ARM64", "plain": "ARM64", "migrated": "ARM64"}
    reason = prod.decision("services.own.cpu_architecture").reason
    assert "sidecar image ghcr.io/x/warmup:1 is not known to publish linux/arm64" in reason
    assert "envoyproxy/envoy:v1.31.0: https://hub.docker.com/r/envoyproxy/envoy" in (
        prod.decision("services.proxied.cpu_architecture").reason
    )


def test_arm64_on_spot_cites_the_ecs_api_reference() -> None:
    import re

    import botocore.session

    from shipspec.plan.container import FARGATE_SPOT_ARM64, FARGATE_SPOT_SOURCE

    ecs = botocore.session.get_session().get_service_model("ecs")
    text = re.sub(r"<[^>]+>", "", ecs.shape_for("CapacityProviderStrategyItem").documentation)
    assert FARGATE_SPOT_ARM64 in text  # older pages said X86_64 only
    model = _plan(
        "  graviton: {type: worker, image: nginx:1.27, spot: true}\n"
        "  intel: {type: worker, image: ghcr.io/x/app:1, spot: true}\n"
    )
    for env in ("staging", "prod"):
        plan = model.environment(env)
        assert plan.service("graviton").container.cpu_architecture == "ARM64"
        reason = plan.decision("services.graviton.capacity").reason
        assert FARGATE_SPOT_ARM64 in reason and FARGATE_SPOT_SOURCE in reason
        assert "platform version LATEST" in reason
        assert "ARM64" not in plan.decision("services.intel.capacity").reason


def test_spot_outside_production_and_where_production_asks_for_it() -> None:
    model = _plan(
        "  web: {type: web, image: nginx:1.27, port: 80, spot: true, scaling: {min: 2, max: 6}}\n"
        "  quiet: {type: web, image: nginx:1.27, port: 81, public: true}\n"
        "  worker: {type: worker, image: nginx:1.27, spot: true}\n"
        "  steady: {type: worker, image: nginx:1.27, spot: false}\n"
    )
    staging, prod = model.environment("staging"), model.environment("prod")

    def providers(env, name):  # type: ignore[no-untyped-def]
        items = env.service(name).container.capacity_providers
        return None if items is None else [(i.capacity_provider, i.weight, i.base) for i in items]

    assert providers(staging, "quiet") == [("FARGATE_SPOT", 1, 0)]
    assert providers(staging, "steady") is None  # spot: false
    assert providers(prod, "quiet") is None
    assert providers(prod, "worker") == [("FARGATE_SPOT", 1, 0)]
    # The minimum production web tasks stay on-demand; only scaled-out tasks use Spot.
    minimum = prod.service("web").min_count
    assert providers(prod, "web") == [("FARGATE", 0, minimum), ("FARGATE_SPOT", 1, 0)]
    assert "must survive" in prod.decision("services.web.capacity").reason


def test_read_only_root_gets_tmp_and_every_mount_of_a_volume_shares_its_owner() -> None:
    model = _plan(
        "  web: {type: web, image: nginx:1.27, port: 80, user: '101:102',\n"
        "        read_only_root_filesystem: true, volumes: {media: /srv/media}}\n"
        "  named: {type: worker, image: nginx:1.27, user: app, volumes: {media: /tmp}}\n"
        "  ro: {type: worker, image: nginx:1.27, read_only_root_filesystem: true,\n"
        "       volumes: {media: /tmp}}\n"
    )
    prod = model.environment("prod")
    web, named, ro = (prod.service(n).container for n in ("web", "named", "ro"))
    assert web.writable_tmp and not ro.writable_tmp  # /tmp is already the volume
    # One root and one identity for every service mounting media: the one numeric user.
    for container in (web, named, ro):
        [mount] = container.mounts
        assert (mount.root, mount.uid, mount.gid) == ("/media", 101, 102)
    assert "numeric `user` of web" in prod.decision("volumes.media.owner").reason
    [volume] = prod.volumes
    assert volume.mounted_by == ["named", "ro", "web"] and volume.protect
    assert (volume.root, volume.uid, volume.gid) == ("/media", 101, 102)
    assert (volume.backup_days, model.environment("staging").volumes[0].backup_days) == (7, 1)


def test_queue_consumers_and_spot_tasks_stop_after_fargates_longest_timeout() -> None:
    """120 s (Fargate's maximum, Spot's notice) between SIGTERM and SIGKILL for work that
    a stop cuts short; ECS's default elsewhere; the spec's value always wins."""
    model = shipspec.plan(
        shipspec.loads(
            BASE.replace("volumes: {media: {}}\n", "datastores: {jobs: {engine: sqs}}\n")
            + "  web: {type: web, image: nginx:1.27, port: 80}\n"
            "  consumer: {type: worker, image: nginx:1.27, uses: [jobs]}\n"
            "  patient: {type: worker, image: nginx:1.27, uses: [jobs], stop_timeout_seconds: 45}\n"
            "  batch: {type: worker, image: nginx:1.27, spot: true}\n",
            "handoff.yaml",
        )
    )
    staging, prod = model.environment("staging"), model.environment("prod")

    def timeouts(env):  # type: ignore[no-untyped-def]
        return {s.name: s.container.stop_timeout for s in env.services}

    assert timeouts(prod) == {"web": None, "consumer": 120, "patient": 45, "batch": 120}
    # Outside production every task runs on Spot: the web service too.
    assert timeouts(staging) == {"web": 120, "consumer": 120, "patient": 45, "batch": 120}
    reason = prod.decision("services.consumer.stop_timeout").reason
    assert "consumes a queue" in reason and "Spot" not in reason.split(":")[0]
    assert "Fargate Spot" in prod.decision("services.batch.stop_timeout").reason
    patient = prod.decision("services.patient.stop_timeout")
    assert patient.reason == "stop_timeout_seconds in the spec"


def test_a_volume_owner_is_the_spec_s_then_the_default() -> None:
    services = (
        "  aa: {type: worker, image: nginx:1.27, user: '5:5', volumes: {media: /m}}\n"
        "  bb: {type: worker, image: nginx:1.27, user: '6:6', volumes: {media: /n}}\n"
    )
    spec = (BASE + services).replace("volumes: {media: {}}", "volumes: {media: {uid: 7}}")
    prod = shipspec.plan(shipspec.loads(spec, "handoff.yaml")).environment("prod")
    assert {
        (m.root, m.uid, m.gid) for s in ("aa", "bb") for m in prod.service(s).container.mounts
    } == {("/media", 7, 7)}
    prod = _plan("  cc: {type: worker, image: nginx:1.27, volumes: {media: /m}}\n").environment(
        "prod"
    )
    assert (prod.volumes[0].uid, prod.volumes[0].gid) == (1000, 1000)
