"""What the program comment, the handoff and the compliance page claim, against the preview.

A blind review found the compliance page saying "n/a" for bucket rules of stacks full of
buckets, the program saying the data key encrypts the cache while the Memcached cache
cannot be encrypted at rest, and the packs passing that cache under PCI DSS with
restricted data. Each claim here is compared with the resources the generated program
registers under the mocks, for every example and for a PCI spec with Memcached and a
static site.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

import shipspec
from shipspec.errors import SpecError
from shipspec.plan.key_uses import key_uses
from shipspec.policy import builtin_packs
from shipspec.policy.check import check
from shipspec.policy.static import static_statuses
from tests.conftest import example_names

SPEC = Path(__file__).parent / "specs" / "pci-memcached.yaml"
KMS_ARN = re.compile(r"^arn:aws:kms:[^:]+:\d+:key/[0-9a-f-]+$")
MEMCACHED_RULES = {
    "pci-dss/memcached-holds-no-sensitive-data",
    "pci-dss/memcached-unauthenticated-holds-no-sensitive-data",
}


def _generate(root: Path, spec_text: str) -> Path:
    out = root / "pay"
    shutil.rmtree(out, ignore_errors=True)
    (out / "site").mkdir(parents=True)
    (out / "site" / "index.html").write_text("<h1>pay</h1>\n")
    (out / "handoff.yaml").write_text(spec_text)
    model = shipspec.plan(shipspec.load(out / "handoff.yaml"), spec_file="handoff.yaml")
    shipspec.generate(model, out)
    return out


@pytest.fixture(scope="module")
def pci(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("pci"), SPEC.read_text())


def _stacks() -> list[tuple[str, str]]:
    from tests.conftest import EXAMPLES

    return [
        (name, env)
        for name in example_names()
        for env in shipspec.load(EXAMPLES / f"{name}.yaml").environments
    ]


# ---------------------------------------------------------------- the data key's claim

# The part of its owner a resource's key input encrypts (plan/key_uses.py's vocabulary).
_PARTS = {
    "aws:rds/instance:Instance": "storage",  # storage, snapshots, Performance Insights
    "aws:docdb/cluster:Cluster": "storage",
    "aws:elasticache/replicationGroup:ReplicationGroup": "storage",
    "aws:opensearch/domain:Domain": "storage",
    "aws:s3/bucketServerSideEncryptionConfiguration:"
    "BucketServerSideEncryptionConfiguration": "storage",
    "aws:sqs/queue:Queue": "storage",
    "aws:efs/fileSystem:FileSystem": "storage",
    "aws:amp/workspace:Workspace": "storage",
    "aws:backup/vault:Vault": "backups",
    "aws:secretsmanager/secret:Secret": "secret",
    "aws:cloudwatch/logGroup:LogGroup": "logs",
}
_SECRET_INPUTS = {"masterUserSecretKmsKeyId"}  # RDS's own master secret


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, path)
    elif isinstance(value, str):
        yield path, value


def _owner(resource: Any, by_urn: dict[str, Any]) -> str:
    """The top-level component holding ``resource`` (a datastore, service, secret...)."""
    while resource.parent in by_urn:
        resource = by_urn[resource.parent]
    return str(resource.name)


def _encrypted_with_data_key(resources: list[Any]) -> set[tuple[str, str]]:
    """``(owner, part)`` of every resource with a KMS input that is the data key's ARN."""
    (key,) = [r for r in resources if r.type == "aws:kms/key:Key" and r.name == "data-key"]
    # The key's ARN: the one KMS ARN among the inputs of the resources that depend on it.
    arns = {
        value
        for r in resources
        if key.urn in r.dependencies
        for _, value in _strings(r.inputs)
        if KMS_ARN.match(value)
    }
    assert len(arns) == 1, arns
    (arn,) = arns
    by_urn = {r.urn: r for r in resources}
    found = set()
    for r in resources:
        for field, value in _strings(r.inputs):
            if value == arn:
                assert r.type in _PARTS, f"{r.type} {r.name} uses the key: classify it"
                part = "secret" if field in _SECRET_INPUTS else _PARTS[r.type]
                found.add((_owner(r, by_urn), part))
    return found


def _claimed(env: Any) -> set[tuple[str, str]]:
    return {(use.owner, part) for use in key_uses(env) for part in use.parts}


@pytest.mark.parametrize(("example", "env"), _stacks())
def test_the_data_key_encrypts_exactly_what_the_plan_claims(
    generated: Any, example: str, env: str
) -> None:
    plan = generated.model(example).environment(env)
    resources = list(generated.preview(example, env).resources)
    if not plan.customer_managed_key:
        assert not key_uses(plan)
        assert not [r for r in resources if r.name == "data-key"]
        return
    assert _encrypted_with_data_key(resources) == _claimed(plan)


