"""Ports and health checks: which container port a web service gets, and its health path.

Compose may publish several ports, ``expose`` others, or leave them to the Dockerfile's
``EXPOSE``; a web service on AWS has one load-balanced HTTP port. The port an HTTP
health probe uses wins, then a published one, then the first. UDP ports are
incompatible (an Application Load Balancer carries HTTP), debugger ports are dropped,
and well-known non-HTTP ports (ssh, smtp, database ports) cannot be load-balanced.
"""

from __future__ import annotations

import re
from typing import Any

from .context import Context, text_of
from .dockerfile import DockerfileFacts
from .health import lenient_probe
from .shapes import sequence
from .syntax import duration_seconds, parse_port

_URL = re.compile(r"https?://(\[[^\]]+\]|[^/:\s'\"]+)(?::(\d+))?(/[^\s'\"|;&)]*)?", re.I)
_LOCAL = {"localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1"}
DEBUG_PORTS = {
    5005: "Java debugger",
    5678: "Python debugger",
    9229: "Node inspector",
    9230: "Node inspector",
}
NOT_HTTP = {
    21: "ftp", 22: "ssh", 25: "smtp", 53: "dns", 110: "pop3", 143: "imap", 465: "smtps",
    587: "smtp", 993: "imaps", 1433: "sql server", 1521: "oracle", 1883: "mqtt",
    2181: "zookeeper", 3306: "mysql", 5432: "postgres", 5672: "amqp", 6379: "redis",
    9042: "cassandra", 9092: "kafka", 11211: "memcached", 27017: "mongodb",
}  # fmt: skip
Candidate = tuple[int, bool, str]  # container port, published on all interfaces, where from


# An ALB check passing on any answer but a server error (ELBv2 Matcher.HttpCode allows
# 200-499): what a probe that cannot fail a healthy server looks like behind an ALB.
ANY_ANSWER = "200-499"


def read_ports(
    ctx: Context, compose: str, data: dict[str, Any], facts: DockerfileFacts | None
) -> list[Candidate]:
    found: list[Candidate] = []
    ports = sequence(data.get("ports"))
    for index, raw in enumerate(ports):
        spec = parse_port(raw)
        keys = ("ports", index)
        if spec is None:
            ctx.error(
                compose,
                keys,
                f"cannot read port {raw!r}",
                "write [IP:]HOST:CONTAINER[/udp], or target/published",
            )
            continue
        if spec.protocol != "tcp":
            ctx.incompatible(
                compose,
                keys,
                f"{spec.protocol.upper()} port {spec.target}: the load balancer carries "
                f"HTTP; {spec.protocol.upper()} needs a Network Load Balancer, which "
                "shipspec does not generate",
            )
            continue
        if spec.target in DEBUG_PORTS:
            ctx.find(
                "dropped",
                compose,
                keys,
                f"port {spec.target} is the {DEBUG_PORTS[spec.target]}: not exposed in production",
            )
            continue
        if spec.target_end > spec.target:
            ctx.find(
                "dropped",
                compose,
                keys,
                f"port range {spec.target}-{spec.target_end}: only {spec.target} can be "
                "load-balanced",
            )
        where = f"ports[{index}] {raw!r}" if isinstance(raw, str | int) else f"ports[{index}]"
        found.append((spec.target, spec.on_all_interfaces, where))
    expose = sequence(data.get("expose"))
    for index, raw in enumerate(expose):
        spec = (
            parse_port(str(raw))
            if isinstance(raw, str | int) and not isinstance(raw, bool)
            else None
        )
        if spec is None or spec.published is not None:
            ctx.error(
                compose,
                ("expose", index),
                f"cannot read exposed port {raw!r}",
                "write a port such as 3000 or 3000/tcp",
            )
        elif spec.protocol != "tcp":
            ctx.incompatible(
                compose,
                ("expose", index),
                f"exposed {spec.protocol.upper()} port {spec.target}: not load-balanced",
            )
        else:
            found.append((spec.target, False, f"expose[{index}]"))
    if not found and facts and facts.ports:
        for raw in facts.ports:
            spec = parse_port(raw)
            if spec and spec.protocol == "tcp" and spec.target not in DEBUG_PORTS:
                found.append((spec.target, False, "the Dockerfile's EXPOSE"))
    return found


