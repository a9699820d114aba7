"""``egress`` in the generated program: one SecurityGroupEgressRule per allowance on the
task's own security group (the one its HTTPS rule is on), with the protocol, ports and
destination the spec gives, per stack; a service without ``egress`` gets none. Read from
the full example's previews (dev: the service's list; main: its override)."""

from __future__ import annotations

from typing import Any

EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def _rules(preview: Any) -> dict[str, dict[str, Any]]:
    return {r.name: dict(r.inputs) for r in preview.of_type(EGRESS_RULE)}


def _allowances(preview: Any) -> dict[str, list[dict[str, Any]]]:
    """service -> its `-egress-` rules' inputs, sorted by name."""
    found: dict[str, list[dict[str, Any]]] = {}
    for name, inputs in sorted(_rules(preview).items()):
        if "-egress-" in name:
            found.setdefault(name.split("-egress-")[0], []).append({"name": name, **inputs})
    return found


def test_each_allowance_is_a_rule_on_the_tasks_security_group(generated) -> None:  # type: ignore[no-untyped-def]
    preview = generated.preview("full", "dev")
    rules = _rules(preview)
    task_group = rules["reports-https-out"]["securityGroupId"]
    assert _allowances(preview) == {
        "reports": [
            {
                "name": "reports-egress-tcp-587-203.0.113.0/24",
                "securityGroupId": task_group,
                "ipProtocol": "tcp",
                "fromPort": 587,
                "toPort": 587,
                "cidrIpv4": "203.0.113.0/24",
                "description": "SMTP submission to the mail relay",
            },
            {
                "name": "reports-egress-udp-8125-8126-2001_db8_40__/48",
                "securityGroupId": task_group,
                "ipProtocol": "udp",
                "fromPort": 8125,
                "toPort": 8126,
                "cidrIpv6": "2001:db8:40::/48",
                "description": "StatsD metrics",
            },
        ]
    }
    # Every other task keeps HTTPS as its only way out to the internet.
    https = {n for n, r in rules.items() if r.get("cidrIpv4") == "0.0.0.0/0"}
    assert all(n.endswith("-https-out") for n in https), https
    assert all(rules[n]["fromPort"] == rules[n]["toPort"] == 443 for n in https)


def test_an_environment_override_replaces_the_list(generated) -> None:  # type: ignore[no-untyped-def]
    preview = generated.preview("full", "main")
    found = _allowances(preview)
    assert [(r["name"], r["cidrIpv4"], r["fromPort"]) for r in found["reports"]] == [
        ("reports-egress-tcp-587-198.51.100.25/32", "198.51.100.25/32", 587)
    ]
    assert set(found) == {"reports"}


def test_a_stack_without_egress_has_no_such_rule(generated) -> None:  # type: ignore[no-untyped-def]
    assert _allowances(generated.preview("shop", "prod")) == {}
