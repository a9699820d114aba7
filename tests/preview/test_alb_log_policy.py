"""The load balancer's access-log bucket policy across the release that granted the region's
ELB account: an existing stack in an older region (sa-east-1) gets the new policy document
in place.

The "deployed" stack is the generated program with the ELB account table emptied (what the
previous release granted: the log delivery service principal alone), previewed once; the
real program, previewed against that remembered state, must change only the policy's
document. terraform-provider-aws's ``aws_s3_bucket_policy`` forces a new resource only on
``bucket`` (``policy`` is a PutBucketPolicy update), so the same URN with the same bucket is
an update, never a replacement, and the bucket and the load balancer stay as they are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from shipspec.cli import app

SPEC = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: logs, owner: team-logs}
cloud: {region: sa-east-1}
environments:
  prod: {}
services:
  web: {type: web, image: ghcr.io/example/web:1.0, port: 8080}
"""
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
SERVICE_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com"
SAO_PAULO_ELB = "arn:aws:iam::507241528517:root"

runner = CliRunner()


def _generate(out: Path) -> None:
    (out / "handoff.yaml").write_text(SPEC)
    result = runner.invoke(app, ["generate", str(out / "handoff.yaml"), "-o", str(out), "--force"])
    assert result.exit_code == 0, result.output


def _preview(out: Path) -> dict[str, Any]:
    result = runner.invoke(app, ["preview", str(out), "--json"])
    assert result.exit_code == 0, result.output
    start = result.stdout.index("{")
    body, _ = json.JSONDecoder().raw_decode(result.stdout[start:])
    return body  # type: ignore[no-any-return]


def _log_policy(body: dict[str, Any]) -> dict[str, Any]:
    (policy,) = [
        r
        for r in body["resources"]
        if r["type"] == POLICY and r["name"].endswith("-access-logs-policy")
    ]
    return policy  # type: ignore[no-any-return]


def _writers(policy: dict[str, Any]) -> Any:
    document = policy["inputs"]["policy"]
    document = json.loads(document) if isinstance(document, str) else document
    (allow,) = [s for s in document["Statement"] if s["Effect"] == "Allow"]
    return allow["Principal"]


def test_an_existing_stack_updates_the_log_bucket_policy_in_place(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    _generate(out)
    component = out / "infra" / "components" / "load_balancer.py"
    text = component.read_text()
    marker = "account = ELB_LOG_ACCOUNTS.get(region)"
    assert marker in text
    component.write_text(text.replace(marker, "account = None"))  # the previous release
    before = _log_policy(_preview(out))
    assert _writers(before) == {"Service": SERVICE_PRINCIPAL}

    _generate(out)  # this release's program, against the remembered state
    body = _preview(out)
    after = _log_policy(body)
    assert _writers(after) == {"Service": SERVICE_PRINCIPAL, "AWS": SAO_PAULO_ELB}
    assert after["urn"] == before["urn"] and after["change"] == "update"
    assert after["inputs"]["bucket"] == before["inputs"]["bucket"]  # the only ForceNew input
    changed = {r["name"]: r["change"] for r in body["resources"] if r["change"] != "same"}
    assert changed == {after["name"]: "update"}
    assert body["dataLoss"] == []
