"""The cerberus validator policy rules run on, with the custom rules packs may use.

A field schema cannot say "this IAM policy string grants no ``*`` action", "some item
of this list looks like that" or "0.0.0.0/0 only to a public load balancer's 80/443",
so :class:`PolicyValidator` adds a few rules and a coercer, all documented in
``docs/policy.md`` for pack authors (the docstring of each ``_validate_*`` method is
the schema cerberus checks the rule's constraint against):

* ``coerce: json`` parses a JSON string (policy documents, container definitions);
* ``forbid_wildcard_actions`` / ``forbid_wildcard_resources`` read an IAM policy;
* ``cidr_not_open_except_ports`` refuses internet-wide CIDRs outside allowed ports;
* ``any_item`` passes when at least one item of a list satisfies a schema.

Resource-graph facts (which security groups belong to an internet-facing load
balancer) come from the :class:`GraphFacts` passed in the ``policy_facts`` config.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from typing import Any, Protocol

import cerberus

# The preview's markers for values unknown at preview time and for secrets.
OPAQUE = frozenset({"[unknown]", "[secret]"})
READ_ONLY_VERBS = ("Get", "List", "Describe", "BatchGet", "Head", "Query", "Scan", "Lookup")
# Actions with no resource type in the Service Authorization Reference, so "*" is their only
# Resource: the Session Manager channels ECS Exec opens (ssmmessages, Amazon Message
# Gateway Service).
RESOURCELESS_ACTIONS = frozenset(
    {
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    }
)


class GraphFacts(Protocol):
    def public_load_balancer_group(self, group_id: Any, root: dict[str, Any]) -> bool:
        """Whether the security group (by id, or the root resource itself) fronts a public LB."""
        ...

    def published_port(self, root: dict[str, Any], protocol: str, low: int, high: int) -> bool:
        """Whether ``root`` opens only ports its service publishes (a public TCP/UDP service)."""
        ...


class PolicyValidator(cerberus.Validator):
    """cerberus with the custom rules of the pack format (``allow_unknown`` by default)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_unknown", True)
        super().__init__(*args, **kwargs)

    def _normalize_coerce_json(self, value: Any) -> Any:
        if isinstance(value, str) and value not in OPAQUE:
            return json.loads(value)
        return value

    def _validate_forbid_wildcard_actions(self, constraint: bool, field: str, value: Any) -> None:
        """{'type': 'boolean'}"""
        if not constraint:
            return
        for index, statement in _allow_statements(value):
            if "NotAction" in statement:
                self._error(field, f"Statement[{index}] allows NotAction: every other action")
            for action in _strings(statement.get("Action")):
                if action == "*" or action.endswith(":*"):
                    self._error(field, f"Statement[{index}] allows the wildcard action {action!r}")

    def _validate_forbid_wildcard_resources(self, constraint: bool, field: str, value: Any) -> None:
        """{'type': 'boolean'}"""
        if not constraint:
            return
        for index, statement in _allow_statements(value):
            if "NotResource" in statement:
                self._error(field, f"Statement[{index}] allows NotResource: every other resource")
            if "*" not in _strings(statement.get("Resource")):
                continue
            writes = [a for a in _strings(statement.get("Action")) if not _read_only(a)]
            if writes:
                self._error(
                    field,
                    f'Statement[{index}] allows {", ".join(sorted(writes))} on "Resource": "*"',
                )

    def _validate_cidr_not_open_except_ports(
        self, constraint: dict[str, Any], field: str, value: Any
    ) -> None:
        """{'type': 'dict', 'schema': {
        'ports': {'type': 'list', 'required': True, 'schema': {'type': 'integer'}},
        'public_load_balancer': {'type': 'boolean'},
        'published_ports': {'type': 'boolean'}}}"""
        opened = [c for c in _strings(value) if _internet_wide(c)]
        if not opened or str(self.document.get("type", "")).lower() == "egress":
            return
        allowed = set(constraint["ports"])
        low, high = _port_range(self.document)
        shown = f"{low}" if low == high else f"{low}-{high}"
        facts: GraphFacts | None = self._config.get("policy_facts")
        protocol = str(self.document.get("ipProtocol", self.document.get("protocol", ""))).lower()
        if (
            constraint.get("published_ports")
            and facts is not None
            and facts.published_port(self.root_document, protocol, low, high)
        ):
            return  # a port the spec publishes on purpose: an authorized port (FSBP EC2.18)
        if high - low > len(allowed) or not set(range(low, high + 1)) <= allowed:
            ports = ", ".join(str(p) for p in sorted(allowed)) or "none"
            self._error(field, f"opens port {shown} to {opened[0]}; only {ports} may be open")
            return
        if constraint.get("public_load_balancer"):
            group = self.document.get("securityGroupId")
            if facts is None or not facts.public_load_balancer_group(group, self.root_document):
                self._error(
                    field,
                    f"opens port {shown} to {opened[0]} on a security group that is not an "
                    "internet-facing load balancer's",
                )

    def _validate_any_item(self, constraint: dict[str, Any], field: str, value: Any) -> None:
        """{'type': 'dict'}"""
        items = value if isinstance(value, list) else []
        if not items:
            self._error(field, "has no items; expected one matching the rule")
            return
        schema = {
            name: {"required": True, **rules} if isinstance(rules, dict) else rules
            for name, rules in constraint.items()
        }
        closest: tuple[int, str] | None = None
        for index, item in enumerate(items):
            child = self._get_child_validator(
                document_crumb=(field, index), schema_crumb=(field, "any_item"), schema=schema
            )
            if child.validate(item if isinstance(item, dict) else {"value": item}):
                return
            inner = _dotted(child.document_path) + "."
            problems = [(p.removeprefix(inner), m) for p, m in describe(child._errors)]
            if any(p == "_type" for p, _ in problems):
                continue  # another kind of resource: not a near miss
            label = item.get("_name", f"item {index}") if isinstance(item, dict) else index
            text = f"closest is {label}: " + "; ".join(f"{p}: {m}" for p, m in problems)
            if closest is None or len(problems) < closest[0]:
                closest = (len(problems), text)
        if closest is not None:
            self._error(field, f"no item matches ({closest[1]})")
        else:
            wanted = constraint.get("_type", {}).get("allowed", ["the rule's type"])
            self._error(field, f"has no {' or '.join(map(str, wanted))}")


