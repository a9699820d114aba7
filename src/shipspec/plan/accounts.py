"""Which non-production environments must deploy in production's AWS account.

A public Route 53 hosted zone lives in one account, and each stack looks its zone up by name
in the account it deploys to (``aws.route53.get_zone_output`` in the program's ``_dns.py`` and
``static_site.py``): a non-production environment whose zone is a production environment's
(the same ``hosted_zone``, not a delegated subzone of its own) therefore deploys in
production's account. So does one that deploys into a production environment's existing VPC
(a VPC belongs to one account). The plan records it as the decision ``account`` of that
environment, with the reason; the handoff then says what that means for its CI roles, and
``shipspec generate`` warns with the fix (a delegated subzone, ``hosted_zone: <its domain>``).
"""

from __future__ import annotations

from .model import Decision, EnvironmentPlan

KEY = "account"


def zones(env: EnvironmentPlan) -> set[str]:
    """The public zones the stack looks up: its load balancers', static sites' and Network
    Load Balancer aliases' (the same ones the handoff's hosted-zones step groups)."""
    return (
        {lb.hosted_zone for lb in env.load_balancers if lb.hosted_zone}
        | {s.hosted_zone for s in env.static_sites if s.hosted_zone}
        | {s.hosted_zone for s in env.services if s.hosted_zone}
    )


def with_production_accounts(environments: list[EnvironmentPlan]) -> list[EnvironmentPlan]:
    """The environments, each non-production one that must live in production's account
    marked (``production_account``) with its ``account`` decision."""
    production = [e for e in environments if e.production]
    if not production:
        return environments
    result = []
    for env in environments:
        reason = None if env.production else _reason(env, production)
        if reason is None:
            result.append(env)
            continue
        text, inputs = reason
        decision = Decision(key=KEY, value="production's", reason=text, inputs=inputs)
        result.append(
            env.model_copy(
                update={"production_account": True, "decisions": [*env.decisions, decision]}
            )
        )
    return result


def _reason(
    env: EnvironmentPlan, production: list[EnvironmentPlan]
) -> tuple[str, dict[str, object]] | None:
    own = zones(env)
    for prod in production:
        shared = sorted(own & zones(prod))
        if shared:
            zone = shared[0]
            fix = (
                f"give {env.name} a delegated subzone of its own (hosted_zone: {env.domain}) "
                "to deploy it in an account of its own"
                if env.domain and env.domain != zone
                else f"give {env.name} a domain with a zone of its own to deploy it elsewhere"
            )
            return (
                f"shares the public hosted zone {zone} with {prod.name}: a zone lives in one "
                f"account and the stack looks it up in the account it deploys to, so {env.name} "
                f"deploys in {prod.name}'s account ({fix})",
                {"hosted_zone": zone, "production": prod.name},
            )
        mine, theirs = env.network.existing, prod.network.existing
        if mine is not None and theirs is not None and mine.vpc_id == theirs.vpc_id:
            return (
                f"deploys into {prod.name}'s VPC {mine.vpc_id}: a VPC belongs to one account, "
                f"so {env.name} deploys in {prod.name}'s account",
                {"vpc_id": mine.vpc_id, "production": prod.name},
            )
    return None


def shared_zone_warnings(environments: list[EnvironmentPlan]) -> list[str]:
    """What ``shipspec generate`` warns about: each environment in production's account
    because of a shared hosted zone, with the fix."""
    lines = []
    for env in environments:
        if not env.production_account:
            continue
        decision = env.decision(KEY)
        zone = decision.inputs.get("hosted_zone")
        if zone is None:
            continue
        prod = decision.inputs["production"]
        subzone = (
            f"give it a delegated subzone (`hosted_zone: {env.domain}` in "
            f"environments.{env.name}, and the NS delegation the handoff's hosted-zones step "
            "describes)"
            if env.domain and env.domain != zone
            else "give it a domain with a zone of its own, delegated from its parent"
        )
        lines.append(
            f"warning: {env.name} shares the hosted zone {zone} with {prod}, so it deploys in "
            f"{prod}'s AWS account: its read-only preview role then reads {prod}'s account and "
            f"its deploy role is an administrator there. To separate them, {subzone}; or "
            f"accept that {env.name} lives in {prod}'s account (docs/operations/handoff.md, "
            "CI roles)"
        )
    return lines
