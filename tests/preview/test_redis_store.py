"""A Redis datastore that is a store (``cache: false``) never loses keys to eviction.

ElastiCache's default parameter group for Redis 7 sets ``maxmemory-policy volatile-lru``:
at maxmemory Redis evicts keys that have a TTL, silently. A store gets its own parameter
group with ``noeviction`` (writes then fail with ``OOM command not allowed`` instead), and
its alarms treat any eviction and memory near the limit as pages. A cache gets its own group
with ``allkeys-lru``: under the default ``volatile-lru`` a cache whose keys have no TTL
cannot evict and fails writes at the limit. Its alarms stay quiet while evicting keys is
its job.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shipspec.preview.dataloss import find_data_loss
from shipspec.preview.result import PreviewResource
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


def test_a_cache_gets_an_allkeys_lru_parameter_group_on_its_replication_group(generated) -> None:  # type: ignore[no-untyped-def]
    """Redis evicts at maxmemory only the keys its policy selects: volatile-lru (the default
    group) only keys with a TTL, allkeys-lru any key, least recently used first."""
    preview = generated.preview("shop", "prod")
    (group,) = preview.of_type(GROUP)
    assert group.inputs["family"] == "redis7"  # the default version, 7.1
    assert group.inputs["parameters"] == [{"name": "maxmemory-policy", "value": "allkeys-lru"}]
    (replication,) = preview.of_type(REPLICATION_GROUP)
    assert replication.inputs["parameterGroupName"].startswith(f"{group.name}-")


def test_an_existing_cache_takes_its_parameter_group_in_place(generated) -> None:  # type: ignore[no-untyped-def]
    """A cache deployed on the default group gets its own on the next `pulumi up`: the
    provider does not force a new replication group on parameter_group_name
    (ModifyReplicationGroup takes CacheParameterGroupName), so the data guard finds no loss."""
    (replication,) = generated.preview("shop", "prod").of_type(REPLICATION_GROUP)
    before = {k: v for k, v in replication.inputs.items() if k != "parameterGroupName"}
    old = PreviewResource(
        replication.type, replication.name, replication.urn, None, before, [], options={}
    )
    assert find_data_loss({replication.urn: old.as_dict()}, [replication]) == []


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
