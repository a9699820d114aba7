"""Stability decisions: pinned zone IDs and queue visibility from the workers' timeouts."""

from __future__ import annotations

import pytest

import shipspec
from shipspec.plan.model import EnvironmentPlan
from shipspec.plan.planner import plan
from shipspec.plan.zones import ZONE_IDS, region_short

SPEC = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: app, owner: team-app}
cloud: {region: %(region)s}
environments: {dev: {}, prod: {}}
services:
  web: {type: web, image: x:1, port: 80, public: true, uses: [jobs]}
%(workers)sdatastores:
  jobs: {engine: sqs}
requirements: {availability: %(availability)s}
"""


def environment(
    name: str = "prod",
    *,
    region: str = "eu-central-1",
    availability: float = 99.95,
    workers: str = "",
) -> EnvironmentPlan:
    text = SPEC % {"region": region, "workers": workers, "availability": availability}
    return plan(shipspec.loads(text)).environment(name)


@pytest.mark.parametrize(
    ("region", "availability", "expected"),
    [
        ("eu-central-1", 99.95, ["euc1-az1", "euc1-az2", "euc1-az3"]),
        ("eu-central-1", 99.9, ["euc1-az1", "euc1-az2"]),
        ("us-west-2", 99.95, ["usw2-az1", "usw2-az2", "usw2-az3"]),
        # Tokyo's apne1-az3 is closed to new accounts: the third zone is az4.
        ("ap-northeast-1", 99.95, ["apne1-az1", "apne1-az2", "apne1-az4"]),
    ],
)
def test_production_subnets_are_pinned_to_zone_ids(
    region: str, availability: float, expected: list[str]
) -> None:
    prod = environment(region=region, availability=availability)
    assert prod.network.zone_ids == expected
    assert prod.network.az_count == len(expected)
    assert "never reshuffles" in prod.decision("network.zone_ids").reason


def test_a_region_with_two_usable_zones_caps_the_az_count() -> None:
    prod = environment(region="us-west-1", availability=99.95)
    assert prod.network.zone_ids == ["usw1-az1", "usw1-az3"]
    assert "only 2 zones" in prod.decision("network.az_count").reason


def test_a_region_outside_the_table_is_an_assumption_the_plan_says_out_loud() -> None:
    prod = environment(region="me-central-1", availability=99.9)
    assert prod.network.zone_ids == ["mec1-az1", "mec1-az2"]
    assert "not in shipspec's zone table" in prod.decision("network.zone_ids").reason


@pytest.mark.parametrize(
    ("region", "short"),
    [
        ("eu-west-1", "euw1"),
        ("ap-northeast-1", "apne1"),
        ("ap-south-1", "aps1"),
        ("ca-central-1", "cac1"),
        ("sa-east-1", "sae1"),
        ("ap-southeast-2", "apse2"),
    ],
)
def test_region_short_is_the_zone_id_prefix(region: str, short: str) -> None:
    assert region_short(region) == short


def test_every_table_region_has_ids_of_its_own_prefix() -> None:
    for region, ids in ZONE_IDS.items():
        prefix = f"{region_short(region)}-az"
        assert ids and all(i.startswith(prefix) for i in ids), region
        assert len(set(ids)) == len(ids), region


def test_queue_visibility_defaults_when_no_worker_states_a_timeout() -> None:
    """Version 1 gave every queue the 30 s SQS default, whatever its consumers took."""
    prod = environment()
    assert prod.datastore("jobs").visibility_timeout_seconds == 30
    assert "timeout_seconds" in prod.decision("datastores.jobs.visibility_timeout_seconds").reason


@pytest.mark.parametrize(
    ("timeouts", "expected"),
    [
        ((60,), 90),  # margin at least 30 s
        ((300, 900), 1125),  # the slowest consumer plus a quarter
        ((43200,), 43200),  # the SQS maximum
    ],
)
def test_queue_visibility_covers_the_slowest_worker(
    timeouts: tuple[int, ...], expected: int
) -> None:
    workers = "".join(
        f"  w{i}: {{type: worker, image: x:1, uses: [jobs], timeout_seconds: {t}}}\n"
        for i, t in enumerate(timeouts)
    )
    for name in ("dev", "prod"):
        env = environment(name, workers=workers)
        assert env.datastore("jobs").visibility_timeout_seconds == expected
        decision = env.decision("datastores.jobs.visibility_timeout_seconds")
        assert f"may take {max(timeouts)} s" in decision.reason


def test_timeout_seconds_is_for_workers_only() -> None:
    text = SPEC % {"region": "eu-central-1", "workers": "", "availability": 99.9}
    text = text.replace("uses: [jobs]}", "uses: [jobs], timeout_seconds: 60}")
    with pytest.raises(shipspec.SpecError, match="`timeout_seconds` is for workers"):
        shipspec.loads(text)


def test_queue_visibility_reads_a_worker_that_names_its_access() -> None:
    """A `{name, access}` use is a use: the review found a consumer with `timeout_seconds: 900`
    left at SQS's 30 s, so the queue redelivered every message to a second worker."""
    workers = (
        "  w0: {type: worker, image: x:1, uses: [{name: jobs, access: consume}],"
        " timeout_seconds: 900}\n"
    )
    env = environment("prod", workers=workers)
    assert env.datastore("jobs").visibility_timeout_seconds == 1125
