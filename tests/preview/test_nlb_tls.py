"""A Network Load Balancer's name and TLS under mocks, read the way AWS would act on them.

The review's case: a public TCP ingest endpoint under PCI DSS, whose clients were configured
with the NLB's AWS-generated DNS name and spoke cleartext. Here `gateway` is `protocol:
tls` (the NLB terminates TLS with an ACM certificate for gateway.<domain> and forwards
TCP), `relay` is a public `tcp` service whose application does TLS itself (`app_tls`),
and each environment with a domain gives both an alias record in its zone. A second spec
without a domain shows the NLB keeps its AWS name there, and no record is made.
"""

from __future__ import annotations

from typing import Any

import pytest

from shipspec.policy import evaluate, packs_for
from shipspec.preview.result import Preview

from .discovery_support import INGRESS, generate_and_preview, task_groups

SPEC = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: meter, owner: team-meter}
cloud: {provider: aws, region: eu-west-1, state: s3://acme-pulumi-state}
environments:
  staging: {domain: staging.meter.example.com, hosted_zone: staging.meter.example.com}
  prod: {approval: required, domain: meter.example.com}
requirements:
  security: {compliance: [pci-dss, soc2], data_classification: confidential, waf: true}
observability: {alert_email: ops@example.com}
services:
  gateway:
    type: web
    protocol: tls
    image: ghcr.io/example/gateway:1.0
    port: 7000
    public: true
    health: {port: 8081}
  relay:
    type: web
    protocol: tcp
    app_tls: true
    image: ghcr.io/example/relay:1.0
    port: 6000
    public: true
"""
LISTENER = "aws:lb/listener:Listener"
RECORD = "aws:route53/record:Record"
CERTIFICATE = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("nlb-tls")
    (root / "handoff.yaml").write_text(SPEC, encoding="utf-8")
    prod = generate_and_preview(root / "handoff.yaml", root / "out", "prod")
    from shipspec.preview.service import run_preview

    staging = run_preview(root / "out", "staging", remember=False)
    return {"out": root / "out", "prod": prod, "staging": staging}


@pytest.fixture(scope="module")
def prod(generated: dict[str, Any]) -> Preview:
    return generated["prod"]


def _named(preview: Preview, type_: str) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in preview.of_type(type_)}


def _urn_of(preview: Preview, name: str) -> str:
    return preview.named(name).urn


def test_the_tls_listener_terminates_with_the_validated_certificate_and_a_tls12_policy(
    prod: Preview,
) -> None:
    listener = _named(prod, LISTENER)["gateway-listener"]
    assert (listener["protocol"], listener["port"]) == ("TLS", 7000)
    # Through the API, a TLS listener without a policy gets ELBSecurityPolicy-2016-08 (TLS 1.0).
    assert listener["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert "alpnPolicy" not in listener  # the bytes are not HTTP: no ALPN negotiated
    certificate = _named(prod, CERTIFICATE)["gateway-cert"]
    assert certificate["domainName"] == "gateway.meter.example.com"
    assert certificate["validationMethod"] == "DNS"
    # The listener waits for the issued certificate: it uses the validation's ARN.
    (listener_resource,) = [r for r in prod.of_type(LISTENER) if r.name == "gateway-listener"]
    assert _urn_of(prod, "gateway-cert-validation") in listener_resource.dependencies
    assert listener["certificateArn"].startswith("arn:aws:acm:eu-west-1:")
    # TLS ends at the listener: the target group, its health check and the tasks speak TCP.
    group = _named(prod, "aws:lb/targetGroup:TargetGroup")["gateway-tg"]
    assert group["protocol"] == "TCP" and group["preserveClientIp"] == "false"
    assert group["healthCheck"]["protocol"] == "TCP" and group["healthCheck"]["port"] == "8081"
    tasks = {v: k for k, v in task_groups(prod).items()}
    into = {
        (r["ipProtocol"], r["fromPort"])
        for r in (x.inputs for x in prod.of_type(INGRESS))
        if r["securityGroupId"] == tasks["gateway"]
    }
    assert into == {("tcp", 7000), ("tcp", 8081)}


def test_the_reset_alarm_counts_a_tls_listener_s_flows(prod: Preview) -> None:
    alarms = {
        a.inputs["name"]: a.inputs
        for a in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if "name" in a.inputs
    }
    for service, flows in (("gateway", "NewFlowCount_TLS"), ("relay", "NewFlowCount_TCP")):
        queries = alarms[f"meter-prod-{service}-tcp-resets"]["metricQueries"]
        metrics = {q["metric"]["metricName"] for q in queries if q.get("metric")}
        assert metrics == {"TCP_ELB_Reset_Count", flows}


def test_the_tls_certificate_s_expiry_is_watched_like_the_load_balancers(prod: Preview) -> None:
    alarms = {
        a.inputs["name"]: a.inputs
        for a in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if "name" in a.inputs
    }
    arn = _named(prod, LISTENER)["gateway-listener"]["certificateArn"]
    for check, threshold in (("certificate-renewal", 30), ("certificate-expiry", 7)):
        alarm = alarms[f"meter-prod-gateway-{check}"]
        (metric,) = [q["metric"] for q in alarm["metricQueries"] if q.get("metric")]
        assert (metric["namespace"], metric["metricName"]) == (
            "AWS/CertificateManager",
            "DaysToExpiry",
        )
        assert metric["dimensions"] == {"CertificateArn": arn}
        assert alarm["threshold"] == threshold
    assert not [n for n in alarms if n.startswith("meter-prod-relay-certificate")]


def test_a_tcp_service_keeps_a_plain_tcp_listener(prod: Preview) -> None:
    listener = _named(prod, LISTENER)["relay-listener"]
    assert listener["protocol"] == "TCP"
    assert "certificateArn" not in listener and "sslPolicy" not in listener
    assert "relay-cert" not in _named(prod, CERTIFICATE)


@pytest.mark.parametrize(
    ("env", "domain"), [("prod", "meter.example.com"), ("staging", "staging.meter.example.com")]
)
def test_each_nlb_has_an_alias_record_in_the_environment_s_zone(
    generated: dict[str, Any], env: str, domain: str
) -> None:
    preview: Preview = generated[env]
    balancers = {r.name: r for r in preview.of_type("aws:lb/loadBalancer:LoadBalancer")}
    records = _named(preview, RECORD)
    for service in ("gateway", "relay"):
        record = records[f"{service}-alias"]
        assert record["name"] == f"{service}.{domain}" and record["type"] == "A"
        (alias,) = record["aliases"]
        nlb = balancers[f"{service}-nlb"]
        assert nlb.inputs["loadBalancerType"] == "network"
        # Points at this NLB: its DNS name, and the NLBs' own canonical zone in eu-west-1
        # (not the ALBs' Z32O12XQLNTSW2), checking the targets' health.
        assert nlb.urn in preview.named(f"{service}-alias").dependencies
        assert alias["name"].startswith(f"{service}-nlb-")
        assert alias["name"].endswith(".eu-west-1.elb.amazonaws.com")
        assert alias["zoneId"] == "Z2IFOLAFXWLO4F"
        assert alias["evaluateTargetHealth"] is True
        # In the zone the stack looks up, where the certificate is validated too.
        assert record["zoneId"] == records["gateway-cert-validation"]["zoneId"]


def test_each_environment_writes_into_its_own_zone(generated: dict[str, Any]) -> None:
    """staging names its own zone (a subzone in its account); prod's is the domain's parent."""
    zones = {
        env: _named(generated[env], RECORD)["gateway-alias"]["zoneId"]
        for env in ("prod", "staging")
    }
    assert zones["prod"] != zones["staging"]
    config = (generated["out"] / "infra" / "Pulumi.staging.yaml").read_text()
    assert 'hostedZone: "staging.meter.example.com"' in config
    assert 'domain: "gateway.staging.meter.example.com"' in config


def test_the_packs_pass_and_hold_the_tls_listener_to_tls12(
    generated: dict[str, Any], prod: Preview
) -> None:
    from dataclasses import replace

    from shipspec.model_io import read_model

    model = read_model(generated["out"])
    packs = packs_for(model.compliance)
    report = evaluate(model, "prod", prod.resources, packs)
    assert report.passed, report.violations
    # The same listener with the API's default policy (TLS 1.0 and up) fails them.
    weakened = [
        replace(r, inputs={k: v for k, v in r.inputs.items() if k != "sslPolicy"})
        if r.name == "gateway-listener"
        else r
        for r in prod.resources
    ]
    failed = {v.rule for v in evaluate(model, "prod", weakened, packs).violations}
    assert failed == {
        "baseline/https-tls-policy",
        "pci-dss/strong-tls-only",
        "soc2/strong-tls-only",
    }


def test_a_public_tcp_service_without_app_tls_is_a_cleartext_finding(
    generated: dict[str, Any], prod: Preview
) -> None:
    from shipspec.model_io import read_model

    model = read_model(generated["out"])
    env = model.environment("prod")
    services = [
        s.model_copy(update={"app_tls": False}) if s.name == "relay" else s for s in env.services
    ]
    envs = [
        e.model_copy(update={"services": services}) if e.name == "prod" else e
        for e in model.environments
    ]
    report = evaluate(
        model.model_copy(update={"environments": envs}),
        "prod",
        prod.resources,
        packs_for(model.compliance),
    )
    found = {(v.rule, v.target) for v in report.violations}
    assert found == {
        ("pci-dss/public-tcp-encrypted", "services.relay"),
        ("soc2/public-tcp-encrypted", "services.relay"),
    }
    (finding, _) = report.violations
    assert "cleartext" in finding.description and "protocol: tls" in finding.remediation


def test_without_a_domain_the_nlb_keeps_its_aws_name_and_gets_no_record(
    tmp_path: Any,
) -> None:
    spec = SPEC.replace(
        "  staging: {domain: staging.meter.example.com, hosted_zone: staging.meter.example.com}\n"
        "  prod: {approval: required, domain: meter.example.com}\n",
        "  dev: {}\n",
    ).replace("protocol: tls", "protocol: tcp\n    app_tls: true")
    # pci-dss wants a production domain (HTTPS): this one has none, so no packs.
    spec = spec.replace("compliance: [pci-dss, soc2], ", "")
    (tmp_path / "handoff.yaml").write_text(spec, encoding="utf-8")
    dev = generate_and_preview(tmp_path / "handoff.yaml", tmp_path / "out", "dev")
    assert not dev.of_type(RECORD) and not dev.of_type(CERTIFICATE)
    assert {r["protocol"] for r in _named(dev, LISTENER).values()} == {"TCP"}
    config = (tmp_path / "out" / "infra" / "Pulumi.dev.yaml").read_text()
    assert "domain: null" in config and "hostedZone: null" in config
    handoff = (tmp_path / "out" / "docs" / "operations" / "handoff.md").read_text()
    assert "AWS-generated DNS name (no `domain` for an alias)" in handoff


def test_each_public_name_gets_a_route_53_tcp_check_once_it_exists(prod: Preview) -> None:
    """Route 53 connects to <service>.<domain> on the listener port from the internet (a TCP
    check takes no path, string or SNI: CreateHealthCheck refuses them or ignores them), once
    the service's NLB, listener and alias record exist; its alarm names it."""
    checks = {r.name: r for r in prod.of_type("aws:route53/healthCheck:HealthCheck")}
    assert set(checks) == {"gateway-health-check", "relay-health-check"}
    wanted = {
        "gateway": ("gateway.meter.example.com", 7000),
        "relay": ("relay.meter.example.com", 6000),
    }
    alarms = {a.inputs["name"]: a for a in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    for service, (fqdn, port) in wanted.items():
        check = checks[f"{service}-health-check"]
        assert check.inputs["type"] == "TCP"
        assert (check.inputs["fqdn"], check.inputs["port"]) == (fqdn, port)
        for refused in ("resourcePath", "searchString", "enableSni"):
            assert refused not in check.inputs, (service, refused)
        after = {urn.rsplit("::", 1)[1] for urn in check.dependencies}
        wait = {f"{service}-{r}" for r in ("alias", "listener", "nlb-sg", "service")}
        assert wait <= after, (service, wait - after)
        alarm = alarms[f"meter-prod-{service}-health-check"]
        assert alarm.inputs["region"] == "us-east-1"
        assert check.urn in alarm.dependencies
        assert alarm.inputs["alarmDescription"].startswith("PAGE: ")


def test_the_tcp_checks_alarms_link_their_own_runbook_section(generated: dict[str, Any]) -> None:
    """Each TCP check's alarm links #alarm-tcp-health-check, a section with the TCP guide
    (not the domain's HTTPS one), and the handoff names both checks' endpoints."""
    out = generated["out"]
    runbook = (out / "docs/operations/runbook.md").read_text(encoding="utf-8")
    section = runbook.split('<a id="alarm-tcp-health-check"></a>', 1)[1].split("<a id=", 1)[0]
    assert "### TCP/TLS service unreachable by its name" in section
    assert "meter-prod-gateway-health-check" in section
    assert "ResourcePath" not in section  # the HTTPS guide's look-up
    stack = (out / "infra/Pulumi.prod.yaml").read_text(encoding="utf-8")
    assert stack.count("runbook.md#alarm-tcp-health-check") == 2
    handoff = (out / "docs/operations/handoff.md").read_text(encoding="utf-8")
    assert "gateway: gateway.meter.example.com:7000 (TCP)" in handoff
