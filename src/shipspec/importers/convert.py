"""A loaded compose project → the services and datastores of a handoff spec.

Each compose service is one of: a datastore (a managed service on AWS), a reverse
proxy in front of the others (nginx, traefik...: the load balancer takes its place and
its upstreams become public), a one-shot task (``restart: "no"`` or ``on-failure``
without ports, or what others wait for with ``service_completed_successfully``), or
an application service. One-shot tasks are not imported: they are typically
migrations or seeding, which must run once per deployment, and a scheduled ``job``
would run them on a timer instead; the report says so, and the written handoff keeps a
commented-out job to start from. Services of an inactive profile are left out, as
Compose leaves them out.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from .container import init_container
from .context import Context, text_of
from .datastores import Store, convert_store, hostnames, recognise
from .dockerfile import DockerfileFacts, read_dockerfile
from .entrypoints import choose_entry_points
from .health import called_health_paths
from .images import parse_image
from .ports import ANY_ANSWER
from .proxies import keep_note, proxy_upstreams, read_routes
from .report import ImportFailed
from .services import App, convert_app, relative_context
from .shapes import mapping, sequence
from .sources import usable
from .stateful import stateful_image, stateful_names
from .traffic import serve_called_ports
from .wiring import wire


def spec_name(compose: str, taken: set[str]) -> str:
    """A compose service name as a spec name: ``[a-z][a-z0-9-]{1,30}``, unique in ``taken``."""
    base = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", compose.lower())).strip("-")
    if not base or not base[0].isalpha():
        base = f"svc-{base}".rstrip("-")
    base = base[:31].rstrip("-")
    base = base if len(base) >= 2 else f"{base}-svc"
    name, number = base, 2
    while name in taken:
        suffix = f"-{number}"
        name = base[: 31 - len(suffix)].rstrip("-") + suffix
        number += 1
    taken.add(name)
    return name


def convert(ctx: Context) -> tuple[dict[str, Any], dict[str, Any], dict[str, dict[str, Any]]]:
    """``(services, datastores, one-shot jobs to show commented out)`` in compose order."""
    project = ctx.project
    services = project.services
    taken: set[str] = set()
    for compose in services:
        ctx.names[compose] = spec_name(compose, taken)
        if ctx.names[compose] != compose:
            ctx.find(
                "mapped",
                compose,
                (),
                f"renamed to `{ctx.names[compose]}`: spec names are lowercase letters, digits "
                "and -, at most 31 characters; callers reach it by the new name",
            )
            ctx.note(
                ("services", ctx.names[compose]),
                f"compose service `{compose}` (renamed: spec names are lowercase letters, "
                "digits and -)",
            )
    for compose, data in list(services.items()):
        if data is None:  # `name:` with nothing under it is an empty service to Compose
            services[compose] = data = {}
        if not isinstance(data, dict):
            ctx.error(compose, (), "must be a mapping of settings")
            del services[compose]
    for data in services.values():
        # `- CART_ADDR` takes its value from the environment: resolve it once, so every step
        # that reads another service's variables (calls, ports, health URLs) sees it.
        environment = mapping(data.get("environment"))
        for key in [k for k, v in environment.items() if v is None]:
            value = ctx.project.env.get(str(key))
            if value is not None:
                environment[key] = value
    facts = {compose: _dockerfile(ctx, compose, data) for compose, data in services.items()}
    waited = {
        t
        for d in services.values()
        for t, c in _depends(d).items()
        if c == "service_completed_successfully"
    }
    stores: list[Store] = []
    rest: dict[str, dict[str, Any]] = {}
    oneshots: dict[str, dict[str, Any]] = {}
    inits: dict[str, dict[str, Any]] = {}  # one-shot steps that become init sidecars
    called_on = _called_ports(services)
    for compose, data in services.items():
        engine, how, image = recognise(compose, data, facts[compose], called_on.get(compose))
        if engine is not None:
            store = convert_store(ctx, compose, ctx.names[compose], engine, how, image, data)
            if store:
                stores.append(store)
            continue
        if _stateful(ctx, compose, data, facts[compose]):
            continue
        if compose in waited and (init := init_container(ctx, compose, data)) is not None:
            inits[compose] = init
            continue
        if compose in waited or _runs_once(data):
            oneshots[compose] = _oneshot(ctx, compose, data, compose in waited)
            continue
        rest[compose] = data
    store_names = {s.compose for s in stores}
    proxies: dict[str, list[str]] = {}
    for compose, data in list(rest.items()):
        upstreams = proxy_upstreams(data, rest, store_names, compose)
        if upstreams:
            proxies[compose] = upstreams
            del rest[compose]
    for data in services.values():
        for link in sequence(data.get("links")):
            target, _, alias = str(link).partition(":")
            for store in stores:
                if store.compose == target and alias:
                    store.hosts.add(alias.lower())
    hosts = {compose: hostnames(compose, data) for compose, data in rest.items()}
    checked = called_health_paths(services, hosts)
    apps: list[App] = [
        convert_app(ctx, c, ctx.names[c], d, facts[c], checked.get(c)) for c, d in rest.items()
    ]
    proxied: dict[str, str] = {}
    for compose, upstreams in proxies.items():
        kept = _replace_proxy(ctx, compose, services[compose], upstreams, apps, proxied)
        if kept:
            hosts[compose] = hostnames(compose, services[compose])
            apps.append(convert_app(ctx, compose, ctx.names[compose], services[compose], None))
    _attach_inits(ctx, apps, inits)
    servers = {app.compose: (app.name, app.spec["port"]) for app in apps if "port" in app.spec}
    for app in apps:
        wire(ctx, app, stores, hosts, servers)
    serve_called_ports(ctx, apps, services, hosts)
    choose_entry_points(ctx, apps, services, proxied, ctx.public)
    called = {c for app in apps for c in app.spec.get("calls", ())}
    for app in apps:
        if app.name in called and app.compose not in proxied:
            _called_only(ctx, app)
        if app.spec.get("type") == "web" and app.spec.get("protocol") == "grpc":
            del app.spec["protocol"]
            ctx.find(
                "dropped",
                app.compose,
                ("ports",),
                f"port {app.spec['port']} speaks gRPC, which a load balancer carries only over "
                "HTTPS: give the environments a `domain`, then set `protocol: grpc`",
            )
    for compose, wanted in project.excluded.items():
        listed = ", ".join(wanted)
        ctx.find(
            "dropped",
            compose,
            ("profiles",),
            f"profile {listed} is not active: not imported (pass --profile {wanted[0]} to "
            "import it)",
        )
    if not apps and not ctx.problems:
        raise ImportFailed(
            [
                project.locator.where(("services",)).problem(
                    "has no application service to deploy (only datastores, one-shot tasks "
                    "or proxies)",
                    "a handoff needs at least one service that runs your code",
                    "no-services",
                )
            ],
            ctx.report,
        )
    return (
        {app.name: app.spec for app in apps},
        {store.name: store.spec for store in stores},
        {ctx.names[c]: spec for c, spec in oneshots.items()},
    )


_HOST_PORT = re.compile(
    r"(?:://(?:[^@/\s]*@)?|^|[\s,;=])([A-Za-z0-9_.-]+):(\d{1,5})(?=$|[/\s,;?#])"
)


def _called_ports(services: dict[str, Any]) -> dict[str, int]:
    """Compose service -> a port another service's environment reaches it on."""
    found: dict[str, int] = {}
    for caller, data in services.items():
        for value in mapping(mapping(data).get("environment")).values():
            for host, port in _HOST_PORT.findall(str(value or "")):
                if host in services and host != caller:
                    found.setdefault(host, int(port))
    return found


