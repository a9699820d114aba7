"""A Redis datastore is a cache (its keys may be evicted) or a store (they must never be).

``cache`` defaults to false, a store, when the spec gives ``backup_days`` (nobody backs up
a cache), else to true; the decision and its reason reach ``shipspec plan`` and the stack
config. Only Redis takes it: Memcached is always a cache.
"""

from __future__ import annotations

import pytest

import shipspec
from shipspec.errors import SpecError
from shipspec.plan.planner import plan
from shipspec.render.targets.pulumi import stack_config

HEADER = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: app, owner: team-app}
cloud: {region: eu-west-1}
environments: {dev: {}, prod: {}}
services:
  web: {type: web, image: x:1, port: 80, uses: [state]}
datastores:
"""


def _plan(store: str):  # type: ignore[no-untyped-def]
    return plan(shipspec.loads(HEADER + f"  state: {store}\n"), spec_file="handoff.yaml")


@pytest.mark.parametrize(
    ("store", "cache", "why"),
    [
        ("{engine: redis}", True, "no backup_days: a cache"),
        ("{engine: redis, backup_days: 3}", False, "backup_days is set"),
        ("{engine: redis, backup_days: 3, cache: true}", True, "cache set in the spec"),
        ("{engine: redis, cache: false}", False, "cache set in the spec: a store"),
    ],
)
def test_the_kind_defaults_to_a_store_when_backed_up(store: str, cache: bool, why: str) -> None:
    model = _plan(store)
    for env in model.environments:
        assert env.datastore("state").cache is cache
        (decision,) = [d for d in env.decisions if d.key == "datastores.state.cache"]
        assert decision.value is cache
        assert why in decision.reason
    assert stack_config(model, model.production)["datastores"]["state"]["cache"] is cache


def test_the_stack_config_says_why(tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "handoff.yaml"
    spec.write_text(HEADER + "  state: {engine: redis, backup_days: 3}\n")
    shipspec.generate(shipspec.plan(shipspec.load(spec), spec_file="handoff.yaml"), tmp_path)
    text = (tmp_path / "infra" / "Pulumi.prod.yaml").read_text()
    assert "# cache: backup_days is set, so it holds data to keep, not a cache" in text
    assert "      cache: false\n" in text


@pytest.mark.parametrize("engine", ["memcached", "postgres", "mongodb"])
def test_cache_is_only_for_redis(engine: str) -> None:
    with pytest.raises(SpecError) as caught:
        _plan(f"{{engine: {engine}, cache: true}}")
    assert f"`cache` does not apply to engine {engine}" in str(caught.value)


def test_other_engines_have_no_kind() -> None:
    model = _plan("{engine: memcached}")
    assert model.environments[0].datastore("state").cache is None
