"""Every port another service calls is served, and gRPC is served as gRPC.

A compose service often listens on more than one port: an HTTP API beside a gRPC one
(eShop's ``Kestrel__Endpoints__GRPC__Url=http://0.0.0.0:81``), an OTLP HTTP port beside
the gRPC one. The spec's ``port`` is one of them; every other port that another service
names (``urls__grpcBasket=http://basket-api:81``) goes into ``ports`` with its protocol,
so Service Connect answers there too. A port is gRPC when the service's own settings
say so (a ``GRPC`` endpoint or port variable, ``Http2`` protocols), when callers name it
in a gRPC variable, or when the image or health check is a gRPC one; a service whose
main port is gRPC gets ``protocol: grpc`` (an HTTP/2 target group and a gRPC health
check instead of an HTTP/1.1 probe that can never pass).
"""

from __future__ import annotations

import re
from typing import Any

from .context import Context
from .services import App
from .shapes import mapping

_URL_PORT = re.compile(r"(?:://|^|[\s,;=@])([A-Za-z0-9_.-]+):(\d{1,5})(?=$|[/\s,;?#])")
_GRPC_NAME = re.compile(r"grpc", re.I)
_BIND = re.compile(r"^(?:https?://)?(?:0\.0\.0\.0|\*|\+|\[::\]|localhost)?:(\d{1,5})/?$")


def grpc_ports(app: App, data: dict[str, Any]) -> set[int]:
    """The ports a service's own settings say speak gRPC."""
    env = {str(k): str(v or "") for k, v in mapping(data.get("environment")).items()}
    found: set[int] = set()
    endpoints: dict[str, int] = {}
    for variable, value in env.items():
        bound = _BIND.match(value.strip())
        if bound and variable.lower().endswith("url"):
            endpoints[variable.rsplit("__", 1)[0].lower()] = int(bound.group(1))
        if _GRPC_NAME.search(variable):
            if value.strip().isdigit():
                found.add(int(value))
            elif bound:
                found.add(int(bound.group(1)))
    for variable, value in env.items():
        if variable.lower().endswith("protocols") and value.strip().lower() == "http2":
            port = endpoints.get(variable.rsplit("__", 1)[0].lower())
            if port:
                found.add(port)
    check = str(data.get("healthcheck", ""))
    image = str(data.get("image", ""))
    if ("grpc_health_probe" in check or "grpc" in image.lower()) and "port" in app.spec:
        found.add(int(app.spec["port"]))  # fmt: skip
    return found


def serve_called_ports(
    ctx: Context,
    apps: list[App],
    services: dict[str, Any],
    hosts: dict[str, set[str]],
) -> None:
    """Add ``ports`` (and ``protocol: grpc``) to each app for the ports its callers use."""
    by_compose = {a.compose: a for a in apps}
    called: dict[str, dict[int, tuple[str, str, bool]]] = {}
    for caller, data in sorted(services.items()):
        for variable, value in sorted(mapping(mapping(data).get("environment")).items()):
            for match in _URL_PORT.finditer(str(value or "")):
                host, port = match.group(1).lower(), int(match.group(2))
                for target, names in hosts.items():
                    if target != caller and host in names and target in by_compose:
                        named = bool(_GRPC_NAME.search(str(variable)))
                        called.setdefault(target, {}).setdefault(
                            port, (caller, str(variable), named)
                        )
    for app in apps:
        if "port" not in app.spec:
            continue
        data = mapping(services.get(app.compose))
        grpc = grpc_ports(app, data)
        main = int(app.spec["port"])
        extra: list[dict[str, Any]] = []
        for port, (caller, variable, named_grpc) in sorted(called.get(app.compose, {}).items()):
            if port > 65535:
                continue
            if named_grpc:
                grpc.add(port)
            if port == main:
                continue
            protocol = "grpc" if port in grpc else "http"
            extra.append({"port": port, "protocol": protocol})
            ctx.find(
                "mapped",
                app.compose,
                ("ports",),
                f"port {port} ({protocol}) served too: {caller}.{variable} calls it there",
            )
        if main in grpc:
            app.spec["protocol"] = "grpc"
            ctx.note(
                ("services", app.name, "protocol"),
                f"port {main} speaks gRPC (from its settings or its callers): an HTTP/2 target "
                "group and a gRPC health check",
            )
            ctx.find("mapped", app.compose, ("ports",), f"port {main} speaks gRPC")
        if extra:
            app.spec["ports"] = extra
            ctx.note(
                ("services", app.name, "ports"),
                "ports other services call besides `port` (Service Connect answers on each)",
            )