def _stateful(
    ctx: Context, compose: str, data: dict[str, Any], facts: DockerfileFacts | None
) -> bool:
    """A stateful server with no spec engine is incompatible, never a stateless worker."""
    image = data.get("image")
    if isinstance(data.get("build"), dict):
        ref = parse_image(facts.base) if facts is not None else None
    else:
        ref = parse_image(image) if isinstance(image, str) else None
    found = stateful_image(ref) if ref is not None else None
    if found is None and (ref is None or ref.name not in stateful_names()):
        # A custom build of a known server (`kafka: build: ./src/kafka`): its service name.
        named = stateful_image(parse_image(compose))
        env = " ".join(str(k) for k in mapping(data.get("environment")))
        found = named if named and compose.upper().split("-")[0] in env.upper() else None
    if found is None:
        return False
    ctx.incompatible(
        compose,
        ("build",) if "build" in data else ("image",),
        f"{found.what} keeps state: as a Fargate task its data would vanish with every "
        f"deployment. On AWS its role is played by {found.service}, which shipspec does not "
        "generate: provision it and point the services at it",
    )
    return True


def _attach_inits(ctx: Context, apps: list[App], inits: dict[str, dict[str, Any]]) -> None:
    """Each app waiting for an init step gets it as a sidecar and waits for its SUCCESS."""
    users: dict[str, list[str]] = {}
    for app in apps:
        for target, condition in app.depends_on.items():
            if target in inits and condition == "service_completed_successfully":
                name = ctx.names[target]
                app.spec.setdefault("sidecars", {})[name] = inits[target]
                app.spec.setdefault("depends_on", {})[name] = "SUCCESS"
                users.setdefault(target, []).append(app.name)
    for target in inits:
        if target in users:
            ctx.find(
                "mapped",
                target,
                (),
                f"init container of {', '.join(users[target])}: runs to completion in each "
                "task before the app starts (depends_on SUCCESS); its environment is copied as "
                "written, so point any datastore host in it at the app's injected variables",
            )
        else:
            ctx.find("dropped", target, (), "a one-shot step no application service waits for")


