"""``egress``: a service's outbound allowances beyond HTTPS, and the errors a wrong one
gets, each at the allowance it is about (spec/egress.py)."""

from __future__ import annotations

import pytest

from shipspec.errors import SpecError
from shipspec.spec.loader import loads

BASE = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: clinic, owner: team-clinic}
cloud: {region: eu-west-1}
environments:
  prod: {}
services:
  mailer:
    type: job
    image: ghcr.io/example/mailer:1.0
    schedule: "cron(0 7 ? * MON *)"
    secrets: [SMTP_RELAY_PASSWORD]
    egress:
"""


def _load(*allowances: str, extra: str = ""):  # type: ignore[no-untyped-def]
    return loads(BASE + "".join(f"      - {a}\n" for a in allowances) + extra)


def _problems(*allowances: str, extra: str = "") -> list[tuple[str, str, str]]:
    with pytest.raises(SpecError) as error:
        _load(*allowances, extra=extra)
    return [(d.path, d.message, d.hint or "") for d in error.value.diagnostics]


def test_the_shapes_it_takes() -> None:
    spec = _load(
        "{port: 587, to: 203.0.113.0/24, why: SMTP submission to the mail relay}",
        "{ports: 8000-8100, protocol: udp, to: '2001:0db8::/32'}",
        "{port: 5432, to: pl-0123456789abcdef0}",
    )
    relay, statsd, listed = spec.services["mailer"].egress
    assert (relay.protocol, relay.port_range, relay.destination) == (
        "tcp",
        (587, 587),
        "203.0.113.0/24",
    )
    assert (statsd.protocol, statsd.port_range, statsd.destination) == (
        "udp",
        (8000, 8100),
        "2001:db8::/32",
    )
    assert listed.destination == "pl-0123456789abcdef0"


@pytest.mark.parametrize(
    ("allowance", "where", "says"),
    [
        ("{port: 587, to: smtp.example.com}", "services.mailer.egress[0].to", "not host names"),
        ("{port: 587, to: 203.0.113.10}", "services.mailer.egress[0].to", "not a CIDR"),
        ("{port: 587, to: 203.0.113.10/24}", "services.mailer.egress[0].to", "203.0.113.0/24"),
        ("{port: 587, to: 300.0.0.0/8}", "services.mailer.egress[0].to", "not a CIDR"),
        ("{port: 587, to: pl-12}", "services.mailer.egress[0].to", "not a prefix list id"),
        ("{port: 70000, to: 10.0.0.0/8}", "services.mailer.egress[0].port", "1-65535"),
        ("{port: 0, to: 10.0.0.0/8}", "services.mailer.egress[0].port", "1-65535"),
        ("{ports: 9000-8000, to: 10.0.0.0/8}", "services.mailer.egress[0].ports", "port range"),
        ("{ports: 1-70000, to: 10.0.0.0/8}", "services.mailer.egress[0].ports", "port range"),
        ("{ports: '80', to: 10.0.0.0/8}", "services.mailer.egress[0].ports", ""),
        ("{port: 1, ports: 2-3, to: 10.0.0.0/8}", "services.mailer.egress[0]", "not both"),
        ("{to: 10.0.0.0/8}", "services.mailer.egress[0]", "not neither"),
        ("{port: 25}", "services.mailer.egress[0].to", ""),
        ("{port: 25, protocol: icmp, to: 10.0.0.0/8}", "services.mailer.egress[0].protocol", ""),
        ("{port: 25, to: 10.0.0.0/8, why: 'relay <main>'}", "services.mailer.egress[0].why", ""),
    ],
)
def test_a_wrong_allowance_is_a_located_error(allowance: str, where: str, says: str) -> None:
    found = _problems(allowance)
    assert any(path == where and says in message + hint for path, message, hint in found), found


def test_https_to_anywhere_is_already_open() -> None:
    found = _problems("{port: 25, to: 10.0.0.0/8}", "{port: 443, to: 0.0.0.0/0}")
    assert [(p, m) for p, m, _ in found] == [
        (
            "services.mailer.egress[1]",
            "TCP 443 to 0.0.0.0/0 is already open: every task may reach HTTPS anywhere",
        )
    ]
    # Not the same rule: HTTPS over IPv6, or to one range, is not open by default.
    _load("{port: 443, to: '::/0'}", "{port: 443, protocol: udp, to: 0.0.0.0/0}")


def test_a_duplicate_is_an_error_at_the_second_even_written_differently() -> None:
    found = _problems(
        "{port: 25, to: '2001:db8::/32'}",
        "{port: 25, protocol: tcp, to: '2001:0db8:0::/32'}",
    )
    assert [p for p, _, _ in found] == ["services.mailer.egress[1]"]
    assert "the same allowance as egress[0]" in found[0][1]
    # The same port over udp, or as a range, is another rule.
    _load("{port: 25, to: 10.0.0.0/8}", "{port: 25, protocol: udp, to: 10.0.0.0/8}")


def test_too_many_allowances_for_one_security_group() -> None:
    allowances = [f"{{port: {1000 + i}, to: 10.0.0.0/8}}" for i in range(41)]
    found = _problems(*allowances)
    assert [p for p, _, _ in found] == ["services.mailer.egress"]
    assert "60 outbound rules" in found[0][1]


def test_a_static_site_takes_none() -> None:
    extra = "  site: {type: static, source: ./site, egress: [{port: 25, to: 10.0.0.0/8}]}\n"
    found = _problems("{port: 25, to: 10.0.0.0/8}", extra=extra)
    assert [p for p, _, _ in found] == ["services.site.egress"]


def test_an_environment_override_is_checked_the_same_way() -> None:
    text = BASE.replace(
        "  prod: {}\n",
        "  prod:\n    services:\n      mailer:\n"
        "        egress: [{port: 587, to: relay.example.com}]\n",
    )
    with pytest.raises(SpecError) as error:
        loads(text + "      - {port: 587, to: 203.0.113.0/24}\n")
    paths = [d.path for d in error.value.diagnostics]
    assert paths == ["environments.prod.services.mailer.egress[0].to"]
