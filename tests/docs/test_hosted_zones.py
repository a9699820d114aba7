"""The handoff's hosted-zones step: one zone serves the environments of one account.

Each stack looks its zone up by name in the account it deploys to
(`aws.route53.get_zone_output` in _dns.py, for the load balancers, and static_site.py). DNS
answers from the one zone its parent delegates to, so an acceptance stack in an account of its own
looking up the zone production uses finds no zone, or one nobody queries, and its
certificate never validates. The handoff groups the environments by zone, and where
production shares a zone with another environment it says how to give that one a
delegated subzone of its own: the NS record's change batch is what Route 53's API takes
(botocore's input shape) and the commands are ones the AWS CLI accepts.
"""

from __future__ import annotations

import json
import re

import botocore.session
from botocore.validate import ParamValidator

import shipspec
from shipspec.render.renderer import render
from tests.docs.aws_cli import commands, problems

HANDOFF = "docs/operations/handoff.md"

SPEC = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: exchange, owner: team-exchange}
cloud: {region: ap-northeast-1}
environments:
  dev: {}
  acceptance: {production: false, domain: acceptance.exchange.example.com, hosted_zone: ZONE}
  production: {production: true, domain: exchange.example.com, hosted_zone: example.com}
services:
  web: {type: web, image: ghcr.io/example/web:1.0, port: 8080, public: true}
"""


def step(zone: str, spec: str = SPEC) -> str:
    model = shipspec.plan(shipspec.loads(spec.replace("ZONE", zone)))
    page = dict(render(model, only=["docs"]))[HANDOFF]
    return re.split(r"\n\d+\. \*\*|\n## ", page.split("**The hosted zones.**")[1])[0]


def change_batches(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, flags=re.S)]


def test_a_zone_shared_with_production_says_one_account_or_a_delegated_subzone() -> None:
    text = step("example.com")
    assert "- `example.com`: acceptance, production, all in the account that holds it." in text
    assert "With production (production) in an account of its own (recommended), acceptance" in text
    assert "`hosted_zone: acceptance.exchange.example.com` in `environments.acceptance`" in text
    assert "Otherwise deploy acceptance in production's account, the zone's, where its CI" in text
    # The old instruction, true for neither layout, is gone.
    assert "in the account that deploys the environment, with its delegation in place" not in text
    [batch] = change_batches(text)
    record = batch["Changes"][0]["ResourceRecordSet"]
    assert record["Name"] == "acceptance.exchange.example.com" and record["Type"] == "NS"
    assert len(record["ResourceRecords"]) == 4
    found = commands(text, HANDOFF)
    assert {c.operation for c in found} >= {"create-hosted-zone", "change-resource-record-sets"}
    assert [p for c in found for p in problems(c)] == []


def test_the_ns_record_is_what_route53_takes() -> None:
    """The file passed as --change-batch, against ChangeResourceRecordSets' input shape."""
    model = botocore.session.get_session().get_service_model("route53")
    shape = model.operation_model("ChangeResourceRecordSets").input_shape
    [batch] = change_batches(step("example.com"))
    report = ParamValidator().validate({"HostedZoneId": "Z1", "ChangeBatch": batch}, shape)
    assert not report.has_errors(), report.generate_report()


def test_a_subzone_in_the_spec_is_valid_and_its_delegation_is_listed() -> None:
    """`hosted_zone` at the acceptance domain (inside production's record's name) passes
    validation, and the handoff says where its NS record goes, not as a suggestion."""
    text = step("acceptance.exchange.example.com")
    assert (
        "- `acceptance.exchange.example.com`: acceptance, in its account; a subzone of "
        "`example.com`, delegated from there (below)." in text
    )
    assert "- `example.com`: production, in its account." in text
    assert "if you give" not in text and "Otherwise deploy" not in text
    assert "`acceptance.exchange.example.com` from `example.com` (production's zone)" in text
    assert len(change_batches(text)) == 1


