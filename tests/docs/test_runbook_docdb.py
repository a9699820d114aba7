"""The DocumentDB sections' "which instance" commands ask CloudWatch per instance.

DocumentDB publishes an instance's figures under ``DBInstanceIdentifier``;
``DBClusterIdentifier`` alone is the cluster's aggregate (DocumentDB Developer Guide,
"Amazon DocumentDB dimensions"), which cannot say which instance is hot. The commands list
the cluster's members and loop over them: run here in bash with a fake ``aws`` that answers
``describe-db-clusters`` with three members and records each ``get-metric-statistics``.
Every ``aws`` command of the spec's docs also passes the botocore check.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from shipspec.render.renderer import render
from tests.docs.aws_cli import commands, problems
from tests.docs.test_runbook_services import SETUP, fake_outputs, runbook, section_of

SPEC = Path(__file__).parent / "specs" / "meter-cache.yaml"
MEMBERS = ["meter-history-1", "meter-history-2", "meter-history-3"]
FAKE_AWS = r"""
aws() {
  case "$1 $2" in
    "docdb describe-db-clusters")
      [ "$4" = "$EXPECTED_CLUSTER" ] || { echo "wrong cluster: $4" >&2; return 1; }
      echo "MEMBERS_LINE" ;;
    "cloudwatch get-metric-statistics")
      shift 2
      while [ $# -gt 0 ]; do
        case "$1" in --metric-name) echo "metric $2" >&2 ;; --dimensions) echo "dims $2" >&2 ;; esac
        shift
      done ;;
    *) echo "unexpected: $*" >&2; return 1 ;;
  esac
}
""".replace("MEMBERS_LINE", "\t".join(MEMBERS))


@pytest.mark.parametrize(
    ("anchor", "metric"),
    [("alarm-cpu", "CPUUtilization"), ("alarm-connections", "DatabaseConnections")],
)
def test_which_instance_is_asked_of_each_instance(anchor: str, metric: str) -> None:
    _, text = runbook(SPEC)
    section = section_of(text, anchor)
    [line] = [
        row.split("   # ")[0]
        for row in SETUP.search(section)["lines"].splitlines()  # type: ignore[index]
        if row.endswith("# meter-history")
    ]
    [loop] = [
        span
        for span in re.findall(r"`([^`\n]+)`", section)
        if span.startswith("for instance in") and f"--metric-name {metric}" in span
    ]
    before = fake_outputs(text.split("## Before you start", 1)[1].split("```", 2)[1])
    script = "\n".join([FAKE_AWS, before, line, "EXPECTED_CLUSTER=meter-history-id", loop])
    run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    asked = [ln for ln in run.stderr.splitlines() if ln.startswith("dims ")]
    assert asked == [f"dims Name=DBInstanceIdentifier,Value={m}" for m in MEMBERS]
    assert run.stdout.split() == MEMBERS  # each instance's figures under its name
    assert "DBClusterIdentifier,Value" not in section


def test_every_aws_command_of_a_memcached_and_documentdb_stack_is_one_the_cli_accepts() -> None:
    import shipspec

    model = shipspec.plan(shipspec.load(SPEC), spec_file=SPEC.name)
    found = [
        command
        for path, body in render(model, only=["docs"])
        if path.endswith(".md")
        for command in commands(body, path)
    ]
    assert any((c.service, c.operation) == ("docdb", "describe-db-clusters") for c in found)
    assert [p for c in found for p in problems(c)] == []
