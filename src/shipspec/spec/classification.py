"""A datastore's own ``data_classification``: only ever lower than the spec's.

The spec's ``requirements.security.data_classification`` is the most sensitive data the
application handles; a datastore that holds less (a Memcached cache of rendered public
pages) may say so, and the compliance packs then judge it by what it holds: ElastiCache
for Memcached has no encryption at rest and no AUTH, so the packs accept it only for
data below ``confidential``. Declaring a *higher* class than the spec's would contradict
the spec (the customer-managed key, log retention and the packs follow the spec's), so it
is an error rather than a silent no-op.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, get_args

from .models import DataClassification
from .yamlsource import Path

# Least to most sensitive, as the spec's enum lists them.
ORDER: tuple[str, ...] = get_args(DataClassification)
SPEC_DEFAULT = "internal"  # Security.data_classification's default


def classification_problems(data: Mapping[str, Any]) -> Iterator[tuple[Path, str, str, str]]:
    """Datastores that declare a class above the spec's."""
    security = data.get("requirements")
    security = security.get("security") if isinstance(security, dict) else None
    spec_class = security.get("data_classification") if isinstance(security, dict) else None
    spec_class = SPEC_DEFAULT if spec_class is None else spec_class
    datastores = data.get("datastores")
    if spec_class not in ORDER or not isinstance(datastores, dict):
        return
    for name, store in datastores.items():
        own = store.get("data_classification") if isinstance(store, dict) else None
        if own in ORDER and ORDER.index(own) > ORDER.index(spec_class):
            lower = ", ".join(ORDER[: ORDER.index(spec_class) + 1])
            yield (
                ("datastores", name, "data_classification"),
                f"{own!r} is above the spec's data classification {spec_class!r}: a datastore "
                "may only declare that it holds less sensitive data than the application",
                f"use one of: {lower}; or raise requirements.security.data_classification",
                "classification-above-spec",
            )
