"""The managed Prometheus lines of the estimate, worked by hand for the full example."""

from __future__ import annotations

from decimal import Decimal

import shipspec
from shipspec.cost import estimate
from shipspec.cost.prometheus import windows_minutes
from tests.conftest import EXAMPLES

from .test_estimate import line


def test_samples_storage_and_rule_queries_by_hand() -> None:
    model = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"))
    main = estimate(model, "main")
    env = model.environment("main")
    tasks = sum(s.desired_count for s in env.services if s.kind != "job")
    minutes = Decimal(730 * 60)
    slos, services = len(model.monitoring.slos), len(model.monitoring.services)
    # 5m, 30m, 1h, 2h, 6h, 1d, 3d and the 30-day SLO window, in minutes.
    assert windows_minutes() == [5, 30, 60, 120, 360, 1440, 4320, 43200]
    recorded = slos * (5 + 8) + services * 4
    samples = tasks * 300 * minutes + recorded * minutes  # one export a minute per series
    assert line(main, "Managed Prometheus ingestion", "workspace") == (
        samples / 10_000_000 * Decimal("0.90")
    )
    stored_gb = samples * 5 * 2 / 2**30  # 150 days kept, 2 bytes a sample
    assert line(main, "Managed Prometheus storage", "workspace") == stored_gb * Decimal("0.03")
    per_minute = slos * 2 * sum(windows_minutes()) + 4 * tasks * 300 * 5
    assert line(main, "Managed Prometheus rule queries", "workspace") == (
        per_minute * minutes / 1_000_000_000 * Decimal("0.10")
    )
    assert not [i for i in main.items if i.price_key.startswith("amp_") and i.verified]


def test_no_prometheus_lines_where_the_path_is_off() -> None:
    full = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"))
    shop = shipspec.plan(shipspec.load(EXAMPLES / "shop.yaml"))
    for result in (estimate(full, "dev"), estimate(shop, "prod")):
        assert not [i for i in result.items if i.price_key.startswith("amp_")]
