"""A small model of how AWS evaluates a resource policy (an SNS topic's, a KMS key's).

The tests ask it whether a service principal, acting for a source (an EventBridge rule, a
CloudWatch alarm), may perform an action on a resource. It follows the IAM User Guide
("Policy evaluation logic", "IAM JSON policy elements: Condition operators"):

- an explicit ``Deny`` wins, else some ``Allow`` must match, else the request is denied;
- a statement matches when its ``Principal``, ``Action`` and ``Resource`` match and every
  condition holds: the operators of a ``Condition`` block are ANDed, so are the keys under
  one operator, and the values listed for one key are ORed;
- a key missing from the request context fails its condition (no ``...IfExists`` here);
- ``StringLike``: case-sensitive, ``*`` any run of characters and ``?`` one, anywhere;
- ``ArnLike``: case-sensitive, each of the ARN's six colon-delimited components matched
  separately, so a ``*`` never reaches across a colon; the guide lists ``ArnEquals``
  with ``ArnLike`` under one description, wildcards included;
- actions are case-insensitive and may end in ``*`` (``kms:GenerateDataKey*``).

An operator the model does not know raises, so a policy it cannot read never passes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def _glob(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """``*`` and ``?`` as IAM reads them; every other character literally."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def arn_like(pattern: str, arn: str) -> bool:
    """IAM's ``ArnLike``: the six components (``arn:partition:service:region:account:resource``,
    the resource keeping any further colons) each matched on their own."""
    want, have = pattern.split(":", 5), arn.split(":", 5)
    if len(want) != 6 or len(have) != 6:
        return False
    return all(_glob(w, h) for w, h in zip(want, have, strict=True))


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


OPERATORS = {
    "StringEquals": lambda pattern, value: pattern == value,
    "StringNotEquals": lambda pattern, value: pattern != value,  # read in _condition_holds
    "StringLike": lambda pattern, value: _glob(pattern, value),
    "ArnEquals": arn_like,
    "ArnLike": arn_like,
}


def _condition_holds(
    condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]
) -> bool:
    for operator, keys in condition.items():
        if operator not in OPERATORS:
            raise ValueError(f"the IAM model does not know the condition operator {operator}")
        test = OPERATORS[operator]
        for key, allowed in keys.items():
            # Condition keys are case-insensitive; their values are compared as the operator says.
            found = {k.lower(): v for k, v in context.items()}.get(key.lower())
            if operator == "StringNotEquals":  # holds where the key is absent or differs
                if found is not None and found in [str(a) for a in _values(allowed)]:
                    return False
                continue
            if found is None or not any(test(str(a), found) for a in _values(allowed)):
                return False
    return True


def _principal_matches(principal: Any, service: str) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return service in _values(principal.get("Service", []))
    return False


def _statement_matches(
    statement: Mapping[str, Any],
    service: str,
    action: str,
    resource: str,
    context: Mapping[str, str],
) -> bool:
    if "NotPrincipal" in statement or "NotAction" in statement or "NotResource" in statement:
        raise ValueError(f"the IAM model does not read Not* elements: {statement}")
    return (
        _principal_matches(statement.get("Principal"), service)
        and any(_glob(a, action, ignore_case=True) for a in _values(statement["Action"]))
        and any(_glob(r, resource) for r in _values(statement["Resource"]))
        and _condition_holds(statement.get("Condition", {}), context)
    )


def allows(
    policy: Mapping[str, Any],
    *,
    service: str,
    action: str,
    resource: str,
    context: Mapping[str, str],
) -> bool:
    """Whether ``policy`` lets the service principal ``service`` do ``action`` on ``resource``
    in a request whose context holds ``context`` (``aws:SourceArn``, ``aws:SourceAccount``)."""
    matching = [
        s
        for s in _values(policy["Statement"])
        if _statement_matches(s, service, action, resource, context)
    ]
    if any(s["Effect"] == "Deny" for s in matching):
        return False
    return any(s["Effect"] == "Allow" for s in matching)


def _identity_matches(
    statement: Mapping[str, Any],
    action: str,
    resource: str,
    context: Mapping[str, str],
    principal: str | None,
) -> bool:
    if "NotPrincipal" in statement or "NotAction" in statement:
        raise ValueError(f"the IAM model does not read Not* elements: {statement}")
    if principal is not None:  # a resource policy: its statement must name the caller
        named = statement.get("Principal")
        if named != "*" and not (
            isinstance(named, Mapping) and principal in _values(named.get("AWS", []))
        ):
            return False
    elif "Principal" in statement:
        raise ValueError(f"an identity policy has no Principal: {statement}")
    if "NotResource" in statement:  # every resource but those listed
        on_resource = not any(_glob(r, resource) for r in _values(statement["NotResource"]))
    else:
        on_resource = any(_glob(r, resource) for r in _values(statement["Resource"]))
    return (
        any(_glob(a, action, ignore_case=True) for a in _values(statement["Action"]))
        and on_resource
        and _condition_holds(statement.get("Condition", {}), context)
    )


def decide(
    policies: list[Mapping[str, Any]],
    *,
    action: str,
    resource: str,
    principal: str | None = None,
    context: Mapping[str, str] | None = None,
) -> str:
    """``"deny"`` (an explicit Deny matched), ``"allow"`` or ``"implicit"`` (nothing matched)
    for a role's identity policies (``principal`` None) or a resource policy (``principal``:
    the calling role's ARN, matched against ``Principal.AWS``)."""
    matching = [
        s
        for policy in policies
        for s in _values(policy["Statement"])
        if _identity_matches(s, action, resource, context or {}, principal)
    ]
    if any(s["Effect"] == "Deny" for s in matching):
        return "deny"
    return "allow" if any(s["Effect"] == "Allow" for s in matching) else "implicit"


def role_may(
    identity: list[Mapping[str, Any]],
    *,
    action: str,
    resource: str,
    bucket_policy: Mapping[str, Any] | None = None,
    role_arn: str | None = None,
) -> bool:
    """Whether a role with these identity policies may act: in its own account, an Allow in
    them and no Deny; across accounts (``bucket_policy`` and the role's ARN given), the
    bucket's policy must allow it as well ("Cross-account policy evaluation logic")."""
    own = decide(identity, action=action, resource=resource)
    if bucket_policy is None:
        return own == "allow"
    other = decide([bucket_policy], action=action, resource=resource, principal=role_arn)
    return own == "allow" and other == "allow"
