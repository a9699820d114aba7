"""Mocked Amazon OpenSearch Service domains, as deterministic as the rest of the mocks.

A VPC domain's ``endpoint`` is ``vpc-<domain>-<26 characters>.<region>.es.amazonaws.com``
and its id and ARN name the domain (``arn:aws:es:<region>:<account>:domain/<name>``), the
shapes DescribeDomain returns; the program builds the connection URL from the endpoint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

Handler = Callable[[str, str, dict[str, Any]], tuple[str, dict[str, Any]]]


def search_handlers(region: str, account_id: str) -> dict[str, Handler]:
    def domain(name: str, token: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        domain_name = str(inputs.get("domainName") or name)
        suffix = hashlib.sha256(f"{token}/{name}/{region}".encode()).hexdigest()[:26]
        arn = f"arn:aws:es:{region}:{account_id}:domain/{domain_name}"
        return arn, {
            "arn": arn,
            "domainName": domain_name,
            "domainId": f"{account_id}/{domain_name}",
            "endpoint": f"vpc-{domain_name}-{suffix}.{region}.es.amazonaws.com",
        }

    return {"aws:opensearch/domain:Domain": domain}