def _depends(data: Any) -> dict[str, str]:
    depends = data.get("depends_on") if isinstance(data, dict) else None
    if not isinstance(depends, dict):
        return {}
    return {
        str(t): str(o.get("condition", "")) if isinstance(o, dict) else ""
        for t, o in depends.items()
    }


def _runs_once(data: dict[str, Any]) -> bool:
    if data.get("ports") or data.get("expose"):
        return False
    restart = data.get("restart")
    restart = "no" if restart is False else text_of(restart) if restart is not None else None
    deploy = mapping(data.get("deploy"))
    policy = mapping(deploy.get("restart_policy"))
    condition = text_of(policy.get("condition"))
    return (
        restart is not None and (restart == "no" or restart.startswith("on-failure"))
    ) or condition in ("none", "on-failure")


def _oneshot(ctx: Context, compose: str, data: dict[str, Any], waited: bool) -> dict[str, Any]:
    why = (
        "other services wait for it to complete" if waited else "its restart policy lets it finish"
    )
    ctx.find(
        "dropped",
        compose,
        ("restart",) if "restart" in data and not waited else (),
        f"a one-shot task ({why}), such as a migration: not imported. Run it as a deployment step "
        "(e.g. `aws ecs run-task`); a scheduled job would rerun it on a timer. A "
        "commented-out job is left in the handoff",
    )
    job: dict[str, Any] = {"type": "job"}
    if isinstance(data.get("build"), dict):
        context = text_of(data["build"].get("context", ".")) or "."
        job["build"] = {"context": relative_context(ctx, context)}
    elif isinstance(data.get("image"), str):
        job["image"] = data["image"]
    job["schedule"] = "rate(1 day)"
    return job


def _called_only(ctx: Context, app: App) -> None:
    """An internal service only other containers reach becomes a worker with a port.

    A port that compose only ``expose``s (or the Dockerfile's EXPOSE) was never published
    to the host: no person reached it, only the services that call it. On AWS those reach
    it through Service Connect, so it needs no internal load balancer (nor its health
    check path, which only a load balancer probes).
    """
    spec = app.spec
    if spec.get("type") != "web" or spec.get("public") or app.published:
        return
    spec["type"] = "worker"
    del spec["public"]
    spec.pop("health", None)
    ctx.notes.pop(("services", app.name, "health"), None)
    findings = ctx.report.findings
    for index, finding in enumerate(findings):
        if finding.service != app.compose:
            continue
        if finding.message.endswith(", internal load balancer"):
            findings[index] = replace(
                finding,
                message=f"port {spec['port']}, through Service Connect (no load balancer)",
            )
        elif finding.message.startswith("health path") or (
            finding.key == "healthcheck" and "load balancer probes" in finding.message
        ):
            findings[index] = replace(
                finding,
                message="a worker has no load balancer probe; "
                + (
                    "ECS runs its container health check"
                    if "healthcheck" in spec
                    else "ECS only sees the process run"
                ),
            )
    ctx.note(
        ("services", app.name, "type"),
        f"a worker with port {spec['port']}: only other services call it (compose did not "
        "publish its port, or only for local access), through Service Connect, so no internal "
        "load balancer",
    )


