"""Availability Zone IDs per region: which physical zones a stack's subnets live in.

Zone *names* (``us-east-1a``) are mapped to physical zones per account in the older
regions and are picked from whatever ``describe-availability-zones`` lists at the time;
a zone that is impaired during an ``up`` drops out of the ``available`` list and every
subnet after it would move. Zone *IDs* (``use1-az1``) name the same physical zone in
every account, so the plan pins them and the stack config lists them.

Source: AWS, "AZ IDs" (https://docs.aws.amazon.com/global-infrastructure/latest/regions/az-ids.html)
and the ``ZoneId`` of ``ec2 describe-availability-zones``. Where a region has a zone that
new accounts cannot use (us-west-1's usw1-az2, ap-northeast-1's apne1-az3,
ca-central-1's cac1-az3), it is left out; in us-east-1 use1-az3, which lacks
current instance families, comes last.
"""

from __future__ import annotations

ZONE_IDS: dict[str, tuple[str, ...]] = {
    "us-east-1": ("use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6", "use1-az3"),
    "us-east-2": ("use2-az1", "use2-az2", "use2-az3"),
    "us-west-1": ("usw1-az1", "usw1-az3"),
    "us-west-2": ("usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"),
    "ca-central-1": ("cac1-az1", "cac1-az2", "cac1-az4"),
    "sa-east-1": ("sae1-az1", "sae1-az2", "sae1-az3"),
    "eu-west-1": ("euw1-az1", "euw1-az2", "euw1-az3"),
    "eu-west-2": ("euw2-az1", "euw2-az2", "euw2-az3"),
    "eu-west-3": ("euw3-az1", "euw3-az2", "euw3-az3"),
    "eu-central-1": ("euc1-az1", "euc1-az2", "euc1-az3"),
    "eu-north-1": ("eun1-az1", "eun1-az2", "eun1-az3"),
    "eu-south-1": ("eus1-az1", "eus1-az2", "eus1-az3"),
    "ap-south-1": ("aps1-az1", "aps1-az2", "aps1-az3"),
    "ap-northeast-1": ("apne1-az1", "apne1-az2", "apne1-az4"),
    "ap-northeast-2": ("apne2-az1", "apne2-az2", "apne2-az3", "apne2-az4"),
    "ap-southeast-1": ("apse1-az1", "apse1-az2", "apse1-az3"),
    "ap-southeast-2": ("apse2-az1", "apse2-az2", "apse2-az3"),
}


# How zone IDs abbreviate a region's direction word (ap-northeast-1 → apne1).
_DIRECTIONS = {
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
}


def region_short(region: str) -> str:
    """``eu-west-1`` → ``euw1``, ``ap-northeast-1`` → ``apne1``: its zone IDs' prefix."""
    parts = region.split("-")
    if len(parts) != 3:
        return region.replace("-", "")
    return f"{parts[0]}{_DIRECTIONS.get(parts[1], parts[1][0])}{parts[2]}"


def zone_ids(region: str) -> tuple[tuple[str, ...], bool]:
    """The region's usable zone IDs in preference order, and whether the table knows them.

    A region missing from the table gets ``<short>-az1..az6``, which the caller must
    present as an assumption: the network component refuses an ID the region lacks.
    """
    if region in ZONE_IDS:
        return ZONE_IDS[region], True
    short = region_short(region)
    return tuple(f"{short}-az{i}" for i in range(1, 7)), False
