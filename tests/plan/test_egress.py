"""The plan of ``egress``: each allowance per environment (an override replaces the list),
one rule name derived from the allowance itself, the decision saying what goes out, and
the compliance page foreseeing an allowance to anywhere as an exception."""

from __future__ import annotations

from pathlib import Path

import shipspec
from shipspec.policy import packs_for
from shipspec.policy.static import exceptions
from shipspec.render.targets.pulumi import stack_config
from tests.conftest import EXAMPLES

SMTP = "  mailer: {type: worker, image: ghcr.io/example/mailer:2.0, uses: [orders]}"


def _plan(tmp_path: Path, text: str) -> shipspec.DeploymentModel:
    spec = tmp_path / "handoff.yaml"
    spec.write_text(text)
    return shipspec.plan(shipspec.load(spec), spec_file="handoff.yaml")


def _shop(tmp_path: Path, egress: str, prod: str | None = None) -> shipspec.DeploymentModel:
    text = (EXAMPLES / "shop.yaml").read_text()
    assert SMTP in text
    text = text.replace(SMTP, SMTP[:-1] + f", egress: {egress}}}")
    if prod is not None:
        old = "  prod:    {approval: required, domain: shop.example.com}"
        assert old in text
        text = text.replace(old, old[:-1] + f", services: {{mailer: {{egress: {prod}}}}}}}")
    return _plan(tmp_path, text)


def test_full_example_per_environment(shop_model) -> None:  # type: ignore[no-untyped-def]
    model = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"), spec_file="handoff.yaml")
    dev, main = model.environment("dev"), model.environment("main")
    assert [
        (e.protocol, e.from_port, e.to_port, e.to, e.kind) for e in dev.service("reports").egress
    ] == [
        ("tcp", 587, 587, "203.0.113.0/24", "ipv4"),
        ("udp", 8125, 8126, "2001:db8:40::/48", "ipv6"),
    ]
    # main's override replaces the list: its own relay, no StatsD.
    assert [(e.to, e.rule) for e in main.service("reports").egress] == [
        ("198.51.100.25/32", "tcp-587-198.51.100.25/32")
    ]
    reasons = {d.key: d.reason for d in main.decisions}
    assert (
        "198.51.100.25/32 (SMTP submission to the mail relay)" in reasons["services.reports.egress"]
    )
    assert "environments.main.services.reports" in reasons["services.reports.egress"]
    # Every other service says plainly that HTTPS is its only way out.
    assert main.service("api").egress == []
    assert reasons["services.api.egress"].startswith("out: TCP 443 (HTTPS) to anywhere")
    assert "nothing else goes out" in reasons["services.api.egress"]


def test_the_stack_config_carries_them_where_some_stack_has_them(tmp_path: Path) -> None:
    model = _shop(tmp_path, "[{port: 587, to: 203.0.113.0/24}]", prod="[]")
    configs = {env.name: stack_config(model, env)["services"] for env in model.environments}
    assert configs["dev"]["mailer"]["egress"] == [
        {
            "rule": "tcp-587-203.0.113.0/24",
            "protocol": "tcp",
            "fromPort": 587,
            "toPort": 587,
            "to": "203.0.113.0/24",
            "description": "TCP 587 to 203.0.113.0/24 (spec egress)",
        }
    ]
    assert configs["prod"]["mailer"]["egress"] == []  # `[]` in prod: none there
    assert "egress" not in configs["dev"]["web"]  # no stack gives web any


def test_reordering_keeps_every_rule_name(tmp_path: Path) -> None:
    a, b = "{port: 587, to: 203.0.113.0/24}", "{ports: 5000-5010, protocol: udp, to: '::/0'}"
    first = _shop(tmp_path, f"[{a}, {b}]").environment("dev").service("mailer").egress
    second = _shop(tmp_path, f"[{b}, {a}]").environment("dev").service("mailer").egress
    assert first == second
    assert [e.rule for e in first] == ["tcp-587-203.0.113.0/24", "udp-5000-5010-__/0"]


def test_an_allowance_to_anywhere_is_a_foreseen_compliance_exception(tmp_path: Path) -> None:
    model = _shop(tmp_path, "[{port: 25, to: 0.0.0.0/0}, {port: 587, to: 203.0.113.0/24}]")
    found = exceptions(model, packs_for(["pci-dss"]))
    assert {(e.environment, e.service, e.rules) for e in found} == {
        (env, "mailer", ("pci-dss/outbound-traffic-restricted",))
        for env in ("dev", "staging", "prod")
    }
    assert all(e.what == "TCP 25 out to 0.0.0.0/0 (anywhere)" for e in found)
    # To one range it is no exception; nor is the stack's own HTTPS.
    model = _shop(tmp_path, "[{port: 587, to: 203.0.113.0/24}]")
    assert exceptions(model, packs_for(["pci-dss"])) == []
