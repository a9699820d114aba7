"""A local moto server and a 'deployed' full example: the AWS side of a stack after `pulumi up`.

moto plays AWS (Secrets Manager, ECS, CloudWatch, CloudWatch Logs); the stack's outputs,
which the real Pulumi CLI would print, come from a fake ``pulumi`` on PATH (CLI tests) or
are passed in directly (library tests).
"""

from __future__ import annotations

import json
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REGION = "eu-central-1"  # the full example's region
SECRETS = ("GHCR_PULL", "JWT_SIGNING_KEY", "STRIPE_KEY")  # the full example's, sorted


def client(service: str) -> Any:
    import boto3

    return boto3.client(service, region_name=REGION)


@dataclass
class Deployed:
    """What `pulumi up` of the full example's ``dev`` stack left in (moto's) AWS."""

    out_dir: Path
    env: str
    outputs: dict[str, Any]

    def fake_outputs(self, infra: Path, stack: str) -> dict[str, Any]:
        assert infra == self.out_dir / "infra" and stack == self.env
        return self.outputs


@pytest.fixture
def deployed(aws: str, generated: Any) -> Deployed:
    out_dir = generated.out_dir("full")
    env = "dev"
    secrets = {
        name: client("secretsmanager").create_secret(Name=f"{name}-secret-1a2b3c")["ARN"]
        for name in SECRETS
    }
    ecs = client("ecs")
    cluster = ecs.create_cluster(clusterName="atlas-dev-cluster-9f8e")["cluster"]["clusterName"]
    names = {}
    for service in ("api", "docs", "ingest", "admin", "indexer"):
        task = ecs.register_task_definition(
            family=f"atlas-dev-{service}",
            containerDefinitions=[{"name": service, "image": f"img/{service}:1", "memory": 512}],
        )["taskDefinition"]["taskDefinitionArn"]
        names[service] = ecs.create_service(
            cluster=cluster, serviceName=f"atlas-dev-{service}", taskDefinition=task, desiredCount=1
        )["service"]["serviceName"]
    logs = client("logs")
    group = "/ecs/atlas/dev/api"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="ecs/api/abc")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="ecs/api/abc",
        logEvents=[
            {"timestamp": now - 3_600_000, "message": "an hour ago"},
            {"timestamp": now - 60_000, "message": "GET /healthz 200"},
            {"timestamp": now - 30_000, "message": "GET /orders 500"},
        ],
    )
    outputs = {
        "cluster_name": cluster,
        "service_names": names,
        "secret_arns": secrets,
        "urls": {
            "api": "https://api.dev.example.com",
            "docs": "https://api.dev.example.com/docs",
            "ingest": "tcp://ingest-nlb-1a2b.elb.eu-central-1.amazonaws.com:6514",
            "admin": "http://internal-admin",
        },
        "images": {
            s: f"img/{s}:1" for s in ("api", "docs", "ingest", "admin", "indexer", "reports")
        },
    }
    return Deployed(out_dir, env, outputs)


@pytest.fixture
def pulumi_outputs_on_path(
    deployed: Deployed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A ``pulumi`` that answers ``stack output --json --stack dev`` like the real CLI."""
    folder = tmp_path / "bin"
    folder.mkdir()
    answer = tmp_path / "outputs.json"
    answer.write_text(json.dumps(deployed.outputs))
    script = folder / "pulumi"
    script.write_text(
        "#!/bin/sh\n"
        f'[ "$*" = "stack output --json --stack {deployed.env}" ] && cat {answer} && exit 0\n'
        'echo "error: no stack named $5" >&2; exit 255\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return script
