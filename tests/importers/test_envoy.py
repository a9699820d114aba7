"""Issue 15: an Envoy front proxy's plain routes become listener rules; richer ones keep it.

The configuration is the one the proxy bind-mounts (Envoy's static ``route_config`` and
``clusters``): a prefix route to a cluster, with ``prefix_rewrite: /`` stripping it, is what
an ALB listener rule does; a header or regex match is not, so the proxy stays the way in,
with its configuration baked into its image.
"""

from __future__ import annotations

COMPOSE = """\
services:
  front-proxy:
    image: envoyproxy/envoy:v1.31.2
    ports: ["8080:8080"]
    volumes: ["./envoy/envoy.yaml:/etc/envoy/envoy.yaml:ro"]
    depends_on: [web, api]
  web:
    image: ghcr.io/acme/web:1.0
  api:
    image: ghcr.io/acme/api:1.0
"""
ENVOY = """\
static_resources:
  listeners:
    - address: {socket_address: {address: 0.0.0.0, port_value: 8080}}
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                stat_prefix: ingress
                route_config:
                  virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                        - match: {prefix: "/api/"}
                          route: {cluster: api_service, prefix_rewrite: "/"}
                        %EXTRA%
                        - match: {prefix: "/"}
                          route: {cluster: web_service}
  clusters:
    - name: api_service
      load_assignment:
        cluster_name: api_service
        endpoints:
          - lb_endpoints:
              - endpoint: {address: {socket_address: {address: api, port_value: 8000}}}
    - name: web_service
      load_assignment:
        cluster_name: web_service
        endpoints:
          - lb_endpoints:
              - endpoint: {address: {socket_address: {address: web, port_value: 3000}}}
"""
HEADER_ROUTE = (
    '- match: {prefix: "/", headers: [{name: x-canary, string_match: {exact: "1"}}]}\n'
    "                          route: {cluster: api_service}"
)


def test_plain_envoy_routes_become_listener_rules(compose) -> None:  # type: ignore[no-untyped-def]
    result = compose(COMPOSE, extra={"envoy/envoy.yaml": ENVOY.replace("%EXTRA%", "")})
    services = result.spec.services
    assert "front-proxy" not in services
    web, api = services["web"], services["api"]
    assert (web.port, web.public, web.routes) == (3000, True, None)  # web takes /*
    assert (api.port, api.public) == (8000, True)
    assert api.routes is not None and api.routes.paths == ["/api/*"]
    assert api.routes.strip_prefix is True
    assert any("api at /api/* (the prefix stripped)" in d for d in result.report.decisions)


def test_a_route_richer_than_a_listener_rule_keeps_the_proxy(compose) -> None:  # type: ignore[no-untyped-def]
    config = ENVOY.replace("%EXTRA%", HEADER_ROUTE)
    result = compose(COMPOSE, extra={"envoy/envoy.yaml": config})
    proxy = result.spec.services["front-proxy"]
    assert proxy.public and proxy.image == "envoyproxy/envoy:v1.31.2"
    kept = [f.message for f in result.report.findings if f.service == "front-proxy"]
    assert any("kept as the public entry point" in m and "x-canary" in m for m in kept)
    assert any("COPY envoy/envoy.yaml /etc/envoy/envoy.yaml" in m for m in kept)
    api = result.spec.services["api"]
    assert not api.public and api.port == 8000  # reached through the proxy only
    assert set(proxy.calls) == {"api", "web"}  # Service Connect, where its clusters point