def _replace_proxy(
    ctx: Context,
    compose: str,
    data: dict[str, Any],
    upstreams: list[str],
    apps: list[App],
    proxied: dict[str, str],
) -> bool:
    """Let the load balancer replace the proxy when it can reach every upstream.

    Returns True when the proxy must be kept (some upstream has no port to reach).
    """
    name = parse_image(str(data["image"])).name
    routes = read_routes(ctx, compose, data, ctx.project.services) or {}
    rich = ctx.rich_routes.get(compose)
    if rich:
        for app in apps:  # the kept proxy calls them where its clusters say they listen
            route = next((r for h, r in routes.items() if h in hostnames(app.compose, {})), None)
            if app.compose in upstreams and "port" not in app.spec and route and route.port:
                app.spec["port"] = route.port
                ctx.note(("services", app.name, "port"), f"the port {name} sends to")
        ctx.find(
            "dropped",
            compose,
            ("volumes",),
            f"reverse proxy ({name}) kept as the public entry point: {len(rich)} of its routes "
            f"match or act beyond a path prefix (e.g. {rich[0]}), which listener rules do not "
            "carry; " + keep_note(compose, data),
        )
        proxied[compose] = compose
        return True
    by_compose = {a.compose: a for a in apps}
    for upstream in upstreams:
        app = by_compose[upstream]
        route = next((r for host, r in routes.items() if host in hostnames(upstream, {})), None)
        if "port" not in app.spec and route and route.port:
            app.spec.update(type="web", port=route.port, public=True)
            # Nothing else says how it answers: any answer but a server error passes.
            app.spec.setdefault("health", {"path": "/", "matcher": ANY_ANSWER})
            ctx.find(
                "mapped",
                compose,
                ("volumes",) if name != "traefik" else (),
                f"{upstream} listens on port {route.port}: the proxy's configuration sends "
                f"to it there; probed at / passing on {ANY_ANSWER} until you set health.path",
            )
        if route and route.hosts:
            ctx.find(
                "dropped",
                upstream,
                ("labels",) if name == "traefik" else (),
                f"the proxy routes {', '.join(route.hosts)} here: the load balancer routes by "
                "path; add `routes.hosts` once the environment's domain serves those names",
            )
        if route and route.paths != ["/"]:
            paths = {p.rstrip("/") + "/*" if p != "/" else "/*" for p in route.paths}
            if name == "traefik":  # PathPrefix(`/api`) matches /api itself too
                paths |= {p.rstrip("/") for p in route.paths if p.rstrip("/")}
            app.spec["routes"] = {"paths": sorted(paths), "strip_prefix": route.strip}
        if route and name == "traefik":
            ctx.find(
                "mapped",
                upstream,
                ("labels",),
                f"Traefik routes {' '.join(route.paths)} here"
                + (" stripping the prefix" if route.strip else "")
                + ": the load balancer's listener rule (`routes`)",
            )
    unreachable = [u for u in upstreams if "port" not in by_compose[u].spec]
    if unreachable:
        ctx.find(
            "dropped",
            compose,
            (),
            f"reverse proxy ({name}) kept as the public entry point: the load balancer cannot "
            f"reach {', '.join(unreachable)} (no port in compose or the proxy's configuration); "
            + keep_note(compose, data),
        )
        proxied[compose] = compose
        return True
    ctx.find(
        "dropped",
        compose,
        (),
        f"reverse proxy ({name}): the load balancer takes its place and routes to "
        f"{', '.join(upstreams)}",
    )
    for upstream in upstreams:
        app = by_compose[upstream]
        proxied[upstream] = compose
        if app.spec.get("type") == "web":
            app.spec["public"] = True
    return False


def _dockerfile(ctx: Context, compose: str, data: Any) -> DockerfileFacts | None:
    build = data.get("build") if isinstance(data, dict) else None
    if not isinstance(build, dict):
        return None
    context = text_of(build.get("context", ".")) or "."
    if "://" in context or context.startswith("git@") or not usable(context):
        return None
    name = text_of(build.get("dockerfile")) or "Dockerfile"
    path = ctx.project.directory / context / name
    try:
        raw = ctx.project.reader.read(
            path, ctx.where(compose, "build"), what="Dockerfile", optional=True
        )
    except ImportFailed as failed:
        ctx.find(
            "dropped", compose, ("build",), f"Dockerfile not read: {failed.diagnostics[0].message}"
        )
        return None
    if raw is None:
        return None
    # The last stage is what CI builds (build.target is dropped), so its facts count.
    return read_dockerfile(raw.decode("utf-8", "replace"))
