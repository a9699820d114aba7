"""Day 2: a rename keeps its data, the data-loss guard stops what would lose it.

Each test generates a small stack, previews it once (the remembered state stands in for
the deployed stack), changes the spec and previews again through the CLI, as a user
would. The guard is a pure function too, tested on hand-made recordings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shipspec.cli import app
from shipspec.preview.dataloss import FORCES_REPLACEMENT, find_data_loss
from shipspec.preview.result import PreviewResource
from tests.conftest import EXAMPLES

SPEC = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: keep, owner: team-keep}
cloud: {region: eu-west-1}
environments:
  prod: {}
services:
  app: {type: worker, image: ghcr.io/example/app:1.0, uses: [db, docs]}
datastores:
  db: {engine: postgres, version: "16"}
  docs: {engine: mongodb}
"""
RDS = "aws:rds/instance:Instance"
DOCDB = "aws:docdb/cluster:Cluster"

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def generate(tmp: Path, spec: str) -> Path:
    """The spec inside the output folder, as in a repository."""
    (tmp / "out").mkdir(exist_ok=True)
    path = tmp / "out" / "handoff.yaml"
    path.write_text(spec)
    result = run("generate", str(path), "-o", str(tmp / "out"), "--force")
    assert result.exit_code == 0, result.output
    return tmp / "out"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stack as first generated and previewed (its preview is the 'deployed' state)."""
    tmp = tmp_path_factory.mktemp("keep")
    out = generate(tmp, SPEC)
    first = run("preview", str(out), "--json")
    assert first.exit_code == 0, first.output
    return tmp


def renamed(spec: str, *, keep: bool) -> str:
    marker = "renamed_from: db, " if keep else ""
    return spec.replace("  db: {engine", f"  main: {{{marker}engine").replace(
        "uses: [db, docs]", "uses: [main, docs]"
    )


def preview_json(out: Path, *extra: str):  # type: ignore[no-untyped-def]
    result = run("preview", str(out), "--json", *extra)
    start = result.stdout.index("{")
    body, _ = json.JSONDecoder().raw_decode(result.stdout[start:])
    return result, body


def test_rename_with_renamed_from_keeps_every_resource(deployed: Path, tmp_path: Path) -> None:
    """Every child of the renamed component answers to its old URN: nothing is deleted,
    created or replaced in the database's tree, and its physical identifier is unchanged."""
    out = tmp_path / "out"
    _copy_state(deployed, out)
    generate(tmp_path, renamed(SPEC, keep=True))
    result, body = preview_json(out)
    assert result.exit_code == 0, result.output
    assert body["dataLoss"] == []
    tree = [r for r in body["resources"] if "::shipspec:aws:Database" in r["urn"]]
    database = [r for r in tree if r["type"] == RDS]
    assert len(database) == 1 and len(tree) >= 7
    for r in tree:
        assert r["change"] in ("same", "update"), (r["name"], r["change"])
        assert r["options"]["aliases"], r["name"]
    assert database[0]["options"]["aliases"] == [
        "urn:pulumi:prod::keep::shipspec:aws:Database$aws:rds/instance:Instance::db-db"
    ]
    assert database[0]["inputs"]["identifier"] == "keep-prod-db"
    deleted = [r for r in body["resources"] if r["change"] == "delete"]
    assert all(r["type"] != RDS and not r["name"].startswith("db-d") for r in deleted)


