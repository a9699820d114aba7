"""Specs that turn a standard on and then rule out meeting it: located errors, before generation."""

from __future__ import annotations

import pytest

import shipspec
from shipspec.spec.compliance_checks import contradictions
from shipspec.spec.yamlsource import read_yaml
from tests.conftest import EXAMPLES, example_names

SHOP = (EXAMPLES / "shop.yaml").read_text()


def diagnostics(text: str) -> list[tuple[str, int, str, str]]:
    found = contradictions(read_yaml(text.encode(), "handoff.yaml"))
    return [(d.path, d.line, d.message, d.hint) for d in found]


@pytest.mark.parametrize("name", example_names())
def test_examples_have_no_contradictions(name: str) -> None:
    assert diagnostics((EXAMPLES / f"{name}.yaml").read_text()) == []


def test_pci_without_waf_points_at_waf() -> None:
    ((path, line, message, hint),) = diagnostics(SHOP.replace("waf: true", "waf: false"))
    assert (path, line) == ("requirements.security.waf", 38)
    assert "pci-dss requires a web application firewall" in message and "(web)" in message
    assert "PCI DSS 4.0 req 6.4.2" in hint


def test_pci_with_waf_unset_points_at_the_compliance_list() -> None:
    ((path, _, message, _),) = diagnostics(SHOP.replace(", waf: true", ""))
    assert path == "requirements.security.compliance" and "`waf` is not set" in message


def test_internal_services_need_no_waf() -> None:
    text = SHOP.replace("waf: true", "waf: false").replace("public: true", "public: false")
    assert diagnostics(text) == []


def test_regulated_production_without_a_domain_points_at_the_environment() -> None:
    text = SHOP.replace(
        "prod:    {approval: required, domain: shop.example.com}", "prod: {approval: required}"
    )
    ((path, line, message, hint),) = diagnostics(text)
    assert (path, line) == ("environments.prod", 13)
    assert "pci-dss needs HTTPS" in message and "`prod` has no `domain`" in message
    assert "add `domain:` to `prod`" in hint


def test_restricted_data_needs_https_too() -> None:
    text = SHOP.replace(
        "compliance: [pci-dss], data_classification: confidential",
        "data_classification: restricted",
    )
    text = text.replace("prod:    {approval: required, domain: shop.example.com}", "prod: {}")
    ((_, _, message, _),) = diagnostics(text)
    assert message.startswith("restricted data needs HTTPS")


def test_regulated_data_cannot_be_public() -> None:
    ((path, _, message, hint),) = diagnostics(SHOP.replace("confidential", "public"))
    assert path == "requirements.security.data_classification"
    assert "pci-dss data cannot be classified `public`" in message and "confidential" in hint


def test_alerting_standards_need_an_alert_email() -> None:
    text = SHOP.replace("  alert_email: oncall@example.com\n", "")
    ((path, _, message, _),) = diagnostics(text)
    assert path == "requirements.security.compliance"
    assert "`observability.alert_email` is not set" in message


def test_backup_standards_need_database_backups() -> None:
    text = SHOP.replace("compliance: [pci-dss]", "compliance: [pci-dss, soc2]").replace(
        "backup_days: 14", "backup_days: 0"
    )
    ((path, line, message, _),) = diagnostics(text)
    assert (path, line) == ("datastores.db.backup_days", 31)
    assert "soc2 needs database backups, but `db` keeps none" in message


def test_a_public_tcp_service_in_cleartext_points_at_its_protocol() -> None:
    tcp = "    protocol: tcp\n"
    text = SHOP.replace("  web:\n    type: web\n", "  web:\n    type: web\n" + tcp, 1)
    assert text != SHOP
    ((path, line, message, hint),) = diagnostics(text)
    assert path == "services.web.protocol" and line == 17
    assert "pci-dss needs encryption in transit" in message and "cleartext" in message
    assert "`protocol: tls`" in hint and "`app_tls: true`" in hint
    # Said to be TLS by the application, or terminated by the load balancer: no contradiction.
    assert not diagnostics(text.replace(tcp, tcp + "    app_tls: true\n"))
    assert not diagnostics(text.replace(tcp, "    protocol: tls\n"))
    # An internal one carries nothing across the internet.
    assert not diagnostics(
        text.replace(tcp, tcp + "    public: false\n").replace("    public: true\n", "", 1)
    )


def test_every_contradiction_is_reported_at_once() -> None:
    text = (
        SHOP.replace("waf: true", "waf: false")
        .replace("  alert_email: oncall@example.com\n", "")
        .replace("prod:    {approval: required, domain: shop.example.com}", "prod: {}")
    )
    assert [d[0] for d in diagnostics(text)] == [
        "requirements.security.waf",
        "environments.prod",
        "requirements.security.compliance",
    ]


def test_wrong_shapes_are_left_to_validation() -> None:
    assert diagnostics("requirements: {security: [pci-dss]}\nservices: 3\n") == []


def test_a_validated_spec_can_be_checked_too() -> None:
    spec = shipspec.load(EXAMPLES / "shop.yaml")
    assert contradictions(spec) == []
    broken = spec.model_copy(
        update={
            "requirements": spec.requirements.model_copy(
                update={"security": spec.requirements.security.model_copy(update={"waf": False})}
            )
        }
    )
    (found,) = contradictions(broken)
    assert (found.file, found.line, found.code) == ("handoff.yaml", 0, "compliance-contradiction")
