"""Issue 15: where nothing says how a service answers, its probe must not fail a healthy server.

An invented ``/health`` fails every server that does not serve it, and the deployment circuit
breaker then rolls the first deployment back. The importer probes ``/`` and passes on any
answer but a server error (``health.matcher: 200-499``); a curl probe without ``-f`` (which
passes on any answer) keeps its path with the same matcher. This follows the probe from the
compose file through the spec and the plan to the target group the program creates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import shipspec
from shipspec.errors import SpecError

from ..preview.discovery_support import generate_and_preview

TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
COMPOSE = """\
services:
  shop:
    image: example/shop:1.0
    ports: ["80:8080"]
  legacy:
    image: example/legacy:2.0
    ports: ["81:9000"]
    healthcheck:
      test: ["CMD", "curl", "http://localhost:9000/ping"]
  billing:
    image: example/billing:1.0
    ports: ["82:7000"]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:7000/status"]
"""


def test_unknown_probes_pass_any_answer_but_a_server_error(compose, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = compose(COMPOSE, public=["shop", "legacy", "billing"])
    services = result.spec.services
    shop, legacy, billing = (
        services["shop"].health,
        services["legacy"].health,
        services["billing"].health,
    )
    assert shop is not None and (shop.path, shop.matcher) == ("/", "200-499")
    assert legacy is not None and (legacy.path, legacy.matcher) == ("/ping", "200-499")
    assert billing is not None and (billing.path, billing.matcher) == ("/status", None)
    dropped = [
        f.message for f in result.report.findings if f.service == "shop" and f.bin == "dropped"
    ]
    assert any("only proves the server answers" in m for m in dropped)

    spec = tmp_path / "handoff.yaml"
    spec.write_text(result.handoff_yaml)
    preview = generate_and_preview(
        spec, tmp_path / "out", list(shipspec.load(spec).environments)[-1]
    )
    checks = {r.name: r.inputs["healthCheck"] for r in preview.of_type(TARGET_GROUP)}
    by_service = {name.split("-tg")[0]: check for name, check in checks.items()}
    assert (by_service["shop"]["path"], by_service["shop"]["matcher"]) == ("/", "200-499")
    assert (by_service["legacy"]["path"], by_service["legacy"]["matcher"]) == ("/ping", "200-499")
    assert (by_service["billing"]["path"], by_service["billing"]["matcher"]) == (
        "/status",
        "200-399",
    )


@pytest.mark.parametrize(
    ("health", "fragment"),
    [
        ("{matcher: '200-599'}", "an ALB passes HTTP codes 200-499"),
        ("{matcher: '404-200'}", "an ALB passes HTTP codes 200-499"),
        ("{matcher: ok}", "health.matcher"),
    ],
)
def test_a_matcher_outside_what_an_alb_accepts_is_refused(health: str, fragment: str) -> None:
    text = (
        "apiVersion: shipspec/v1\nkind: Handoff\nmetadata: {name: probe, owner: t}\n"
        "cloud: {provider: aws, region: eu-west-1}\nenvironments: {prod: {}}\n"
        f"services:\n  web: {{type: web, image: a:1, port: 80, public: true, health: {health}}}\n"
    )
    with pytest.raises(SpecError) as refused:
        shipspec.loads(text)
    assert fragment in str(refused.value)


def test_a_matcher_on_a_grpc_service_is_refused() -> None:
    text = (
        "apiVersion: shipspec/v1\nkind: Handoff\nmetadata: {name: probe, owner: t}\n"
        "cloud: {provider: aws, region: eu-west-1}\nenvironments: {prod: {}}\n"
        "services:\n  rpc: {type: worker, image: a:1, port: 50051, protocol: grpc,"
        " health: {matcher: '200-499'}}\n"
    )
    with pytest.raises(SpecError) as refused:
        shipspec.loads(text)
    assert "`health.matcher` is the HTTP codes" in str(refused.value)
