"""A Redis datastore that is a store (``cache: false``) never loses keys to eviction.

ElastiCache's default parameter group for Redis 7 sets ``maxmemory-policy volatile-lru``:
at maxmemory Redis evicts keys that have a TTL, silently. A store gets its own parameter
group with ``noeviction`` (writes then fail with ``OOM command not allowed`` instead), and
its alarms treat any eviction and memory near the limit as pages. A cache keeps the default
group and its alarms stay quiet while evicting keys is its job.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.preview.cloudwatch_model import Scenario, Stack
from tests.preview.test_alert_scenarios import scenario, values

from .discovery_support import generate_and_preview

ROOT = Path(__file__).resolve().parents[2]
GROUP = "aws:elasticache/parameterGroup:ParameterGroup"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The shop with its Redis backed up: a store by default (``backup_days`` set)."""
    text = (ROOT / "examples" / "shop.yaml").read_text()
    old = "  cache:   {engine: redis}\n"
    assert old in text
    out = tmp_path_factory.mktemp("redis-store")
    spec = out / "handoff.yaml"
    spec.write_text(text.replace(old, "  cache:   {engine: redis, backup_days: 7}\n"))
    return generate_and_preview(spec, out, "prod")


def test_a_store_gets_a_noeviction_parameter_group_on_its_replication_group(store) -> None:  # type: ignore[no-untyped-def]
    (group,) = store.of_type(GROUP)
    assert group.inputs["family"] == "redis7"  # the default version, 7.1
    assert group.inputs["parameters"] == [{"name": "maxmemory-policy", "value": "noeviction"}]
    (replication,) = store.of_type(REPLICATION_GROUP)
    # The group is autonamed (<logical name>-<7 hex>, as the mocks answer like the provider).
    assert replication.inputs["parameterGroupName"].startswith(f"{group.name}-")


def test_a_cache_keeps_the_default_parameter_group(generated) -> None:  # type: ignore[no-untyped-def]
    preview = generated.preview("shop", "prod")
    assert preview.of_type(GROUP) == []
    (replication,) = preview.of_type(REPLICATION_GROUP)
    assert replication.inputs.get("parameterGroupName") is None


def test_one_eviction_from_a_store_pages(store) -> None:  # type: ignore[no-untyped-def]
    """Keys evicted from a store are data lost: the very first one pages, even while reads
    still hit, where a cache's evictions alone tell nobody."""
    stack = Stack(store)
    told = stack.notified(scenario({"Evictions": 1}, 10))
    assert told == {"page": {"shop-prod-cache-evictions"}, "ticket": set()}


def test_a_store_near_maxmemory_pages_before_writes_fail(store) -> None:  # type: ignore[no-untyped-def]
    stack = Stack(store)
    assert stack.notified(scenario({"DatabaseMemoryUsagePercentage": 70}, 60)) == {
        "page": set(),
        "ticket": set(),
    }
    told = stack.notified(scenario({"DatabaseMemoryUsagePercentage": 90}, 20))
    assert told == {"page": {"shop-prod-cache-memory"}, "ticket": set()}


def test_a_healthy_store_tells_nobody(store) -> None:  # type: ignore[no-untyped-def]
    quiet = Scenario(values(), values(), 120 * 60)
    assert Stack(store).notified(quiet) == {"page": set(), "ticket": set()}
