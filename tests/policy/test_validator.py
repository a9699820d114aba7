"""The custom cerberus rules on small in-memory documents, edge cases included."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shipspec.policy.validator import PolicyValidator, describe


class Facts:
    def __init__(self, public: set[str]) -> None:
        self.public = public

    def public_load_balancer_group(self, group_id: Any, root: dict[str, Any]) -> bool:
        return group_id in self.public


def problems(schema: dict[str, Any], document: dict[str, Any], **config: Any) -> list[str]:
    validator = PolicyValidator(schema, **config)
    validator.validate(document)
    return [f"{path}: {message}" for path, message in describe(validator._errors)]


IAM = {
    "policy": {"coerce": "json", "forbid_wildcard_actions": True, "forbid_wildcard_resources": True}
}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})}


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:x"}, ["wildcard action '*'"]),
        (
            {"Effect": "Allow", "Action": ["s3:*"], "Resource": ["arn:x"]},
            ["wildcard action 's3:*'"],
        ),
        ({"Effect": "Allow", "NotAction": "s3:GetObject", "Resource": "arn:x"}, ["NotAction"]),
        (
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
            ['sqs:SendMessage on "Resource": "*"'],
        ),
        ({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:x"}, ["NotResource"]),
        (
            {"Action": "s3:PutObject", "Resource": "*"},
            ['s3:PutObject on "Resource": "*"'],
        ),  # Allow is the default
        ({"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}, []),
        ({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:x"}, []),
        ({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}, []),
    ],
)
def test_iam_wildcards(statement: dict[str, Any], expected: list[str]) -> None:
    found = problems(IAM, policy(statement))
    assert len(found) == len(expected), found
    for text, part in zip(found, expected, strict=True):
        assert part in text


def test_a_single_statement_object_is_read_too() -> None:
    document = {
        "policy": json.dumps({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})
    }
    assert len(problems(IAM, document)) == 2


def test_json_coercion_failure_is_a_finding_and_opaque_values_pass() -> None:
    assert problems(IAM, {"policy": "{not json"})[0].startswith("policy: cannot be read (")
    assert problems(IAM, {"policy": "[unknown]"}) == []
    assert problems(IAM, {"policy": "[secret]"}) == []


def test_coercion_does_not_change_the_callers_document() -> None:
    document = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:x"})
    before = dict(document)
    problems(IAM, document)
    assert document == before


OPEN = {
    "cidrIpv4": {"cidr_not_open_except_ports": {"ports": [80, 443], "public_load_balancer": True}}
}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"cidrIpv4": "0.0.0.0/0", "fromPort": 443, "toPort": 443, "securityGroupId": "sg-lb"}, ""),
        ({"cidrIpv4": "10.0.0.0/16", "fromPort": 22, "toPort": 22, "securityGroupId": "sg-db"}, ""),
        (
            {"cidrIpv4": "0.0.0.0/0", "fromPort": 22, "toPort": 22, "securityGroupId": "sg-lb"},
            "port 22",
        ),
        (
            {"cidrIpv4": "0.0.0.0/0", "fromPort": 80, "toPort": 443, "securityGroupId": "sg-lb"},
            "port 80-443",
        ),
        ({"cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1", "securityGroupId": "sg-lb"}, "port 0-65535"),
        ({"cidrIpv4": "0.0.0.0/0", "securityGroupId": "sg-lb"}, "port 0-65535"),  # no ports: all
        (
            {"cidrIpv4": "0.0.0.0/0", "fromPort": 443, "toPort": 443, "securityGroupId": "sg-app"},
            "not an internet-facing",
        ),
        ({"cidrIpv4": "0.0.0.0/0", "fromPort": 443, "toPort": 443, "type": "egress"}, ""),
    ],
)
def test_open_cidrs(rule: dict[str, Any], expected: str) -> None:
    found = problems(OPEN, rule, policy_facts=Facts({"sg-lb"}))
    assert (expected in found[0]) if expected else found == [], found


def test_lists_of_cidrs_and_ipv6_are_read() -> None:
    schema = {"cidrBlocks": OPEN["cidrIpv4"]}
    rule = {"cidrBlocks": ["10.0.0.0/8", "::/0"], "fromPort": 5432, "toPort": 5432}
    assert problems(schema, rule, policy_facts=Facts(set())) == [
        "cidrBlocks: opens port 5432 to ::/0; only 80, 443 may be open"
    ]


def test_without_graph_facts_a_public_group_cannot_be_proven() -> None:
    rule = {"cidrIpv4": "0.0.0.0/0", "fromPort": 443, "toPort": 443, "securityGroupId": "sg-lb"}
    assert "not an internet-facing" in problems(OPEN, rule)[0]


ANY = {"items": {"any_item": {"name": {"allowed": ["a"]}, "value": {"min": 2}}}}


def test_any_item_passes_when_one_item_matches() -> None:
    assert problems(ANY, {"items": [{"name": "b", "value": 9}, {"name": "a", "value": 3}]}) == []


def test_any_item_names_the_closest_item() -> None:
    found = problems(ANY, {"items": [{"name": "b"}, {"_name": "near", "name": "a", "value": 1}]})
    assert found == ["items: no item matches (closest is near: value: is 1; must be at least 2)"]


def test_any_item_fields_are_required_unless_said_otherwise() -> None:
    assert problems(ANY, {"items": [{"name": "a"}]}) == [
        "items: no item matches (closest is item 0: value: is missing)"
    ]
    optional = {
        "items": {"any_item": {"name": {"allowed": ["a"]}, "value": {"required": False, "min": 2}}}
    }
    assert problems(optional, {"items": [{"name": "a"}]}) == []


def test_any_item_on_an_empty_list_and_on_other_types() -> None:
    assert problems(ANY, {"items": []}) == ["items: has no items; expected one matching the rule"]
    typed = {"deps": {"any_item": {"_type": {"allowed": ["aws:x"]}}}}
    assert problems(typed, {"deps": [{"_type": "aws:y"}]}) == ["deps: has no aws:x"]


def test_messages_are_plain_sentences() -> None:
    schema = {
        "a": {"required": True},
        "b": {"allowed": [True]},
        "c": {"min": 365},
        "d": {"regex": "x+"},
        "e": {"forbidden": ["root"]},
        "f": {"type": "dict", "schema": {"g": {"nullable": False}}},
    }
    document = {"b": False, "c": 30, "d": "y", "e": "root", "f": {"g": None}}
    assert problems(schema, document) == [
        "a: is missing",
        "b: is false; allowed: true",
        "c: is 30; must be at least 365",
        "d: is 'y'; must match x+",
        "e: must not be 'root'",
        "f.g: is null",
    ]
