"""Static sites (``type: static``): an S3 bucket behind a CloudFront distribution, per env.

A static site is not an ECS service, so it is planned apart from ``services`` and
rendered by its own component (``StaticSite``) and CI steps; nothing that iterates the
environment's services (alarms, Service Connect, dashboards) ever sees it.
"""

from __future__ import annotations

import posixpath

from ..spec.models import Environment, HandoffSpec, Service
from ..spec.static import DEFAULT_BUILD_COMMAND
from . import rules
from .decisions import Decisions
from .model import StaticSitePlan
from .network import default_zone


def static_site_names(spec: HandoffSpec) -> list[str]:
    return [n for n, s in spec.services.items() if s.type == "static"]


def plan_static_site(
    spec: HandoffSpec,
    name: str,
    service: Service,
    env: Environment,
    production: bool,
    log: Decisions,
) -> StaticSitePlan:
    key = f"static_sites.{name}"
    if service.build is not None:
        context, output = service.build.context, service.build.output or "."
        files = posixpath.normpath(posixpath.join(context, output))
        command = service.build.command or DEFAULT_BUILD_COMMAND
        log.decide(
            f"{key}.build",
            {"context": context, "command": command, "files": files},
            "CI runs the build command in the context and uploads what it writes to "
            f"{output}" + ("" if service.build.command else f" (no command: `{command}`)"),
        )
    else:
        context, command, files = None, None, posixpath.normpath(service.source or ".")
        log.decide(f"{key}.build", None, f"`source`: CI uploads the ready files in {files}")
    domain = _domain(spec, name, env, log)
    price = log.decide(
        f"{key}.price_class",
        rules.CLOUDFRONT_PRICE_CLASS_PROD if production else rules.CLOUDFRONT_PRICE_CLASS_NON_PROD,
        "production: served from every CloudFront edge location, the lowest latency worldwide"
        if production
        else "non-production: North America and Europe edges only, the cheapest price class",
        production=production,
    )
    regulated = sorted(set(spec.requirements.security.compliance))
    logs = log.decide(
        f"{key}.access_logs",
        bool(regulated),
        f"{', '.join(regulated)}: CloudFront access logs (who fetched what) are audit evidence"
        if regulated
        else "no compliance framework asks for request logs; CloudFront metrics suffice",
        compliance=regulated,
    )
    rate = log.decide(
        f"{key}.alarms.error_rate_percent",
        rules.STATIC_SITE_5XX_RATE_PERCENT,
        f"CloudFront 5xxErrorRate above {rules.STATIC_SITE_5XX_RATE_PERCENT:g}% for 5 minutes: "
        "the origin or the distribution is failing many visitors, not one bad request",
    )
    share = rules.STATIC_SITE_4XX_SHARE_PERCENT
    normal = (
        "an SPA answers S3's 403/404 for an unknown path with /index.html and 200, so its "
        "normal 4xx share is near 0"
        if service.spa
        else "unknown paths answer 404, but bots' probes and stale links are a few percent "
        "of a busy minute"
    )
    client = log.decide(
        f"{key}.alarms.client_error_percent",
        share,
        f"the same alarm fires when CloudFront 4xxErrorRate is above {share:g}% for 5 "
        "minutes: a broken bucket policy or origin access control, a deleted bucket or "
        "deleted files make S3 answer 403/404 to every request, which CloudFront passes on "
        f"(~100%, and no 5xx); {normal}. A flood the web ACL blocks answers 403 too"
        + ("; its blocked-share alarm fires with it" if spec.requirements.security.waf else ""),
        spa=service.spa,
    )
    floor = log.decide(
        f"{key}.alarms.min_requests",
        rules.STATIC_SITE_MIN_REQUESTS,
        f"only minutes with {rules.STATIC_SITE_MIN_REQUESTS}+ requests count (CloudFront "
        "Requests): one error among a handful of night-time requests is no outage",
    )
    log.decide(
        f"{key}.spa",
        service.spa,
        "spa: unknown paths answer /index.html with 200, so client-side routes load"
        if service.spa
        else "not a single-page app: unknown paths answer 404",
    )
    waf = log.decide(
        f"{key}.waf",
        spec.requirements.security.waf,
        "requirements.security.waf is true: a CloudFront web ACL (AWS managed common rule "
        "set and known bad inputs) in us-east-1, as the load balancer has its own"
        if spec.requirements.security.waf
        else "requirements.security.waf is false",
        waf=spec.requirements.security.waf,
    )
    return StaticSitePlan(
        name=name,
        files=files,
        build_context=context,
        build_command=command,
        spa=service.spa,
        domain=domain,
        hosted_zone=default_zone(env) if domain else None,
        price_class=price,
        access_logs=logs,
        error_rate_percent=rate,
        client_error_percent=client,
        min_requests=floor,
        pages=production,
        force_destroy=not production,
        renamed_from=service.renamed_from,
        waf=waf,
    )


def _domain(spec: HandoffSpec, name: str, env: Environment, log: Decisions) -> str | None:
    """The environment's domain when nothing else serves it, else ``<name>.<domain>``.

    The public load balancer takes the environment's domain when a public web service
    exists (as it always has), so a static site then gets its own subdomain; without
    one, the first static site takes the domain itself.
    """
    key = f"static_sites.{name}.domain"
    if env.domain is None:
        return log.decide(
            key, None, "no domain in this environment: served on the CloudFront domain name"
        )
    public_web = any(s.type == "web" and s.public for s in spec.services.values())
    first = static_site_names(spec)[0] == name
    if not public_web and first:
        return log.decide(
            key,
            env.domain,
            f"no public web service holds {env.domain}: the site serves it, with an ACM "
            "certificate in us-east-1 (where CloudFront reads certificates)",
        )
    domain = f"{name}.{env.domain}"
    return log.decide(
        key,
        domain,
        (
            f"the public load balancer serves {env.domain}"
            if public_web
            else f"the first static site serves {env.domain}"
        )
        + f": this site gets {domain}, with an ACM certificate in us-east-1",
    )
