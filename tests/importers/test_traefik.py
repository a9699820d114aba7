"""Issue 15: a Traefik-fronted compose app keeps its routes when the load balancer replaces it.

Traefik is configured by labels on the services it fronts (its Docker provider), often with
no ``depends_on`` from the proxy. The importer reads each router's rule, the stripprefix
middleware it names and the server port, and turns them into the service's listener rule
(``routes``) on the load balancer; Host rules are reported, since the load balancer of an
environment without that domain would never match them.
"""

from __future__ import annotations

COMPOSE = """\
services:
  edge:
    image: traefik:v3.1
    command: ["--providers.docker=true", "--providers.docker.exposedbydefault=false"]
    ports: ["80:80"]
    volumes: ["/var/run/docker.sock:/var/run/docker.sock:ro"]
  storefront:
    image: ghcr.io/acme/storefront:3.2
    labels:
      traefik.enable: "true"
      traefik.http.routers.storefront.rule: "Host(`shop.example.com`)"
      traefik.http.services.storefront.loadbalancer.server.port: "3000"
  orders:
    image: ghcr.io/acme/orders:1.8
    expose: ["8080"]
    labels:
      - "traefik.enable=true"
      - "traefik.http.routers.orders.rule=PathPrefix(`/api/orders{regex:$$|/.*}`)"
      - "traefik.http.routers.orders.middlewares=orders-strip@docker"
      - "traefik.http.middlewares.orders-strip.stripprefix.prefixes=/api/orders"
  docs:
    image: ghcr.io/acme/docs:2.0
    labels:
      - "traefik.enable=true"
      - "traefik.http.routers.docs.rule=PathPrefix(`/docs`)"
      - "traefik.http.services.docs.loadbalancer.server.port=8000"
  reports:                  # no traefik.enable=true: the proxy does not route to it
    image: ghcr.io/acme/reports:0.4
    expose: ["9000"]
    labels:
      - "traefik.http.routers.reports.rule=PathPrefix(`/reports`)"
  metrics:
    image: ghcr.io/acme/metrics:0.3
    labels: {traefik.enable: "false"}
"""


def _messages(result, service: str, key: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.message for f in result.report.findings if f.service == service and f.key == key]


def test_traefik_labels_become_listener_rules(compose) -> None:  # type: ignore[no-untyped-def]
    result = compose(COMPOSE)
    services = result.spec.services
    assert "edge" not in services  # the load balancer takes the proxy's place
    storefront, orders, reports = services["storefront"], services["orders"], services["reports"]
    assert (storefront.type, storefront.port, storefront.public) == ("web", 3000, True)
    assert storefront.routes is None  # a Host-only router: every path, so it takes /*
    assert orders.routes is not None and orders.routes.strip_prefix is True
    assert orders.routes.paths == ["/api/orders", "/api/orders/*"]
    # exposedbydefault=false: a router without traefik.enable=true is not served by the proxy
    assert reports.routes is None and not reports.public
    docs = services["docs"]
    assert docs.routes is not None and docs.routes.paths == ["/docs", "/docs/*"]
    assert docs.routes.strip_prefix is False
    # Nothing says how they answer: a probe that cannot fail a healthy server.
    assert storefront.health is not None and storefront.health.matcher == "200-499"
    # traefik.enable=false: not routed, and its labels are plain labels again.
    assert services["metrics"].type == "worker"
    assert _messages(result, "metrics", "labels") == [
        "container labels are not carried over; AWS resources get shipspec's tags"
    ]
    assert any("stripping the prefix" in m for m in _messages(result, "orders", "labels"))
    hosts = _messages(result, "storefront", "labels")
    assert any("shop.example.com" in m and "routes.hosts" in m for m in hosts)
    assert any("/* goes to storefront" in d for d in result.report.decisions)
