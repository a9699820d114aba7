"""The one-off search-admin task of each OpenSearch domain, read from the program under mocks.

Review 10's finding: the runbook's red-cluster and snapshot steps (``GET
_cluster/allocation/explain``, ``POST _snapshot/.../_restore``) said "from inside the VPC with
a signed request", and nobody could send one: the domain admits only its consumers' groups,
there is no bastion, and ECS Exec is off in production. Each domain now has a task that can:
these tests check, from the full example's production preview (a customer-managed key, the
domain used by one service), that its role may call that domain's HTTP API and nothing else,
that the domain admits it on 443 and nothing else new, and that its command signs a request
with the role's credentials as ECS hands them out (run here under ``sh`` with a stand-in
curl).
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

DOMAIN = "aws:opensearch/domain:Domain"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
HTTP = {"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"}


@pytest.fixture(scope="module")
def main(generated) -> Any:  # type: ignore[no-untyped-def]
    return generated.preview("full", "main")


@pytest.fixture(scope="module")
def domains(generated) -> list[str]:  # type: ignore[no-untyped-def]
    plan = generated.model("full").environment("main")
    names = [d.name for d in plan.datastores if d.engine == "opensearch"]
    assert names
    return names


def _container(preview: Any, name: str) -> dict[str, Any]:
    (container,) = json.loads(preview.named(f"{name}-task").inputs["containerDefinitions"])
    return container


def test_the_task_role_may_call_its_own_domain_and_nothing_else(main, domains) -> None:  # type: ignore[no-untyped-def]
    for name in domains:
        (domain,) = [d for d in main.of_type(DOMAIN) if d.name == f"{name}-domain"]
        task = main.named(f"{name}-admin-task").inputs
        assert task["taskRoleArn"] and task["taskRoleArn"] != task["executionRoleArn"]
        (policy,) = [
            p for p in main.of_type(ROLE_POLICY) if p.name == f"{name}-admin-task-role-policy"
        ]
        (statement,) = json.loads(policy.inputs["policy"])["Statement"]
        assert statement["Effect"] == "Allow" and set(statement["Action"]) == HTTP
        arn, everything = statement["Resource"]
        assert arn.startswith("arn:aws:es:") and arn.endswith(
            f":domain/{domain.inputs['domainName']}"
        )
        assert everything == f"{arn}/*"
        # The agent pulls the image and writes logs with the managed policy only: no secret.
        assert not [
            p for p in main.of_type(ROLE_POLICY) if p.name == f"{name}-admin-execution-role-policy"
        ]


def test_the_domain_admits_the_task_on_443_and_its_group_sends_https_only(main, domains) -> None:  # type: ignore[no-untyped-def]
    for name in domains:
        rules = {r.name: r for r in main.of_type(INGRESS) if r.name.startswith(f"{name}-from-")}
        admitted = rules[f"{name}-from-{name}-admin"]
        assert admitted.inputs["fromPort"] == admitted.inputs["toPort"] == 443
        assert "cidrIpv4" not in admitted.inputs
        egress = [r for r in main.of_type(EGRESS) if r.name.startswith(f"{name}-admin-")]
        assert [(r.inputs["fromPort"], r.inputs["toPort"]) for r in egress] == [(443, 443)]
        assert admitted.inputs["referencedSecurityGroupId"] == egress[0].inputs["securityGroupId"]


def test_the_container_logs_to_its_group_and_runs_a_pinned_curl(main, domains) -> None:  # type: ignore[no-untyped-def]
    for name in domains:
        container = _container(main, f"{name}-admin")
        assert container["name"] == "search-admin"
        assert re.fullmatch(r"curlimages/curl:[\w.-]+@sha256:[0-9a-f]{64}", container["image"])
        options = container["logConfiguration"]["options"]
        assert options["awslogs-stream-prefix"] == "admin"
        group = main.named(f"{name}-admin-logs").inputs
        assert options["awslogs-group"] == group["name"] == f"/ecs/{main.project}/main/{name}-admin"
        assert group["kmsKeyId"]  # the stack's customer-managed key, like every other log
        variables = {e["name"]: e["value"] for e in container["environment"]}
        (domain,) = [d for d in main.of_type(DOMAIN) if d.name == f"{name}-domain"]
        assert variables["SEARCH_ENDPOINT"].startswith(
            f"https://vpc-{domain.inputs['domainName']}-"
        )
        assert (variables["SEARCH_METHOD"], variables["SEARCH_PATH"]) == ("GET", "/_cluster/health")


def test_the_command_signs_with_the_credentials_ecs_hands_the_task(
    main, domains, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The script under sh, with a curl that answers the agent and records the request."""
    container = _container(main, domains[0] + "-admin")
    assert container["entryPoint"] == ["/bin/sh", "-c"]
    (script,) = container["command"]
    calls = tmp_path / "calls"
    curl = tmp_path / "curl"
    # The ECS agent's answer: one line of JSON (the shape the SDKs' container provider reads).
    agent = json.dumps(
        {
            "RoleArn": "arn:aws:iam::123456789012:role/t",
            "AccessKeyId": "ASIAEXAMPLE",
            "SecretAccessKey": "se/cr+et",
            "Token": "to/ken+==",
            "Expiration": "2026-01-01T00:00:00Z",
        }
    )
    curl.write_text(
        "#!/bin/sh\n"
        f'for a in "$@"; do printf "%s\\n" "$a"; done >> {calls}\n'
        f"echo --- >> {calls}\n"
        'case "$*" in *169.254.170.2/v2/credentials/abc*) '
        f"printf '%s' '{agent}';; *) echo '{{\"status\":\"green\"}}';; esac\n"
    )
    curl.chmod(curl.stat().st_mode | stat.S_IEXEC)
    environment = {e["name"]: e["value"] for e in container["environment"]}
    environment.update(
        PATH=f"{tmp_path}:{os.environ['PATH']}",
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="/v2/credentials/abc",
        AWS_REGION="us-east-1",
        SEARCH_METHOD="POST",
        SEARCH_PATH="/_snapshot/cs-automated/snap-1/_restore",
        SEARCH_BODY='{"indices": "orders"}',
    )
    done = subprocess.run(
        ["/bin/sh", "-c", script], env=environment, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == '{"status":"green"}'
    first, second, _ = calls.read_text().split("---\n")
    assert "http://169.254.170.2/v2/credentials/abc" in first.splitlines()
    args = second.splitlines()
    assert args[args.index("--aws-sigv4") + 1] == "aws:amz:us-east-1:es"
    assert args[args.index("--user") + 1] == "ASIAEXAMPLE:se/cr+et"
    assert "x-amz-security-token: to/ken+==" in args
    assert args[args.index("-X") + 1] == "POST"
    assert args[args.index("--data-binary") + 1] == '{"indices": "orders"}'
    assert "Content-Type: application/json" in args and "--fail-with-body" in args
    assert args[-1] == environment["SEARCH_ENDPOINT"] + "/_snapshot/cs-automated/snap-1/_restore"