def test_rename_without_renamed_from_exits_5_naming_the_database(
    deployed: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _copy_state(deployed, out)
    generate(tmp_path, renamed(SPEC, keep=False))
    result = run("preview", str(out))
    assert result.exit_code == 5, result.output
    assert f"delete {RDS} db-db (db): db is no longer in the program" in result.stderr
    assert "add `renamed_from: db` to main in the spec" in result.stderr
    assert "--allow-data-loss" in result.stderr
    # Not remembered: asking again still stops, and `check` reports the same (exit 5).
    assert run("preview", str(out)).exit_code == 5
    check = run("check", str(out))
    assert check.exit_code == 5 and "db-db (db)" in check.stderr
    # --allow-data-loss lets it through, and the new state is then the remembered one.
    assert run("check", str(out), "--allow-data-loss").exit_code == 0
    allowed = run("preview", str(out), "--allow-data-loss")
    assert allowed.exit_code == 0, allowed.output
    assert run("preview", str(out)).exit_code == 0


def _variables(body: dict, container: str) -> tuple[set[str], set[str]]:  # type: ignore[type-arg]
    """(environment names, secret names) of ``container``'s definition in the preview."""
    for r in body["resources"]:
        if r["type"] != "aws:ecs/taskDefinition:TaskDefinition":
            continue
        definitions = r["inputs"]["containerDefinitions"]
        if isinstance(definitions, str):
            definitions = json.loads(definitions)
        for c in definitions:
            if c["name"] == container:
                return (
                    {e["name"] for e in c.get("environment", [])},
                    {s["name"] for s in c.get("secrets", [])},
                )
    raise AssertionError(f"no container {container}")


@pytest.mark.parametrize("keep", [True, False])
def test_a_renamed_datastores_users_get_the_former_names_too(tmp_path: Path, keep: bool) -> None:
    """While `renamed_from` is in the spec, a service reading DB_HOST keeps its settings: the
    old prefix's variables come with the new ones, the same values, and the secrets stay
    secrets (the cache's AUTH token); without it, only the new names."""
    spec = (
        renamed(SPEC, keep=keep)
        .replace("uses: [main, docs]", "uses: [main, docs, cache]")
        .replace("  docs: {engine: mongodb}", "  docs: {engine: mongodb}\n  cache: {engine: redis}")
    )
    spec = spec.replace("uses: [main, docs, cache]", "uses: [main, docs, cache], migrate: [./m]")
    if keep:  # the cache renamed too: its password is an ECS secret
        spec = spec.replace("cache: {engine", "cache: {renamed_from: sessions, engine")
    out = generate(tmp_path, spec)
    result, body = preview_json(out)
    assert result.exit_code == 0, result.output
    env, secrets = _variables(body, "app")
    new = {"MAIN_HOST", "MAIN_PORT", "MAIN_NAME", "MAIN_SECRET_ARN", "MAIN_AUTH"}
    assert new <= env and {"DOCS_HOST", "CACHE_HOST"} <= env and "CACHE_PASSWORD" in secrets
    old_env = {f"DB_{v.split('_', 1)[1]}" for v in new} | {"SESSIONS_HOST", "SESSIONS_URL"}
    if keep:
        assert old_env <= env and "SESSIONS_PASSWORD" in secrets
        assert "SESSIONS_PASSWORD" not in env  # a secret stays a secret
        values = {
            e["name"]: e["value"]
            for r in body["resources"]
            if r["type"] == "aws:ecs/taskDefinition:TaskDefinition"
            for c in (
                json.loads(r["inputs"]["containerDefinitions"])
                if isinstance(r["inputs"]["containerDefinitions"], str)
                else r["inputs"]["containerDefinitions"]
            )
            if c["name"] == "app"
            for e in c.get("environment", [])
        }
        assert values["DB_HOST"] == values["MAIN_HOST"] and values["DB_NAME"] == values["MAIN_NAME"]
    else:
        assert not {v for v in env | secrets if v.startswith(("DB_", "SESSIONS_"))}
    # The migration task: the master user under both names while the rename is in the spec.
    _, migration = _variables(body, "app-migrate")
    assert {"MAIN_USERNAME", "MAIN_PASSWORD"} <= migration
    assert ({"DB_USERNAME", "DB_PASSWORD"} <= migration) is keep


def test_production_stateful_resources_are_protected(deployed: Path) -> None:
    _, body = preview_json(deployed / "out")
    by_type = {r["type"]: r for r in body["resources"]}
    assert by_type[RDS]["options"]["protect"] is True
    assert by_type[DOCDB]["options"]["protect"] is True
    assert "protect" not in by_type["aws:ec2/securityGroup:SecurityGroup"]["options"]


def _copy_state(deployed: Path, out: Path) -> None:
    state = deployed / "out" / ".shipspec" / "previews"
    target = out / ".shipspec" / "previews"
    target.mkdir(parents=True, exist_ok=True)
    for f in state.iterdir():
        (target / f.name).write_text(f.read_text())


# -- the guard as a function ---------------------------------------------------------


def _res(urn: str, type_: str, inputs: dict, **options: object) -> PreviewResource:
    return PreviewResource(type_, urn.rsplit("::", 1)[1], urn, None, inputs, [], options=options)


URN = "urn:pulumi:prod::app::aws:rds/instance:Instance::db"


def test_a_changed_replacing_input_is_a_replacement() -> None:
    before = {URN: _res(URN, RDS, {"engine": "postgres", "storageEncrypted": True}).as_dict()}
    after = [_res(URN, RDS, {"engine": "mysql", "storageEncrypted": True})]
    (loss,) = find_data_loss(before, after)
    assert loss.action == "replace"
    assert loss.reason == "engine 'postgres' -> 'mysql' forces a new resource"


def test_updatable_unknown_and_stateless_changes_are_not_losses() -> None:
    before = {URN: _res(URN, RDS, {"instanceClass": "db.t4g.micro", "kmsKeyId": "k"}).as_dict()}
    assert (
        find_data_loss(before, [_res(URN, RDS, {"instanceClass": "db.m7g.large", "kmsKeyId": "k"})])
        == []
    )
    assert find_data_loss(before, [_res(URN, RDS, {"kmsKeyId": "[unknown]"})]) == []
    sg = "urn:pulumi:prod::app::aws:ec2/securityGroup:SecurityGroup::sg"
    assert (
        find_data_loss({sg: _res(sg, "aws:ec2/securityGroup:SecurityGroup", {}).as_dict()}, [])
        == []
    )
    assert find_data_loss(None, []) == []


def test_replace_on_changes_is_honoured() -> None:
    before = {URN: _res(URN, RDS, {"instanceClass": "a"}).as_dict()}
    after = [_res(URN, RDS, {"instanceClass": "b"}, replaceOnChanges=["instanceClass"])]
    assert [loss.action for loss in find_data_loss(before, after)] == ["replace"]


def test_every_stateful_type_token_is_a_pulumi_aws_type() -> None:
    for token in FORCES_REPLACEMENT:
        package, module_type, name = token.split(":")
        assert package == "aws" and module_type.split("/")[1][0].lower() == name[0].lower()


def test_every_forcing_input_is_an_input_of_its_pulumi_type() -> None:
    """The lists are wire names: each must be an argument of the pulumi_aws resource."""
    import importlib
    import inspect
    import re

    for token, inputs in FORCES_REPLACEMENT.items():
        _, module_type, class_name = token.split(":")
        module = importlib.import_module(f"pulumi_aws.{module_type.split('/')[0]}")
        params = inspect.signature(getattr(module, class_name)._internal_init).parameters
        for wire in inputs:
            snake = re.sub(r"(?<!^)(?=[A-Z])", "_", wire).lower()
            assert snake in params, (token, wire)


def test_a_broker_storage_type_is_updatable_but_its_name_is_not() -> None:
    """internal/service/mq/broker.go: storage_type has no ForceNew, broker_name has."""
    mq = "aws:mq/broker:Broker"
    urn = f"urn:pulumi:prod::app::{mq}::broker"
    before = {urn: _res(urn, mq, {"brokerName": "a", "storageType": "efs"}).as_dict()}
    assert find_data_loss(before, [_res(urn, mq, {"brokerName": "a", "storageType": "ebs"})]) == []
    (loss,) = find_data_loss(before, [_res(urn, mq, {"brokerName": "b", "storageType": "efs"})])
    assert loss.action == "replace"


# -- infra/overrides.py: the user's own code ---------------------------------------

OVERRIDES = """\
import pulumi
import pulumi_aws as aws


def _bigger(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    if args.type_ == "aws:ecs/service:Service":
        return pulumi.ResourceTransformResult(
            {**args.props, "tags": {**(args.props.get("tags") or {}), "team": "mine"}},
            pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(protect=True)),
        )
    return None


pulumi.runtime.register_resource_transform(_bigger)


def customize(components):
    aws.s3.Bucket("reports", opts=pulumi.ResourceOptions(parent=components["web"]))
"""


def test_an_edited_overrides_py_survives_generate_and_runs_in_the_preview(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    spec = out / "handoff.yaml"
    spec.write_text(Path(EXAMPLES / "minimal.yaml").read_text())
    first = run("generate", str(spec), "-o", str(out))
    assert first.exit_code == 0 and "+ infra/overrides.py" in first.stdout
    user_file = out / "infra" / "overrides.py"
    assert "def customize(components" in user_file.read_text()
    user_file.write_text(OVERRIDES)
    for extra in ([], ["--force"], ["--check"]):
        again = run("generate", str(spec), "-o", str(out), *extra)
        assert again.exit_code == 0, (extra, again.output)
        assert user_file.read_text() == OVERRIDES, extra
    manifest = json.loads((out / ".shipspec" / "manifest.json").read_text())
    assert "infra/overrides.py" not in manifest["files"]

    result, body = preview_json(out)
    assert result.exit_code == 0, result.output
    by_name = {r["name"]: r for r in body["resources"]}
    reports = by_name["reports"]
    assert reports["type"] == "aws:s3/bucket:Bucket"
    assert reports["parent"] == by_name["web"]["urn"]
    service = next(r for r in body["resources"] if r["type"] == "aws:ecs/service:Service")
    assert service["inputs"]["tags"]["team"] == "mine"
    assert service["options"]["protect"] is True


# -- across the child process and the run cache ------------------------------------------


def test_every_recorded_option_survives_the_pipe_and_the_cache_format() -> None:
    """The child sends, and the cache stores, ``run_to_dict`` as JSON: nothing is dropped."""
    from shipspec.preview.records import RecordedResource, StackRun, run_from_dict, run_to_dict

    resource = RecordedResource(
        type=RDS,
        name="main-db",
        urn="urn:pulumi:prod::keep::shipspec:aws:Database$aws:rds/instance:Instance::main-db",
        parent="urn:pulumi:prod::keep::shipspec:aws:Database::main",
        inputs={"engine": "postgres"},
        dependencies=[],
        ignore_changes=["password"],
        protect=True,
        retain_on_delete=True,
        delete_before_replace=True,
        replace_on_changes=["engine"],
        aliases=["urn:pulumi:prod::keep::shipspec:aws:Database$aws:rds/instance:Instance::db-db"],
    )
    run_ = StackRun("keep", "prod", "urn:s", [resource], {}, [], 0.5)
    assert run_from_dict(json.loads(json.dumps(run_to_dict(run_)))) == run_


def test_a_run_served_from_the_cache_is_still_guarded(
    deployed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard compares after the cache lookup: an unchanged program (cached run) that
    loses data still exits 5, and the aliases of a kept rename come back from the cache."""
    from shipspec.preview import service

    out = tmp_path / "out"
    _copy_state(deployed, out)
    generate(tmp_path, renamed(SPEC, keep=False))
    assert run("preview", str(out)).exit_code == 5  # runs the program and caches the run

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the program ran although its run was cached")

    monkeypatch.setattr(service, "run_stack_isolated", no_run)
    cached = run("preview", str(out))
    assert cached.exit_code == 5, cached.output
    assert f"delete {RDS} db-db (db)" in cached.stderr
    assert run("check", str(out)).exit_code == 5

    monkeypatch.undo()
    generate(tmp_path, renamed(SPEC, keep=True))
    assert run("preview", str(out), "--json").exit_code == 0  # runs and caches
    monkeypatch.setattr(service, "run_stack_isolated", no_run)
    result, body = preview_json(out)
    assert result.exit_code == 0, result.output
    database = next(r for r in body["resources"] if r["type"] == RDS)
    assert database["options"]["protect"] is True
    assert database["options"]["aliases"] == [
        "urn:pulumi:prod::keep::shipspec:aws:Database$aws:rds/instance:Instance::db-db"
    ]


def test_a_redis_cache_becoming_a_store_keeps_its_replication_group() -> None:
    """`cache: false` on day 2 attaches the noeviction parameter group to the existing
    replication group: ModifyReplicationGroup takes CacheParameterGroupName, and the
    provider does not force a new resource on parameter_group_name, so no data is lost."""
    rg = "aws:elasticache/replicationGroup:ReplicationGroup"
    urn = f"urn:pulumi:prod::app::{rg}::cache-cache"
    before = {urn: _res(urn, rg, {"engine": "redis", "port": 6379}).as_dict()}
    after = [_res(urn, rg, {"engine": "redis", "port": 6379, "parameterGroupName": "cache-p"})]
    assert find_data_loss(before, after) == []
