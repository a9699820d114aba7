"""Generated stacks conform: every example in every environment, and version 1's defects.

The defect tests read the generated program's recorded resources directly (not through
the conformance checker), so they fail on version 1's output, where the internal load
balancer was autonamed ``internal-alb-*``, non-production databases had a storage
ceiling equal to their allocation, and 31-character names overflowed target groups and
ElastiCache replication group ids.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

import shipspec
from shipspec.cli import app
from shipspec.preview.conformance import check_resources
from shipspec.preview.conformance.naming import physical_name

ALB = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
RDS = "aws:rds/instance:Instance"
MAX_NAME = "n" * 23 + "-max-len"  # 31 characters, the spec's longest name


def test_every_example_conforms_in_every_environment(generated) -> None:  # type: ignore[no-untyped-def]
    found = {
        (name, env): [str(v) for v in check_resources(generated.preview(name, env).resources)]
        for name, env in generated.stacks()
    }
    assert len(found) >= 9
    assert {k: v for k, v in found.items() if v} == {}


def test_no_load_balancer_name_begins_with_internal(generated) -> None:  # type: ignore[no-untyped-def]
    albs = generated.preview("full", "main").of_type(ALB)
    assert len(albs) == 3  # the public and internal ALBs, and ingest's NLB
    for alb in albs:
        name = alb.inputs.get("name") or alb.name  # the autoname begins with the logical name
        assert not name.startswith("internal-"), alb.name


def test_non_production_databases_have_no_storage_ceiling_at_the_allocation(generated) -> None:  # type: ignore[no-untyped-def]
    for env in ("dev", "staging"):
        instances = generated.preview("full", env).of_type(RDS)
        assert instances
        for db in instances:
            ceiling, allocated = db.inputs["maxAllocatedStorage"], db.inputs["allocatedStorage"]
            assert ceiling == 0 or ceiling > allocated, (env, db.name, ceiling, allocated)
    for db in generated.preview("full", "main").of_type(RDS):
        assert db.inputs["maxAllocatedStorage"] > db.inputs["allocatedStorage"]


def test_names_at_the_spec_maximum_fit_target_groups_and_replication_groups(tmp_path: Path) -> None:
    spec = tmp_path / "handoff.yaml"
    spec.write_text(
        "apiVersion: shipspec/v1\nkind: Handoff\n"
        "metadata: {name: shop, owner: team}\ncloud: {region: eu-west-1}\n"
        "environments: {prod: {production: true}}\n"
        f"services:\n  {MAX_NAME}: "
        f"{{type: web, image: x/y:1, port: 8080, uses: [{MAX_NAME[:-1]}c]}}\n"
        f"datastores:\n  {MAX_NAME[:-1]}c: {{engine: redis}}\n"
        "delivery: {strategy: blue-green}\n"
    )
    out = tmp_path / "out"
    shipspec.generate(shipspec.plan(shipspec.load(spec)), out)
    preview = shipspec.preview(out, "prod")
    groups = preview.of_type(TARGET_GROUP)
    assert len(groups) == 2  # blue-green: the primary and the alternate
    for tg in groups:
        assert len(tg.name) + 8 <= 32, tg.name  # <logical>-<7 random> within 32
        assert tg.name.startswith(MAX_NAME[:8])  # still readable
    assert len({tg.name for tg in groups}) == 2
    (group,) = preview.of_type(REPLICATION_GROUP)
    assert len(group.name) + 8 <= 40, group.name


def test_ecs_cluster_and_services_carry_app_and_environment(generated) -> None:  # type: ignore[no-untyped-def]
    from shipspec.render.grafana import dashboard

    preview = generated.preview("full", "main")
    (cluster,) = preview.of_type("aws:ecs/cluster:Cluster")
    assert cluster.inputs["name"] == "atlas-main"
    services = {s.inputs["name"] for s in preview.of_type("aws:ecs/service:Service")}
    assert services == {
        "atlas-main-api",
        "atlas-main-docs",
        "atlas-main-ingest",
        "atlas-main-admin",
        "atlas-main-indexer",
    }
    board = dashboard(generated.model("full"))
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["cluster"]["current"]["value"] == cluster.inputs["name"]
    assert set(variables["service"]["current"]["value"]) == services
    program = (generated.out_dir("full") / "infra" / "__main__.py").read_text()
    assert 'pulumi.export("cluster_name", cluster.name)' in program
    assert '"indexer": indexer.service_name' in program


def test_physical_names_resolve_autonames_and_explicit_names(generated) -> None:  # type: ignore[no-untyped-def]
    preview = generated.preview("full", "main")
    (cluster,) = preview.of_type("aws:ecs/cluster:Cluster")
    assert physical_name(cluster, "name").value == "atlas-main"  # type: ignore[union-attr]
    tg = preview.of_type(TARGET_GROUP)[0]
    name = physical_name(tg, "name")
    assert name is not None and name.autonamed and name.shown().endswith("<7 random chars>")


def test_preview_and_check_exit_1_on_a_violation(generated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "repo"
    shutil.copytree(generated.out_dir("minimal"), out)
    web = out / "infra" / "components" / "web_service.py"
    web.write_text(web.read_text().replace("interval=15,", "interval=4,"))
    runner = CliRunner()
    for command in ("preview", "check"):
        result = runner.invoke(app, [command, str(out)])
        assert result.exit_code == 1, (command, result.output)
        assert "healthCheck.interval = 4" in result.stderr
        assert "rule lb.target-group.health-interval" in result.stderr
        assert "botocore elbv2 CreateTargetGroup" in result.stderr
        assert "Traceback" not in result.output