def choose_port(
    ctx: Context, compose: str, found: list[Candidate], health: tuple[int | None, str] | None
) -> Candidate | None:
    http = [c for c in found if c[0] not in NOT_HTTP]
    pool = http or []
    for port, _, origin in found:
        if port in NOT_HTTP:
            ctx.find(
                "dropped",
                compose,
                ("ports",),
                f"port {port} ({NOT_HTTP[port]}, from {origin}) is not HTTP: the load "
                "balancer cannot carry it",
            )
    if not pool:
        return None
    wanted = health[0] if health else None
    ranked = sorted(pool, key=lambda c: (c[0] != wanted, not c[1]))
    chosen = ranked[0]
    public = any(c[1] for c in pool if c[0] == chosen[0])
    for port, _, origin in pool:
        if port != chosen[0]:
            ctx.find(
                "dropped",
                compose,
                ("ports",),
                f"port {port} ({origin}): not the main port ({chosen[0]}); served only if "
                "another service calls it there",
            )
    ctx.find(
        "mapped",
        compose,
        ("ports",)
        if "ports" in chosen[2]
        else ("expose",)
        if "expose" in chosen[2]
        else ("build",),
        f"port {chosen[0]}" + (", published" if public else ", internal load balancer"),
    )
    return chosen[0], public, chosen[2]


def health_url(
    ctx: Context, compose: str, data: dict[str, Any], facts: DockerfileFacts | None
) -> tuple[int | None, str] | None:
    check = data.get("healthcheck")
    text = None
    if isinstance(check, dict) and check.get("disable") not in (True, "true"):
        test = check.get("test")
        text = " ".join(str(t) for t in test) if isinstance(test, list) else text_of(test)
    if text is None and facts and facts.healthcheck and facts.healthcheck != "NONE":
        text = facts.healthcheck
    if not text:
        return None
    own = {
        compose.lower(),
        str(data.get("hostname", "")).lower(),
        str(data.get("container_name", "")).lower(),
    }
    for match in _URL.finditer(text):
        host = match.group(1).lower()
        if host in _LOCAL or host in own:
            path = match.group(3) or "/"
            return (int(match.group(2)) if match.group(2) else None), path.rstrip("\"'")
    return None


def health(
    ctx: Context,
    compose: str,
    name: str,
    data: dict[str, Any],
    url: tuple[int | None, str] | None,
    port: int,
    hint: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The load balancer's probe: the compose probe's path, else ``hint`` (path, reason).

    A curl probe without ``-f`` passes on any answer, a 404 included, while the load
    balancer wants 200-399: there a known health endpoint (``hint``) is the better path.
    """
    health: dict[str, Any] = {}
    path_key = ("services", name, "health")
    lenient = url is not None and lenient_probe(data)
    if lenient and hint and url and hint[0] != url[1]:
        ctx.find(
            "dropped",
            compose,
            ("healthcheck",),
            f"the compose probe (curl without -f) passes on any answer at {url[1]}; the load "
            f"balancer wants 200-399, so it probes {hint[0]} instead: {hint[1]}",
        )
        url = None
    if url and re.fullmatch(r"/\S*", url[1]):
        health["path"] = url[1]
        ctx.note(path_key, f"path from the HTTP probe in the health check ({url[1]})")
        if url[0] not in (None, port):
            ctx.find(
                "dropped",
                compose,
                ("healthcheck",),
                f"the probe uses port {url[0]}; the load balancer probes {url[1]} on the "
                f"service port {port}: check it answers there",
            )
        else:
            ctx.find("mapped", compose, ("healthcheck",), f"health path {url[1]}")
        if lenient:
            # curl without -f passes on any HTTP answer: the closest an ALB check allows is
            # 200-499 (it fails only on a server error or no answer).
            health["matcher"] = ANY_ANSWER
            ctx.find(
                "mapped",
                compose,
                ("healthcheck",),
                f"the compose probe (curl without -f) passes on any answer at {url[1]}: the "
                f"load balancer passes on {ANY_ANSWER} there (a server error or no answer fails)",
            )
    elif hint:
        health["path"] = hint[0]
        ctx.note(path_key, f"path {hint[0]}: {hint[1]}")
        ctx.find(
            "mapped",
            compose,
            ("healthcheck",) if "healthcheck" in data else (),
            f"health path {hint[0]}: {hint[1]}",
        )
    else:
        # Nothing says where the service answers: probe its root and pass on any answer
        # that is not a server error, so a healthy server that 404s on / still passes and
        # the circuit breaker does not roll back a first deployment over an invented path.
        health["path"], health["matcher"] = "/", ANY_ANSWER
        ctx.note(
            path_key,
            f"no HTTP probe in compose or the Dockerfile, and no known health endpoint: GET / "
            f"passing on {ANY_ANSWER} (any answer but a server error); set a real health path",
        )
        ctx.find(
            "dropped",
            compose,
            ("healthcheck",),
            f"no HTTP probe to read and no health endpoint known for the image: the load "
            f"balancer probes / and passes on {ANY_ANSWER}, which only proves the server "
            "answers; set health.path (and remove health.matcher) to a real health endpoint",
        )
    check = data.get("healthcheck")
    start = duration_seconds(check.get("start_period")) if isinstance(check, dict) else None
    if start is not None:
        health["grace_seconds"] = max(0, min(3600, int(-(-start // 1))))
        ctx.find(
            "mapped",
            compose,
            ("healthcheck", "start_period"),
            f"grace_seconds {health['grace_seconds']}",
        )
    return health
