"""Which services face the internet: the application's entry points, not every published port.

Compose files publish ports so a developer can reach each container from the laptop; on
AWS only the application's entry points may face the internet. A published service is
public when, in order:

1. the user names it (``--public NAME``, repeatable: then only the named ones are);
2. it sat behind the reverse proxy the load balancer replaces;
3. the application's own configuration sends browsers to it: a value pointing at the
   Docker host (``localhost``, ``host.docker.internal``) on the port it publishes
   (``IdentityUrl=http://host.docker.internal:5105``);
4. no other service calls it and it is neither an operations tool (Grafana, Prometheus,
   an admin UI) nor called by the others: a frontend or a gateway.

Everything else stays internal (an internal load balancer for people's tools, Service
Connect for services). If nothing qualifies, the uncalled services are public anyway, so
the application always keeps a way in. Each decision is reported with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .context import Context
from .images import parse_image
from .services import App
from .shapes import mapping, sequence
from .syntax import parse_port

_DOCKER_HOST = re.compile(
    r"://(?:[^@/\s]*@)?(localhost|127\.0\.0\.1|host\.docker\.internal|"
    r"docker\.for\.(?:mac|win|linux)\.(?:localhost|host\.internal)):(\d+)",
    re.I,
)
# Operations tools people open, not the application's users: internal load balancer.
_TOOLS = re.compile(
    r"(^|[-_/])(grafana|prometheus|alertmanager|kibana|jaeger|zipkin|tempo|loki|seq|"
    r"admin|adminer|pgadmin|phpmyadmin|mongo-express|redis-commander|portainer|"
    r"rabbitmq-management|mailhog|mailpit|flower|tracing|monitoring|dashboard)($|[-_:/])",
    re.I,
)


def choose_entry_points(
    ctx: Context,
    apps: list[App],
    services: dict[str, Any],
    proxied: dict[str, str],
    wanted: Iterable[str],
) -> None:
    """Set ``public`` on the web services of ``apps`` and report each decision."""
    wanted = {w.lower() for w in wanted}
    web = [a for a in apps if a.spec.get("type") == "web" and a.spec.get("public")]
    unknown = wanted - {a.name for a in apps} - {a.compose.lower() for a in apps}
    for name in sorted(unknown):
        ctx.error(name, (), f"--public {name}: no imported service has that name")
    called = {c for a in apps for c in a.spec.get("calls", ())}
    browsed = _browsed(services, apps)
    decided: dict[str, tuple[bool, str]] = {}
    for app in web:
        decided[app.name] = _decide(app, wanted, proxied, browsed, called)
    if not any(public for public, _ in decided.values()) and not wanted:
        # Never an application without a way in: the published services it has, tools last.
        fallback = [a for a in web if not decided[a.name][1].startswith("an operations")]
        for app in fallback or web:
            decided[app.name] = (True, "the application needs a way in and nothing else "
                                 "qualifies")  # fmt: skip
    primary = _primary(web, decided, proxied)
    if primary is not None:
        apps.sort(key=lambda a: a is not primary)  # the plan routes `/*` to the first
        others = [a for a in web if decided[a.name][0] and a is not primary]
        ctx.report.decisions.append(
            f"/* goes to {primary.name} (the load balancer's default route)"
            + "".join(f"; {_where(a.name, a.spec.get('routes'))}" for a in others)
        )
    for app in web:
        public, reason = decided[app.name]
        app.spec["public"] = public
        app.published = app.published and public
        key = ("ports",) if "ports" in mapping(services.get(app.compose)) else ()
        if public:
            ctx.note(("services", app.name, "public"), f"an entry point: {reason}")
        else:
            ctx.notes.pop(("services", app.name, "public"), None)
        ctx.find(
            "mapped",
            app.compose,
            key,
            (f"public, an entry point: {reason}" if public else f"internal: {reason}")
            + (f" (pass --public {app.name} to change it)" if not wanted else ""),
        )
        ctx.report.decisions.append(f"{app.name}: {'public' if public else 'internal'} ({reason})")


# What users open, most telling first: a storefront or UI, then a web app or gateway.
_FRONTS = (
    re.compile(r"(spa|front|mvc|ui$|^ui|www|site|portal|storefront|shop$)", re.I),
    re.compile(r"(web|app|gateway|gw)", re.I),
)


def _front_rank(name: str) -> int:
    return next((i for i, pattern in enumerate(_FRONTS) if pattern.search(name)), len(_FRONTS))


def _primary(
    web: list[App], decided: dict[str, tuple[bool, str]], proxied: dict[str, str]
) -> App | None:
    """The public service that takes ``/*``: the kept proxy, what it fronted, a frontend."""
    public = [a for a in web if decided[a.name][0]]
    ranked = sorted(
        public,
        key=lambda a: (
            proxied.get(a.compose) != a.compose,
            a.compose not in proxied,
            _front_rank(a.compose),
            "routes" in a.spec,
        ),
    )
    return ranked[0] if ranked else None


def _decide(
    app: App,
    wanted: set[str],
    proxied: dict[str, str],
    browsed: dict[str, str],
    called: set[str],
) -> tuple[bool, str]:
    if wanted:
        named = app.name in wanted or app.compose.lower() in wanted
        return named, "named with --public" if named else "not named with --public"
    if proxied.get(app.compose) == app.compose:
        return True, "the application's reverse proxy, kept as its way in"
    if app.compose in proxied:
        return True, f"it was behind the reverse proxy `{proxied[app.compose]}`"
    if app.name in browsed:
        return True, f"{browsed[app.name]} sends browsers to it on its published port"
    image = str(app.spec.get("image", ""))
    if _TOOLS.search(app.compose) or (image and _TOOLS.search(parse_image(image).repository)):
        return False, "an operations tool: people reach it through the internal load balancer"
    if app.name in called:
        return False, "other services call it; compose published its port for local access"
    return True, "no other service calls it: a frontend or gateway"


def _browsed(services: dict[str, Any], apps: list[App]) -> dict[str, str]:
    """Spec name -> the variable that sends browsers to it through a published host port."""
    by_port: dict[int, str] = {}
    for app in apps:
        for raw in sequence(mapping(services.get(app.compose)).get("ports")):
            spec = parse_port(raw)
            if spec and spec.published and spec.published.isdigit():
                by_port.setdefault(int(spec.published), app.name)
    found: dict[str, str] = {}
    for compose, data in sorted(services.items()):
        env = mapping(mapping(data).get("environment"))
        for variable, value in sorted(env.items(), key=str):
            for match in _DOCKER_HOST.finditer(str(value or "")):
                target = by_port.get(int(match.group(2)))
                if target:
                    found.setdefault(target, f"{compose}.{variable}")
    return found


def _where(name: str, routes: dict[str, Any] | None) -> str:
    """Where a public service other than the default one is reached on the load balancer."""
    if not routes or not routes.get("paths"):
        return f"{name} at /{name}/*, a prefix it must serve under"
    stripped = " (the prefix stripped)" if routes.get("strip_prefix") else ""
    return f"{name} at {' '.join(routes['paths'])}{stripped}"
