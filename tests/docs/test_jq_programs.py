"""Every jq program the generated docs tell an operator to run compiles under the real jq
and finds its value in a stack-output JSON shaped like the stack's.

A name with a hyphen (``.settlement-instruction-gateway``) is a jq compile error, and the
runbook's "Before you start" block feeds every later command: the programs are extracted
from the rendered text and run, not pattern-matched.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import shipspec
from shipspec.plan.model import DeploymentModel
from shipspec.render.renderer import render
from tests.conftest import EXAMPLES, example_names

SPECS = Path(__file__).parent / "specs"
# `jq -r '<program>'` or `jq -r <program>` (a bare program ends at a space, `)` or backtick).
JQ = re.compile(r"\bjq -r (?:'(?P<quoted>[^']*)'|(?P<bare>[^\s)`']+))")


def sources() -> list[tuple[str, Path]]:
    found = [(name, EXAMPLES / f"{name}.yaml") for name in example_names()]
    return found + [(p.stem, p) for p in sorted(SPECS.glob("*.yaml"))]


def stack_outputs(model: DeploymentModel) -> dict[str, object]:
    """What ``pulumi stack output --json`` and the CLI calls the docs pipe into jq give:
    every service, datastore and secret by name, and an SQS redrive policy."""
    env = model.production
    outputs: dict[str, object] = {s.name: f"{s.name}-1a2b3c" for s in env.services}
    outputs |= {d.name: f"{d.name}-1a2b3c.example.internal" for d in env.datastores}
    outputs |= {
        s.name: f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:{s.name}"
        for s in env.secrets
    }
    outputs["deadLetterTargetArn"] = "arn:aws:sqs:eu-west-1:123456789012:dlq"
    # `pulumi stack output static_sites --json`: an object per site.
    outputs |= {
        site.name: {"bucket": f"{site.name}-site-1a2b3c", "distribution_id": "E2QWRUHAPOMQZL"}
        for site in env.static_sites
    }
    # `pulumi stack output certificates --json` and `volumes --json`: by load balancer / volume.
    outputs |= {
        lb.name: f"arn:aws:acm:eu-west-1:123456789012:certificate/{lb.name}"
        for lb in env.load_balancers
    }
    outputs |= {v.name: "fs-0123456789abcdef0" for v in env.volumes}
    # `pulumi stack output db_admin --json | jq -c '.["db"]'`, then read: one task's names.
    outputs |= {
        "task_definition": "shop-prod-db-admin",
        "security_group": "sg-0123456789abcdef0",
        "subnets": "subnet-0a,subnet-0b",
        "log_group": "/ecs/shop/prod/db-admin",
    }
    return outputs


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is installed by scripts/bootstrap")
@pytest.mark.parametrize(("name", "spec"), sources(), ids=[n for n, _ in sources()])
def test_every_jq_program_in_the_docs_compiles_and_finds_its_value(name: str, spec: Path) -> None:
    model = shipspec.plan(shipspec.load(spec), spec_file=spec.name)
    sample = json.dumps(stack_outputs(model))
    programs = {
        m["quoted"] if m["quoted"] is not None else m["bare"]
        for path, text in render(model, only=["docs"])
        if path.endswith(".md")
        for m in JQ.finditer(text)
    }
    assert programs, name
    for program in sorted(programs):
        result = subprocess.run(
            ["jq", "-r", program], input=sample, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{program}: {result.stderr}"
        assert result.stdout.strip() not in ("", "null"), program