def _allow_statements(document: Any) -> Iterable[tuple[int, dict[str, Any]]]:
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list):
        return []
    return [
        (i, s)
        for i, s in enumerate(statements)
        if isinstance(s, dict) and s.get("Effect", "Allow") == "Allow"
    ]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _read_only(action: str) -> bool:
    """Read-only, or an action AWS scopes by no resource (where "*" is the only form)."""
    if action in RESOURCELESS_ACTIONS:
        return True
    verb = action.split(":", 1)[-1]
    return action != "*" and "*" not in verb and verb.startswith(READ_ONLY_VERBS)


def _internet_wide(cidr: str) -> bool:
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def _port_range(document: dict[str, Any]) -> tuple[int, int]:
    """The ports a rule opens: ``-1``/``all`` protocol or missing ports mean all of them."""
    protocol = str(document.get("ipProtocol", document.get("protocol", "tcp"))).lower()
    low, high = document.get("fromPort"), document.get("toPort")
    if protocol in ("-1", "all") or not isinstance(low, int) or not isinstance(high, int):
        return 0, 65535
    if low == -1 or high == -1:
        return 0, 65535
    return min(low, high), max(low, high)


# -- turning cerberus errors into (field path, sentence) pairs ------------------------

_LOGIC = {
    "anyof": "matches none of",
    "oneof": "must match exactly one of",
    "allof": "must match all of",
    "noneof": "must match none of",
}


def describe(errors: Iterable[Any], prefix: tuple[Any, ...] = ()) -> list[tuple[str, str]]:
    """Leaf errors of a cerberus error list as ``("a.b[0]", "is missing")`` pairs."""
    found: list[tuple[str, str]] = []
    for error in errors:
        rule = error.rule
        if error.is_group_error and rule in ("schema", "items", "keysrules", "valuesrules"):
            found.extend(describe(error.child_errors, prefix))
            continue
        path = _dotted(error.document_path)
        if error.is_logic_error or rule in _LOGIC:
            found.append((path, f"{_LOGIC.get(rule, 'fails')} the alternatives"))
        else:
            found.append((path, _sentence(error)))
    return sorted(set(found))


def _sentence(error: Any) -> str:
    rule, value, constraint = error.rule, error.value, error.constraint
    if error.code == cerberus.errors.REQUIRED_FIELD.code:
        return "is missing"
    if error.code == cerberus.errors.NOT_NULLABLE.code:
        return "is null"
    if error.code == cerberus.errors.COERCION_FAILED.code:
        return f"cannot be read ({error.info[-1] if error.info else 'coercion failed'})"
    if rule == "allowed":
        return f"is {_show(value)}; allowed: {', '.join(_show(c) for c in constraint)}"
    if rule == "forbidden":
        return f"must not be {_show(value)}"
    if rule in ("min", "max"):
        word = "at least" if rule == "min" else "at most"
        return f"is {_show(value)}; must be {word} {_show(constraint)}"
    if rule in ("minlength", "maxlength"):
        word = "at least" if rule == "minlength" else "at most"
        return f"has {len(value) if hasattr(value, '__len__') else '?'} items; must have {word} {constraint}"  # noqa: E501
    if rule == "regex":
        return f"is {_show(value)}; must match {constraint}"
    if rule == "type":
        return f"is {_show(value)}; must be of type {constraint}"
    if rule == "empty":
        return "must not be empty"
    if rule == "excludes":
        return f"must not be set together with {constraint}"
    if rule == "readonly":
        return "must not be set"
    if error.info and isinstance(error.info[0], str):
        return error.info[0]  # custom rules report their own sentence
    handler = cerberus.errors.BasicErrorHandler()
    template = handler.messages.get(error.code, "fails {field}")
    return template.format(*error.info, constraint=constraint, field=error.field, value=value)


def _show(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    text = (
        json.dumps(value, sort_keys=True, default=str)
        if not isinstance(value, str)
        else repr(value)
    )
    return text if len(text) <= 80 else text[:77] + "..."


def _dotted(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
