"""Services that call each other by compose name become ``calls`` (Service Connect).

The fixture has three services calling each other (one through a network alias that
is not its spec name), an admin tool published on localhost, a worker calling it and
a hostname of a service that listens on nothing.
"""

from __future__ import annotations

import pytest

from shipspec.importers import ImportResult
from shipspec.importers.wiring import references, rename_host

from .importer_helpers import findings, fixture


@pytest.fixture(scope="module")
def result() -> ImportResult:
    return fixture("calls")


def test_hostnames_and_depends_on_become_calls(result: ImportResult) -> None:
    services = result.spec.services
    assert services["front"].calls == ["catalog-api", "orders"]
    assert services["orders"].calls == ["catalog-api"]
    assert services["reporter"].calls == ["admin"]  # mailer listens on no port
    assert not services["catalog-api"].calls and not services["mailer"].calls


def test_hostnames_are_kept_or_renamed_to_the_spec_name(result: ImportResult) -> None:
    front = result.spec.services["front"]
    assert front.env["ORDERS_ADDR"] == "orders:9000"  # already the spec name: unchanged
    # compose `catalog_api` is spec `catalog-api`: Service Connect answers to that name only
    assert front.env["CATALOG_URL"] == "http://catalog-api:7000/v1"
    assert result.spec.services["orders"].env["CATALOG"] == "http://catalog-api:7000"


def test_service_hostnames_are_reported_mapped_not_dropped(result: ImportResult) -> None:
    mapped, dropped = findings(result, "mapped", "front"), findings(result, "dropped", "front")
    assert "environment.CATALOG_URL" in mapped and "environment.ORDERS_ADDR" in mapped
    assert "calls orders" in mapped["depends_on.orders"]
    assert not any(k.startswith(("environment.CATALOG", "environment.ORDERS")) for k in dropped)
    # a datastore URL with a password inside is built at start, with the exact line
    assert "export DATABASE_URL=" in dropped["environment.DATABASE_URL"]
    assert "db" in {u if isinstance(u, str) else u.name for u in result.spec.services["front"].uses}
    assert "listens on no port" in findings(result, "dropped", "reporter")["environment.MAILER_URL"]


def test_expose_only_services_that_are_called_have_no_load_balancer(
    result: ImportResult,
) -> None:
    services = result.spec.services
    for name, port in (("orders", 9000), ("catalog-api", 7000)):
        assert (services[name].type, services[name].port, services[name].health) == (
            "worker",
            port,
            None,
        )
    assert "no load balancer" in findings(result, "mapped", "orders")["expose"]
    # published on localhost: a person reaches it, so it keeps its internal load balancer
    assert (services["admin"].type, services["admin"].public) == ("web", False)
    assert services["front"].type == "web"


@pytest.mark.parametrize(
    ("value", "renamed"),
    [
        ("http://catalog_api:7000/v1", "http://catalog-api:7000/v1"),
        ("amqp://user@catalog_api", "amqp://user@catalog-api"),
        ("catalog_api:7000", "catalog-api:7000"),
        ("a=catalog_api:7000,b=other:1", "a=catalog-api:7000,b=other:1"),
        ("catalog_api", "catalog-api"),
        ("http://catalog_api_v2:7000", "http://catalog_api_v2:7000"),  # another host
    ],
)
def test_rename_host_changes_the_host_only(value: str, renamed: str) -> None:
    assert rename_host(value, "catalog_api", "catalog-api") == renamed
    if renamed != value:
        assert references("CATALOG_HOST", renamed, "catalog-api")
