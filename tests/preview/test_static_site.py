"""A static site under mocks: a private bucket only its distribution reads, through OAC.

Read from the resources the generated program registers, as a reviewer would check them
in the console: the bucket admits nothing but this distribution's signed requests, the
distribution serves HTTPS with the SPA's routing, and the errors alarm lives in us-east-1
(where CloudFront publishes metrics) and still reaches the stack's alert topic.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

import pytest

from shipspec.preview.result import Preview

from .cloudwatch_model import Scenario, Stack, matches, transform
from .static_support import market_preview

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Preview:
    return market_preview(tmp_path_factory, "prod")


@pytest.fixture(scope="module")
def staging(tmp_path_factory: pytest.TempPathFactory) -> Preview:
    return market_preview(tmp_path_factory, "staging")


TARGET = "aws:cloudwatch/eventTarget:EventTarget"
RULE = "aws:cloudwatch/eventRule:EventRule"


def _inputs(preview: Preview, name: str, token: str | None = None) -> dict[str, Any]:
    [found] = [r for r in preview.resources if r.name == name and token in (None, r.type)]
    return found.inputs


def _distribution_arn(preview: Preview) -> str:
    """The distribution's ARN, as the bucket policy received it (a global ARN)."""
    policy = json.loads(_inputs(preview, "frontend-policy")["policy"])
    [arn] = {
        s["Condition"]["StringEquals"]["AWS:SourceArn"]
        for s in policy["Statement"]
        if s["Effect"] == "Allow"
    }
    assert arn.startswith("arn:aws:cloudfront::123456789012:distribution/")
    return str(arn)


def test_the_bucket_is_private_encrypted_versioned_and_read_only_by_its_distribution(
    prod: Preview,
) -> None:
    bucket = _inputs(prod, "frontend-site")
    block = _inputs(prod, "frontend-public-access")
    assert all(
        block[k]
        for k in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    )
    assert _inputs(prod, "frontend-ownership")["rule"]["objectOwnership"] == "BucketOwnerEnforced"
    [rule] = _inputs(prod, "frontend-encryption")["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    assert _inputs(prod, "frontend-versioning")["versioningConfiguration"]["status"] == "Enabled"
    assert bucket.get("forceDestroy") is False

    policy = json.loads(_inputs(prod, "frontend-policy")["policy"])
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert {s["Action"] for s in allows} == {"s3:GetObject", "s3:ListBucket"}
    for statement in allows:
        assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]
        assert source == _distribution_arn(prod)
    [deny] = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_distribution_signs_origin_requests_and_routes_the_spa(prod: Preview) -> None:
    oac = _inputs(prod, "frontend-oac")
    assert (oac["signingBehavior"], oac["signingProtocol"]) == ("always", "sigv4")
    assert oac["originAccessControlOriginType"] == "s3"
    cdn = _inputs(prod, "frontend-cdn")
    [origin] = cdn["origins"]
    assert origin["originAccessControlId"]  # the OAC's id (the preview records no ids)
    assert len(prod.of_type("aws:cloudfront/originAccessControl:OriginAccessControl")) == 1
    assert origin["domainName"].endswith(".s3.eu-west-1.amazonaws.com")
    assert "s3OriginConfig" not in origin  # no legacy origin access identity
    assert cdn["defaultRootObject"] == "index.html"
    behavior = cdn["defaultCacheBehavior"]
    assert behavior["viewerProtocolPolicy"] == "redirect-to-https" and behavior["compress"]
    assert behavior["responseHeadersPolicyId"]
    assert {
        (e["errorCode"], e["responseCode"], e["responsePagePath"])
        for e in cdn["customErrorResponses"]
    } == {
        (403, 200, "/index.html"),
        (404, 200, "/index.html"),
    }
    headers = _inputs(prod, "frontend-headers")["securityHeadersConfig"]
    assert headers["strictTransportSecurity"]["accessControlMaxAgeSec"] >= 31536000
    assert headers["frameOptions"]["frameOption"] == "DENY"


def test_price_class_and_paging_follow_the_environment(prod: Preview, staging: Preview) -> None:
    assert _inputs(prod, "frontend-cdn")["priceClass"] == "PriceClass_All"
    assert _inputs(staging, "frontend-cdn")["priceClass"] == "PriceClass_100"
    assert _inputs(staging, "frontend-site")["forceDestroy"] is True
    assert _inputs(prod, "frontend-errors-notify", TARGET)["arn"].endswith(":market-prod-page")
    assert _inputs(staging, "frontend-errors-notify", TARGET)["arn"].endswith(
        ":market-staging-ticket"
    )


