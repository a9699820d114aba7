"""The dated price table shipped with shipspec: ``prices.json`` → :class:`PriceTable`.

A cost estimate is only as honest as its prices, so every price carries the page it was
looked up on and whether a stored source confirmed it for that region (``verified``);
the handoff document prints the table's date and flags the unconfirmed ones. Amounts
are :class:`~decimal.Decimal` read from strings, so the estimate's arithmetic is exact
and its text is the same on every machine.

Regions without a table are priced at ``us-east-1`` rates, and the estimate says so:
an order of magnitude is still useful, a silent substitution would not be.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict

FALLBACK_REGION = "us-east-1"


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    usd: Decimal
    unit: str
    verified: bool
    source: str


class RegionPrices(BaseModel):
    """The prices of one region, keyed like ``fargate_vcpu_hour`` or ``rds:postgres:db.t4g.micro``
    (``<kind>:<engine>:<instance class>``)."""

    model_config = ConfigDict(frozen=True)

    region: str  # the region these prices are for
    requested: str  # the region the estimate was asked for (differs on fallback)
    prices: dict[str, Price]

    @property
    def substituted(self) -> bool:
        return self.region != self.requested

    def get(self, key: str) -> Price:
        try:
            return self.prices[key]
        except KeyError:
            raise KeyError(f"the {self.region} price table has no {key!r}") from None

    def usd(self, key: str) -> Decimal:
        return self.get(key).usd

    def has(self, key: str) -> bool:
        return key in self.prices


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    about: str
    as_of: str  # "2026-11": the month the prices describe
    retrieved: str  # the day they were looked up
    currency: str
    hours_per_month: int
    regions: dict[str, dict[str, Price]]

    def for_region(self, region: str) -> RegionPrices:
        """The region's prices, or ``us-east-1``'s when the table has none for it."""
        chosen = region if region in self.regions else FALLBACK_REGION
        return RegionPrices(region=chosen, requested=region, prices=self.regions[chosen])


def load_prices(path: Path | None = None) -> PriceTable:
    """The packaged table, or one at ``path`` (for a team that keeps its own negotiated rates)."""
    if path is not None:
        return _parse(Path(path).read_text("utf-8"))
    return _packaged()


@cache
def _packaged() -> PriceTable:
    text = resources.files("shipspec.cost").joinpath("prices.json").read_text("utf-8")
    return _parse(text)


def _parse(text: str) -> PriceTable:
    return PriceTable.model_validate(json.loads(text, parse_float=Decimal))
