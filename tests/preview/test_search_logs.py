"""OpenSearch publishes its logs where the stack keeps them, through one scoped resource policy.

Read from the full example's production preview (three data nodes, dedicated masters, a
customer-managed key), as the program registers it under Pulumi mocks: the domain's
``logPublishingOptions`` name the groups the stack creates, the CloudWatch Logs resource
policy admits ``es.amazonaws.com`` to exactly those groups on behalf of exactly this
domain, and the domain waits for the policy (AWS checks it when the domain is configured).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

DOMAIN = "aws:opensearch/domain:Domain"
GROUP = "aws:cloudwatch/logGroup:LogGroup"
POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"


@pytest.fixture(scope="module")
def main(generated) -> Any:  # type: ignore[no-untyped-def]
    return generated.preview("full", "main")


def test_the_domain_publishes_slow_and_application_logs_to_the_stacks_groups(main) -> None:  # type: ignore[no-untyped-def]
    (domain,) = main.of_type(DOMAIN)
    options = domain.inputs["logPublishingOptions"]
    assert {o["logType"] for o in options} == {
        "INDEX_SLOW_LOGS",
        "SEARCH_SLOW_LOGS",
        "ES_APPLICATION_LOGS",
    }
    assert all(o["enabled"] is True for o in options)
    groups = {g.inputs["name"]: g for g in main.of_type(GROUP) if "name" in g.inputs}
    retention = groups[_database_logs(groups)].inputs["retentionInDays"]
    prefix = f"/aws/opensearch/domains/{domain.inputs['domainName']}/"
    for option in options:
        name = option["cloudwatchLogGroupArn"].split(":log-group:")[1]
        assert name.startswith(prefix), name
        group = groups[name]  # a group the stack creates, not one AWS would make
        assert group.urn in domain.dependencies
        # Retention and encryption like the stack's other log groups.
        assert group.inputs["retentionInDays"] == retention
        assert group.inputs["kmsKeyId"].startswith("arn:aws:kms:")


def _database_logs(groups: dict[str, Any]) -> str:
    """A database's exported-log group: kept for the stack's log retention."""
    return next(n for n in groups if n.startswith("/aws/rds/instance/"))


def test_one_resource_policy_admits_opensearch_to_exactly_those_groups(main) -> None:  # type: ignore[no-untyped-def]
    (domain,) = main.of_type(DOMAIN)
    (policy,) = main.of_type(POLICY)  # one per environment: an account holds 10 per region
    document = json.loads(policy.inputs["policyDocument"])
    (statement,) = document["Statement"]
    assert statement["Principal"] == {"Service": "es.amazonaws.com"}
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    published = {o["cloudwatchLogGroupArn"] for o in domain.inputs["logPublishingOptions"]}
    assert {r.removesuffix(":*") for r in statement["Resource"]} == published
    assert all(r.endswith(":*") for r in statement["Resource"])  # the groups' streams
    condition = statement["Condition"]
    region, account = sorted(published)[0].split(":")[3:5]
    assert condition["StringEquals"] == {"aws:SourceAccount": account}
    assert condition["ArnLike"] == {
        "aws:SourceArn": [f"arn:aws:es:{region}:{account}:domain/{domain.inputs['domainName']}"]
    }
    # The domain is configured only once the policy exists.
    assert policy.urn in domain.dependencies