def test_the_custom_domain_uses_a_us_east_1_certificate_and_aliases_the_distribution(
    prod: Preview,
) -> None:
    cert = _inputs(prod, "frontend-cert", "aws:acm/certificate:Certificate")
    # The public load balancer holds market.example.com: the site gets its own name.
    assert cert["domainName"] == "frontend.market.example.com"
    assert cert["region"] == "us-east-1"  # the only region CloudFront reads certificates from
    assert (
        _inputs(
            prod, "frontend-cert-validation", "aws:acm/certificateValidation:CertificateValidation"
        )["region"]
        == "us-east-1"
    )
    viewer = _inputs(prod, "frontend-cdn")["viewerCertificate"]
    assert viewer["acmCertificateArn"].startswith("arn:aws:acm:us-east-1:")
    assert viewer["sslSupportMethod"] == "sni-only"
    assert _inputs(prod, "frontend-cdn")["aliases"] == ["frontend.market.example.com"]
    for kind in ("a", "aaaa"):
        [alias] = _inputs(prod, f"frontend-alias-{kind}")["aliases"]
        assert alias["zoneId"] == "Z2FDTNDATAQYW2"  # CloudFront's alias hosted zone
        assert alias["name"].endswith(".cloudfront.net")


def test_a_failing_origin_reaches_the_page_topic_from_us_east_1(prod: Preview) -> None:
    alarm = _inputs(prod, "frontend-errors", "aws:cloudwatch/metricAlarm:MetricAlarm")
    assert alarm["region"] == "us-east-1"
    failing, server, client, requests = alarm["metricQueries"]
    # Judged only in minutes with 100+ requests: one error among a handful is no outage.
    # 5xx above 5%, or 4xx above half: S3 refusing CloudFront is 4xx, never 5xx.
    assert failing["expression"] == (
        "IF(FILL(requests, 0) >= 100 AND (FILL(server_errors, 0) > 5 OR "
        "FILL(client_errors, 0) > 50), 1, 0)"
    )
    assert (alarm["threshold"], alarm["comparisonOperator"]) == (
        1,
        "GreaterThanOrEqualToThreshold",
    )
    assert failing["returnData"] is True
    assert not any(q.get("returnData") for q in (server, client, requests))
    for query, (name, stat) in (
        (server, ("5xxErrorRate", "Average")),
        (client, ("4xxErrorRate", "Average")),
        (requests, ("Requests", "Sum")),
    ):
        metric = query["metric"]
        assert (metric["namespace"], metric["metricName"], metric["stat"]) == (
            "AWS/CloudFront",
            name,
            stat,
        )
        assert metric["dimensions"] == {
            "DistributionId": _distribution_arn(prod).rsplit("/", 1)[1],
            "Region": "Global",
        }
    # The description links its runbook section.
    assert alarm["alarmDescription"].endswith("runbook.md#alarm-static-site-errors")
    [alarm_arn] = json.loads(_inputs(prod, "frontend-errors-forward", RULE)["eventPattern"])[
        "resources"
    ]
    assert (
        alarm_arn == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:market-prod-frontend-errors"
    )
    # The state change CloudWatch emits in us-east-1 when the alarm fires...
    event = {
        "source": "aws.cloudwatch",
        "detail-type": "CloudWatch Alarm State Change",
        "resources": [alarm_arn],
        "detail": {"state": {"value": "ALARM"}},
        "region": "us-east-1",  # where the alarm, and so its event, lives
    }
    forward = _inputs(prod, "frontend-errors-forward", RULE)
    assert forward["region"] == "us-east-1"
    assert matches(json.loads(forward["eventPattern"]), event)
    hop = _inputs(prod, "frontend-errors-forward", TARGET)
    assert hop["rule"] == forward["name"]
    assert hop["arn"] == "arn:aws:events:eu-west-1:123456789012:event-bus/default"
    assert hop["region"] == "us-east-1" and hop["roleArn"]
    # ...arrives on the stack region's default bus, where the notify rule sends it to the topic.
    stack = Stack(prod)
    told = stack.notified(_quiet, [event])
    assert told["page"] == {"market-prod-frontend-errors"}
    # The page topic's policy lets the notify rule publish (this stack's rules, <prefix>-*).
    notify = _inputs(prod, "frontend-errors-notify", RULE)["name"]
    rule_arn = f"arn:aws:events:eu-west-1:123456789012:rule/{notify}"
    [policy] = [
        json.loads(r.inputs["policy"])
        for r in prod.of_type("aws:sns/topicPolicy:TopicPolicy")
        if r.inputs["arn"].endswith(":market-prod-page")
    ]
    [grant] = [
        st
        for st in policy["Statement"]
        if st.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    assert fnmatch.fnmatchcase(rule_arn, grant["Condition"]["ArnLike"]["aws:SourceArn"])


def test_with_waf_the_distribution_is_behind_a_cloudfront_web_acl_in_us_east_1(
    prod: Preview,
) -> None:
    """requirements.security.waf: true protects the site as it protects the load balancer."""
    [acl] = [r for r in prod.of_type("aws:wafv2/webAcl:WebAcl") if r.name == "frontend-waf"]
    # CloudFront accepts only a CLOUDFRONT-scope ACL, which lives in us-east-1.
    assert (acl.inputs["scope"], acl.inputs["region"]) == ("CLOUDFRONT", "us-east-1")
    groups = [
        rule["statement"]["managedRuleGroupStatement"]
        for rule in acl.inputs["rules"]
        if "managedRuleGroupStatement" in rule["statement"]
    ]
    assert [(g["vendorName"], g["name"]) for g in groups] == [
        ("AWS", "AWSManagedRulesCommonRuleSet"),
        ("AWS", "AWSManagedRulesKnownBadInputsRuleSet"),
    ]
    assert all("overrideAction" in rule for rule in acl.inputs["rules"])
    assert acl.inputs["defaultAction"] == {"allow": {}}
    # The distribution names it by ARN (WAFv2), a global ACL's ARN in us-east-1.
    web_acl_id = _inputs(prod, "frontend-cdn")["webAclId"]
    assert re.fullmatch(r"arn:aws:wafv2:us-east-1:123456789012:global/webacl/[^/]+/.+", web_acl_id)
    assert "frontend-waf" in web_acl_id
    # Blocked requests are logged in the ACL's region, to a log group WAF accepts.
    logging = _inputs(prod, "frontend-waf-logging")
    assert logging["region"] == "us-east-1" and logging["resourceArn"] == web_acl_id
    [destination] = logging["logDestinationConfigs"]
    assert destination.startswith("arn:aws:logs:us-east-1:") and ":log-group:aws-waf-logs-" in (
        destination
    )
    # Only the site's own ACL is attached to the distribution; the ALB's stays regional.
    [alb_acl] = [r for r in prod.of_type("aws:wafv2/webAcl:WebAcl") if r.name != "frontend-waf"]
    assert alb_acl.inputs["scope"] == "REGIONAL"


# "CloudWatch Alarm State Change" as EventBridge delivers it (CloudWatch user guide, "Alarm
# events and EventBridge", its sample with this alarm's names), the reason holding quotes.
STATE_CHANGE = {
    "version": "0",
    "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
    "detail-type": "CloudWatch Alarm State Change",
    "source": "aws.cloudwatch",
    "account": "123456789012",
    "time": "2026-12-07T12:05:01Z",
    "region": "us-east-1",
    "resources": ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:market-prod-frontend-errors"],
    "detail": {
        "alarmName": "market-prod-frontend-errors",
        "configuration": {"description": "frontend: more than 5% of CloudFront responses"},
        "state": {
            "value": "ALARM",
            "reason": 'Threshold Crossed: 5 datapoints "errors" were greater than 5.0',
            "timestamp": "2026-12-07T12:05:00.123+0000",
        },
        "previousState": {
            "value": "OK",
            "reason": "Threshold Crossed: no datapoints were received",
            "timestamp": "2026-12-07T11:00:00.000+0000",
        },
    },
}


def test_the_topic_gets_cloudwatch_s_alarm_message_not_the_raw_event(prod: Preview) -> None:
    """PagerDuty's CloudWatch integration titles by AlarmName and resolves on OK."""
    notify = _inputs(prod, "frontend-errors-notify", TARGET)
    message = transform(notify["inputTransformer"], STATE_CHANGE)
    assert message == {
        "AlarmName": "market-prod-frontend-errors",
        "AlarmDescription": "frontend: more than 5% of CloudFront responses",
        "AWSAccountId": "123456789012",
        "NewStateValue": "ALARM",
        "NewStateReason": STATE_CHANGE["detail"]["state"]["reason"],
        "StateChangeTime": "2026-12-07T12:05:00.123+0000",
        "Region": "US East (N. Virginia)",
        "AlarmArn": STATE_CHANGE["resources"][0],
        "OldStateValue": "OK",
    }
    # The recovery resolves the same incident: same name and ARN, NewStateValue OK.
    recovered = json.loads(json.dumps(STATE_CHANGE))
    recovered["detail"]["state"]["value"], recovered["detail"]["previousState"]["value"] = (
        "OK",
        "ALARM",
    )
    back = transform(notify["inputTransformer"], recovered)
    assert (back["AlarmName"], back["NewStateValue"], back["OldStateValue"]) == (
        message["AlarmName"],
        "OK",
        "ALARM",
    )
    # The alarm's real name and description are what the event carries.
    alarm = _inputs(prod, "frontend-errors", "aws:cloudwatch/metricAlarm:MetricAlarm")
    assert STATE_CHANGE["resources"][0].endswith(":alarm:" + alarm["name"])
    # The hop between buses keeps the raw event: the home rule matches its pattern on it.
    assert "inputTransformer" not in _inputs(prod, "frontend-errors-forward", TARGET)


def _cloudfront(server: float, client: float = 1.0, requests: float = 1000) -> Any:
    """CloudFront's distribution metrics: 5xx and 4xx shares (%), requests a minute."""

    def values(metric: Any) -> float | None:
        return {"5xxErrorRate": server, "4xxErrorRate": client, "Requests": requests}.get(
            metric["metricName"]
        )

    return values


def _tasks_running(metric: Any) -> float | None:
    """Every service's tasks run (ECS reports them); no other metric has data."""
    return 1 if metric["metricName"] == "RunningTaskCount" else None


_quiet = Scenario(baseline=_tasks_running, incident=_tasks_running, duration=0)


@pytest.mark.parametrize(
    ("server", "client", "requests", "minutes", "fires"),
    [
        (50.0, 1.0, 1000, 10, True),
        (50.0, 1.0, 1000, 3, False),
        (2.0, 1.0, 1000, 30, False),
        (40.0, 1.0, 5, 30, False),
        # The bucket policy no longer admits the distribution (or the bucket is gone): S3
        # answers 403 to every request, the SPA's /index.html error response fails the same
        # way, and CloudFront passes the 403 on: all 4xx, no 5xx.
        (0.0, 100.0, 1000, 10, True),
        (0.0, 100.0, 1000, 3, False),
        (0.0, 100.0, 5, 30, False),
        # Bots probing paths the site does not have: a share of 404s, not an outage.
        (0.0, 15.0, 1000, 60, False),
    ],
    ids=[
        "origin-down-10min",
        "blip-3min",
        "stray-errors",
        "two-errors-a-minute-at-night",
        "bucket-policy-broken-403-everywhere",
        "policy-fixed-within-3min",
        "403s-at-night",
        "bot-404s",
    ],
)
def test_the_errors_alarm_fires_on_a_sustained_origin_or_access_failure_only(
    prod: Preview, server: float, client: float, requests: float, minutes: int, fires: bool
) -> None:
    scenario = Scenario(
        baseline=_cloudfront(0.0, 1.0, requests),
        incident=_cloudfront(server, client, requests),
        duration=minutes * 60,
    )
    assert Stack(prod).states(scenario)["market-prod-frontend-errors"] is fires


def test_the_renamed_alarm_and_its_rules_alias_their_old_names(prod: Preview) -> None:
    """The alarm and its EventBridge rules were <site>-5xx(-forward, -notify): each aliases
    its old name, so `pulumi up` replaces each under its new name (Pulumi matches the old URN)
    instead of creating an unrelated one and leaving the old alarm and rules."""
    for name, old in (
        ("frontend-errors", "frontend-5xx"),
        ("frontend-errors-forward", "frontend-5xx-forward"),
        ("frontend-errors-notify", "frontend-5xx-notify"),
    ):
        found = [r for r in prod.resources if r.name == name]
        assert found, name
        for resource in found:
            assert any(
                alias.endswith(f"::{old}") for alias in resource.options.get("aliases", [])
            ), (
                name,
                resource.options,
            )
