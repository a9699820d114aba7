"""The decisions both CI targets share: image builds, deploy stages and their time budgets."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from shipspec.plan.model import DeploymentModel, ServicePlan
from shipspec.render.targets._pipeline import (
    INFRA_MINUTES,
    MAX_JOB_MINUTES,
    ONE_OFF_MINUTES,
    ROLLING_MINUTES,
    STOP_MINUTES,
    deploy_stages,
    deploy_timeout,
    image_builds,
    one_off_runs,
    rollout_minutes,
    timeout_reason,
)
from tests.delivery.delivery_support import example_specs, render_spec


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> DeploymentModel:
    spec = copy.deepcopy(example_specs()["shop"])
    spec["services"]["web"].pop("image")
    spec["services"]["web"]["build"] = {"context": "./web"}
    spec["services"]["api"] = {
        "type": "web",
        "build": {"context": "services/api/", "dockerfile": "docker/Dockerfile.prod"},
        "port": 9000,
    }
    return render_spec(spec, Path(tmp_path_factory.mktemp("shop")), "shop").model


def with_deployment(service: ServicePlan, **changes: object) -> ServicePlan:
    return service.model_copy(update={"deployment": service.deployment.model_copy(update=changes)})


def test_builds_are_the_services_with_a_context_and_their_dockerfile_paths(
    shop: DeploymentModel,
) -> None:
    builds = {b.service: b for b in image_builds(shop)}
    assert sorted(builds) == ["api", "web"]
    assert builds["web"].dockerfile == "web/Dockerfile"
    assert builds["api"].dockerfile == "services/api/docker/Dockerfile.prod"
    assert builds["api"].repository == "shop/api"


def test_stages_follow_the_spec_and_name_what_a_runner_can_reach(shop: DeploymentModel) -> None:
    stages = deploy_stages(shop)
    assert [s.env.name for s in stages] == ["dev", "staging", "prod"]
    assert [s.previous.name if s.previous else None for s in stages] == [None, "dev", "staging"]
    assert [s.tier for s in stages] == ["development", "staging", "production"]
    assert len({s.lock for s in stages}) == 3
    for stage in stages:
        assert [(c.service, c.path) for c in stage.smoke] == [("web", "/healthz")]
        assert stage.unreachable == ["api"]  # internal load balancer
        assert stage.url_service == "web"


def test_the_time_budget_covers_the_slowest_rollout_twice(shop: DeploymentModel) -> None:
    """Deploy and roll back, and between them ECS ending a deployment the job stopped."""
    web = shop.environments[-1].service("web")
    canary = with_deployment(web, strategy="CANARY", canary_bake_minutes=10, bake_time_minutes=15)
    assert rollout_minutes(canary) == ROLLING_MINUTES + 10 + 15
    linear = with_deployment(
        web, strategy="LINEAR", linear_step_percent=30.0, linear_step_bake_minutes=5
    )
    assert rollout_minutes(linear) == ROLLING_MINUTES + 4 * 5 + linear.deployment.bake_time_minutes
    rolling = with_deployment(web, strategy="ROLLING", bake_time_minutes=99)
    assert rollout_minutes(rolling) == ROLLING_MINUTES

    env = shop.environments[-1]
    slow = env.model_copy(update={"services": [canary, rolling]})
    # Plus each one-off task's limit: shop's prod runs the db-admin task of db before the roll.
    assert one_off_runs(slow) == 1
    assert deploy_timeout(slow) == (
        INFRA_MINUTES + 2 * rollout_minutes(canary) + STOP_MINUTES + ONE_OFF_MINUTES
    )
    migrating = canary.model_copy(update={"migrate": ["./bin/migrate", "up"]})
    with_migration = env.model_copy(update={"services": [migrating, rolling]})
    assert deploy_timeout(with_migration) == deploy_timeout(slow) + ONE_OFF_MINUTES
    assert f"2 × {ONE_OFF_MINUTES} min for the one-off tasks" in timeout_reason(with_migration)
    glacial = with_deployment(web, strategy="LINEAR", linear_step_percent=1.0)
    assert deploy_timeout(env.model_copy(update={"services": [glacial]})) == MAX_JOB_MINUTES