def test_the_pci_stack_key_claim_and_its_gaps(pci: Path) -> None:
    from shipspec.model_io import read_model
    from shipspec.plan.key_uses import key_gaps
    from shipspec.preview.service import run_preview

    model = read_model(pci)
    for env in model.environments:
        resources = list(run_preview(pci, env.name, remember=False).resources)
        assert _encrypted_with_data_key(resources) == _claimed(env)
        # Neither the cache nor the site's bucket, nor the ALB log bucket, uses the key...
        gaps = {(g.owner, g.what) for g in key_gaps(env)}
        assert ("sessions", "Memcached caches") in gaps
        assert ("site", "static sites' content buckets") in gaps
        assert ("public", "load balancers' access-log buckets") in gaps
        site = [
            r
            for r in resources
            if r.type.endswith("BucketServerSideEncryptionConfiguration")
            and r.name in {"site-encryption", "public-access-logs-encryption"}
        ]
        assert len(site) == 2
        for encryption in site:
            (rule,) = encryption.inputs["rules"]
            assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    # ...and the program's comment, the handoff and the compliance page say so.
    program = (pci / "infra" / "__main__.py").read_text()
    handoff = (pci / "docs" / "operations" / "handoff.md").read_text()
    page = (pci / "docs" / "operations" / "compliance.md").read_text()
    for text in (program, handoff, page):
        assert "Memcached caches (sessions)" in text
        assert "cache, buckets" not in text


# ---------------------------------------------------------------- the compliance page


def _page_rows_match(model: Any, env_name: str, resources: list[Any]) -> None:
    packs = builtin_packs(["baseline", *model.compliance])
    env_index = [e.name for e in model.environments].index(env_name)
    env = model.environments[env_index]
    for status in static_statuses(model, packs):
        rule = status.rule
        if rule.model is not None:
            continue
        shown = status.statuses[env_index][1]
        exists = any(fnmatchcase(r.type, g) for r in resources for g in rule.resources)
        if shown != "n/a":
            assert exists, f"{rule.qualified_id}: {shown} in {env_name}, but nothing it checks"
        elif exists:
            # Only an environment condition (production, a domain) rules out a rule on
            # resources that exist.
            assert "environment" in rule.when, f"{rule.qualified_id}: n/a in {env.name}"


@pytest.mark.parametrize(("example", "env"), _stacks())
def test_compliance_page_rows_name_what_the_stack_creates(
    generated: Any, example: str, env: str
) -> None:
    resources = list(generated.preview(example, env).resources)
    _page_rows_match(generated.model(example), env, resources)


def test_compliance_page_rows_of_a_stack_whose_buckets_are_sites_and_logs(pci: Path) -> None:
    from shipspec.model_io import read_model
    from shipspec.preview.service import run_preview

    model = read_model(pci)
    assert not [d for d in model.environments[0].datastores if d.engine == "s3"]
    for env in model.environments:
        resources = list(run_preview(pci, env.name, remember=False).resources)
        _page_rows_match(model, env.name, resources)
    page = (pci / "docs" / "operations" / "compliance.md").read_text()
    row = next(line for line in page.splitlines() if "`pci-dss/bucket-encrypted`" in line)
    assert row.endswith("| check | check |")


# ---------------------------------------------------------------- Memcached and the packs


def _memcached_findings(out: Path) -> tuple[set[str], bool]:
    packs = builtin_packs(["baseline", "pci-dss"])
    (report,) = check(out, "prod", packs=packs, use_cache=False)
    found = {f"{v.pack}/{v.rule_id}" for v in report.violations}
    return found & MEMCACHED_RULES, report.passed


def test_pci_flags_memcached_holding_restricted_data(pci: Path) -> None:
    found, passed = _memcached_findings(pci)
    assert found == MEMCACHED_RULES and not passed


def test_pci_passes_memcached_declared_to_hold_internal_data(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    text = SPEC.read_text().replace(
        "sessions: {engine: memcached}",
        "sessions: {engine: memcached, data_classification: internal}",
    )
    out = _generate(tmp_path_factory.mktemp("pci-internal"), text)
    found, passed = _memcached_findings(out)
    assert found == set() and passed


def test_a_datastore_cannot_claim_more_sensitive_data_than_the_spec() -> None:
    text = SPEC.read_text().replace(
        "data_classification: restricted", "data_classification: confidential"
    )
    text = text.replace(
        "sessions: {engine: memcached}",
        "sessions: {engine: memcached, data_classification: restricted}",
    )
    with pytest.raises(SpecError) as raised:
        shipspec.loads(text, "handoff.yaml")
    [problem] = raised.value.diagnostics
    assert (problem.path, problem.code) == (
        "datastores.sessions.data_classification",
        "classification-above-spec",
    )
    assert problem.line == 20 and "public, internal, confidential" in problem.hint


def test_data_classification_is_memcached_only() -> None:
    text = SPEC.read_text().replace(
        "sessions: {engine: memcached}", "sessions: {engine: redis, data_classification: public}"
    )
    with pytest.raises(SpecError) as raised:
        shipspec.loads(text, "handoff.yaml")
    [problem] = raised.value.diagnostics
    assert problem.path == "datastores.sessions.data_classification"
    assert "does not apply to engine redis" in problem.message