def test_a_subzone_in_the_spec_is_created_in_its_account_before_its_delegation() -> None:
    """The stacks look their zone up and create none: a zone the spec names for one
    environment (its own subzone) must be created, in that environment's account, before the
    first `pulumi up` and before its NS record can name its servers; the command is one the
    CLI accepts and its caller reference fits CreateHostedZone's limit."""
    text = step("acceptance.exchange.example.com")
    subzone = text.split("- `acceptance.exchange.example.com`:")[1].split("\n   - ")[0]
    creates = [c for c in commands(subzone, HANDOFF) if c.operation == "create-hosted-zone"]
    assert len(creates) == 1
    assert "in acceptance's account" in subzone
    words = creates[0].text.split()
    assert words[words.index("--name") + 1] == "acceptance.exchange.example.com"
    assert [p for c in creates for p in problems(c)] == []
    # Before the delegation step, which needs the zone's name servers.
    assert text.index("create-hosted-zone") < text.index("change-resource-record-sets")
    # Production's zone (the parent) is not the spec's to create: it is delegated already.
    assert "create-hosted-zone --name example.com" not in text
    shape = botocore.session.get_session().get_service_model("route53")
    limit = shape.operation_model("CreateHostedZone").input_shape.members["CallerReference"]
    reference = words[words.index("--caller-reference") + 1]
    assert len(reference) <= limit.metadata["max"]
    long_zone = "a" * 60 + "." + "b" * 60 + ".acceptance.exchange.example.com"
    from shipspec.render.targets._docs_zones import ZoneGroup

    assert len(ZoneGroup(long_zone, [], [], []).caller_reference) <= limit.metadata["max"]


def test_a_zone_shared_with_production_is_not_created_by_the_handoff() -> None:
    """A zone production uses (and another environment shares) exists already: no create."""
    assert "create-hosted-zone --name example.com" not in step("example.com")


def test_environments_in_productions_vpc_share_its_account_and_its_zone() -> None:
    """Acceptance in production's VPC is in production's account: no subzone needed."""
    network = (
        "    network: {vpc_id: vpc-0a1b2c3d4e5f67890, private_subnet_ids: [subnet-0a11111111111111a, "  # noqa: E501
        "subnet-0a22222222222222a], public_subnet_ids: [subnet-0b11111111111111b, "
        "subnet-0b22222222222222b]}\n"
    )
    spec = (
        SPEC.replace("  dev: {}\n", "")
        .replace(
            "  acceptance: {production: false, domain: acceptance.exchange.example.com, hosted_zone: ZONE}\n",  # noqa: E501
            "  acceptance:\n    production: false\n    domain: acceptance.exchange.example.com\n"
            "    hosted_zone: ZONE\n" + network,
        )
        .replace(
            "  production: {production: true, domain: exchange.example.com, hosted_zone: example.com}\n",  # noqa: E501
            "  production:\n    production: true\n    domain: exchange.example.com\n"
            "    hosted_zone: example.com\n" + network,
        )
    )
    text = step("example.com", spec)
    assert "all in the account that holds it" in text
    assert "Otherwise deploy" not in text and change_batches(text) == []


def test_a_stack_whose_only_name_is_a_network_load_balancer_s_alias_gets_the_step() -> None:
    """No ALB, no static site: the NLB's alias <service>.<domain> is written into the zone
    all the same (network_service.py), so the step names the zone and the subzone."""
    spec = SPEC.replace(
        "  web: {type: web, image: ghcr.io/example/web:1.0, port: 8080, public: true}",
        "  feed: {type: web, image: ghcr.io/example/feed:1.0, port: 7000, public: true,"
        " protocol: tcp, app_tls: true}",
    )
    text = step("acceptance.exchange.example.com", spec)
    assert "- `example.com`: production, in its account." in text
    assert "- `acceptance.exchange.example.com`: acceptance, in its account" in text
    model = shipspec.plan(shipspec.loads(spec.replace("ZONE", "acceptance.exchange.example.com")))
    feed = model.environment("acceptance").service("feed")
    assert (feed.domain, feed.hosted_zone) == (
        "feed.acceptance.exchange.example.com",
        "acceptance.exchange.example.com",
    )
    assert model.environment("dev").service("feed").domain is None
