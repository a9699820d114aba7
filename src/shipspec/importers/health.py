"""What a service will be judged healthy by on AWS, and where that knowledge came from.

Two probes judge an ECS service: the container health check (ECS runs the command in the
container, as Compose does) and, for a web service, the load balancer's HTTP probe. An
invented probe is worse than none: the deployment circuit breaker rolls back a first
deployment whose tasks never turn healthy. So the compose ``healthcheck`` is carried over
as the container check, command as is, and the load balancer's path comes, in order,
from: the compose (or Dockerfile) HTTP probe; a health URL another service of the same
application calls it at (``CatalogUrlHC=http://catalog-api/hc``); the health endpoint
the image's framework is known to serve. Each choice carries its reason.
"""

from __future__ import annotations

import re
from typing import Any

from ..spec.container import (
    HEALTHCHECK_INTERVAL,
    HEALTHCHECK_RETRIES,
    HEALTHCHECK_START_PERIOD,
    HEALTHCHECK_TIMEOUT,
)
from .context import text_of
from .dockerfile import DockerfileFacts
from .images import parse_image
from .syntax import duration_seconds

# Health endpoints frameworks and server images serve by default, by image name or
# repository part. Sources: Spring Boot Actuator reference ("health" is exposed over HTTP
# by default); Grafana HTTP API (`GET /api/health`); Prometheus management API
# (`/-/healthy`); Gitea API (`/api/healthz`); the nginx and httpd images serve their
# document root at `/`.
FRAMEWORK_PATHS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"spring"), "/actuator/health", "a Spring Boot image: Actuator's health endpoint"),
    (re.compile(r"(^|/)grafana$"), "/api/health", "Grafana's health endpoint"),
    (re.compile(r"(^|/)prometheus$"), "/-/healthy", "Prometheus's health endpoint"),
    (re.compile(r"(^|/)gitea$"), "/api/healthz", "Gitea's health endpoint"),
    (re.compile(r"(^|/)(nginx|nginx-unprivileged|httpd)$"), "/", "a web server image: its root"),
)
_HEALTH_WORDS = re.compile(r"(health|hc$|hc_|_hc|ready|live|alive|status|ping)", re.I)
_HEALTH_PATH = re.compile(r"^/(.*/)?(hc|health\w*|healthz|ready\w*|live\w*|alive|ping|status)$")
_URL = re.compile(r"https?://([A-Za-z0-9_.-]+)(?::(\d+))?(/[^\s'\"?#;,]*)", re.I)
# ECS container health check limits, as the spec keeps them (spec/container.py).
_LIMITS = {
    "interval_seconds": ("interval", *HEALTHCHECK_INTERVAL),
    "timeout_seconds": ("timeout", *HEALTHCHECK_TIMEOUT),
    "start_period_seconds": ("start_period", *HEALTHCHECK_START_PERIOD),
}


def container_check(
    data: dict[str, Any], facts: DockerfileFacts | None, clamped: list[tuple[str, str]]
) -> tuple[dict[str, Any], str] | None:
    """The compose (else Dockerfile) health check in ECS form, and where it came from.

    A value outside ECS's range is brought inside it, and ``clamped`` gets the compose key
    and what happened (``("timeout", "90 is outside ECS's 2-60: 60")``) for the report.
    """
    check = data.get("healthcheck")
    if isinstance(check, dict) and check.get("disable") in (True, "true"):
        return None
    test = check.get("test") if isinstance(check, dict) else None
    command: list[str] | None = None
    if isinstance(test, list) and test and str(test[0]).upper() in ("CMD", "CMD-SHELL"):
        command = [str(test[0]).upper()] + [str(t) for t in test[1:]]
        if command[0] == "CMD-SHELL" and len(command) > 2:
            command = ["CMD-SHELL", " ".join(command[1:])]  # ECS runs one shell string
    elif isinstance(test, list) and test and str(test[0]).upper() == "NONE":
        return None
    elif text_of(test):
        command = ["CMD-SHELL", str(text_of(test))]
    if command is not None and len(command) > 1:
        out: dict[str, Any] = {"command": command}
        for key, (compose_key, low, high) in _LIMITS.items():
            seconds = duration_seconds(check.get(compose_key)) if isinstance(check, dict) else None
            if seconds is not None:
                out[key] = _within(compose_key, int(-(-seconds // 1)), low, high, clamped)
        retries = check.get("retries") if isinstance(check, dict) else None
        if isinstance(retries, int) and not isinstance(retries, bool):
            out["retries"] = _within("retries", retries, *HEALTHCHECK_RETRIES, clamped)
        return out, "the compose healthcheck"
    if facts and facts.healthcheck and facts.healthcheck != "NONE":
        return {"command": ["CMD-SHELL", facts.healthcheck]}, "the Dockerfile's HEALTHCHECK"
    return None


def _within(key: str, value: int, low: int, high: int, clamped: list[tuple[str, str]]) -> int:
    kept = max(low, min(high, value))
    if kept != value:
        clamped.append((key, f"{value} is outside ECS's {low}-{high}: {kept}"))
    return kept


def lenient_probe(data: dict[str, Any]) -> bool:
    """A curl probe without ``-f``/``--fail`` passes on any HTTP answer, 404 included."""
    check = data.get("healthcheck")
    test = check.get("test") if isinstance(check, dict) else None
    text = " ".join(str(t) for t in test) if isinstance(test, list) else str(text_of(test) or "")
    words = text.split()
    if "curl" not in {w.rsplit("/", 1)[-1] for w in words}:
        return False
    return not any(w in ("-f", "--fail", "--fail-with-body") or re.fullmatch(r"-\w*f\w*", w)
                   for w in words)  # fmt: skip


def framework_path(data: dict[str, Any], facts: DockerfileFacts | None) -> tuple[str, str] | None:
    """The health path the image's framework serves, with the reason, or None."""
    images = []
    if isinstance(data.get("image"), str):
        images.append(parse_image(data["image"]).repository)
    if facts is not None:
        images.append(parse_image(facts.base).repository)
    for repository in images:
        for pattern, path, reason in FRAMEWORK_PATHS:
            if pattern.search(repository):
                return path, f"{reason} ({repository})"
    return None


def called_health_paths(
    services: dict[str, Any], hosts: dict[str, set[str]]
) -> dict[str, tuple[str, str]]:
    """Per compose service, a health path another service calls it at, and who does.

    ``HealthChecksUI__HealthChecks__6__Uri=http://catalog-api/hc`` says catalog-api answers
    its health check at ``/hc``: the application's own monitoring relies on it.
    """
    found: dict[str, tuple[str, str]] = {}
    for caller, data in sorted(services.items()):
        env = data.get("environment") if isinstance(data, dict) else None
        if not isinstance(env, dict):
            continue
        for variable, value in sorted(env.items()):
            for match in _URL.finditer(str(value or "")):
                path = match.group(3).rstrip("/") or "/"
                if not (_HEALTH_PATH.match(path) or _HEALTH_WORDS.search(str(variable))):
                    continue
                if path == "/":
                    continue
                for target, names in hosts.items():
                    if target != caller and match.group(1).lower() in names:
                        found.setdefault(target, (path, f"{caller}.environment.{variable}"))
    return found
