"""Every runbook section an alarm links to acts on the alarm's own service, queue or
datastore: its first block sets the generic variables (``SERVICE``, ``QUEUE_URL``...) from the
variables "Before you start" derives per service and datastore, and its commands read only
those generic ones.

The check runs what an operator would: "Before you start" with every stack output faked
(each service's ECS name is ``<name>-ecs``, each datastore's ``<name>-id``), then the section's
line for the alarm's target, then every ``--service``/``--services``/``--queue-url``... value
of the section's commands, expanded by bash. A runbook whose queue-backlog page scales
another worker, or whose no-tasks page describes the web API, fails here.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

import shipspec
from shipspec.plan.model import DeploymentModel
from shipspec.render.renderer import render
from tests.conftest import EXAMPLES, example_names

SPECS = Path(__file__).parent / "specs"
SOURCES = [(n, EXAMPLES / f"{n}.yaml") for n in example_names()] + [
    ("hold-desk", SPECS / "hold-desk.yaml")
]
# The options whose value names what the alarm is about.
OPTIONS = {
    "--service",
    "--services",
    "--service-name",
    "--queue-url",
    "--db-instance-identifier",
    "--db-cluster-identifier",
    "--replication-group-id",
    "--cache-cluster-id",
    "--domain-name",
    "--broker-id",
}
# The generic variable a datastore's commands use, by engine.
GENERIC = {
    "sqs": "QUEUE_URL",
    "postgres": "DB_ID",
    "mysql": "DB_ID",
    "mariadb": "DB_ID",
    "sqlserver": "SQLSERVER_ID",
    "redis": "CACHE_ID",
    "memcached": "MEMCACHED_ID",
    "opensearch": "SEARCH_DOMAIN",
    "mongodb": "DOCDB_ID",
    "rabbitmq": "BROKER_ID",
}
SETUP = re.compile(r"First, for the alarm's [^\n]*:\n```sh\n(?P<lines>.*?)```", re.S)


def runbook(spec: Path) -> tuple[DeploymentModel, str]:
    model = shipspec.plan(shipspec.load(spec), spec_file=spec.name)
    text = dict(render(model, only=["docs"]))["docs/operations/runbook.md"]
    return model, text


def fake_outputs(before: str) -> str:
    """ "Before you start" with `pulumi stack output ... | jq -r '.["x"]'` replaced by x's fake."""
    lines = []
    for line in before.splitlines():
        m = re.match(r"([A-Z_]+)=\$\(pulumi stack output (\w+) .*?\.\[\"([a-z0-9-]+)\"\]", line)
        if m:
            fake = f"{m[3]}-ecs" if m[2] == "service_names" else f"{m[3]}-id"
            lines.append(f"{m[1]}={fake}")
    return "\n".join(lines)


def section_of(text: str, anchor: str) -> str:
    return text.split(f'<a id="{anchor}"></a>', 1)[1].split("\n## ", 1)[0].split("<a id=", 1)[0]


def expand(script: str, words: list[str]) -> list[str]:
    body = script + "\n" + "".join(f"printf '%s\\n' {w}\n" for w in words)
    run = subprocess.run(["bash", "-c", body], capture_output=True, text=True, check=True)
    return run.stdout.splitlines()


def targets(model: DeploymentModel) -> dict[tuple[str, str], set[str]]:
    """(anchor, target) of every alarm that watches a service or datastore."""
    found: dict[tuple[str, str], set[str]] = {}
    for env_alarms in model.monitoring.alarms.values():
        for alarm in [*env_alarms.alarms, *env_alarms.composites]:
            anchor = alarm.runbook.partition("#")[2]
            if anchor.startswith("alarm-") and alarm.target.split(":")[0] in (
                "service",
                "datastore",
            ):
                found.setdefault((anchor, alarm.target), set()).add(alarm.name)
    return found


@pytest.mark.parametrize(("name", "spec"), SOURCES, ids=[n for n, _ in SOURCES])
def test_every_alarm_section_acts_on_the_alarm_s_own_service(name: str, spec: Path) -> None:
    model, text = runbook(spec)
    before = text.split("## Before you start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    outputs = fake_outputs(before)
    env = model.production
    checked = 0
    for (anchor, target), alarms in sorted(targets(model).items()):
        kind, _, what = target.partition(":")
        section = section_of(text, anchor)
        # The commands read only generic variables: no service's own, no `$WORKER`.
        commands = SETUP.sub("", section)
        own = set(re.findall(r"\$\{?([A-Z0-9_]+_(?:SERVICE|URL|ID|DOMAIN))\b", commands))
        assert not own - {
            "QUEUE_URL",
            "DB_ID",
            "SQLSERVER_ID",
            "CACHE_ID",
            "MEMCACHED_ID",
            "SEARCH_DOMAIN",
            "DOCDB_ID",
            "BROKER_ID",
        }, (name, anchor)
        assert "$WORKER" not in commands, (name, anchor)
        values = [
            (option, value)
            for option, value in re.findall(
                r"(--[a-z-]+)[ =](\"\$\{?[A-Z_]+\}?\"|\$[A-Z_]+)", commands
            )
            if option in OPTIONS
        ]
        if not values:
            continue
        if kind == "service":
            wanted = {"SERVICE": {f"{what}-ecs"}}
            scaling = env.service(what).queue_scaling
            if scaling is not None:
                wanted["QUEUE_URL"] = {f"{scaling.queue}-id"}
        else:
            store = next(d for d in env.datastores if d.name == what)
            if store.engine not in GENERIC:
                continue  # no command of the section names it
            wanted = {GENERIC[store.engine]: {f"{what}-id"}}
            if store.engine == "sqs":
                wanted["SERVICE"] = {
                    f"{s.name}-ecs"
                    for s in env.services
                    if any(u.datastore == what and "consume" in (u.access or "") for u in s.uses)
                }
        used = [(o, v) for o, v in values if v.strip('"${}') in wanted]
        if not used:
            continue
        setup = SETUP.search(section)
        assert setup, (name, anchor)
        # The alarm names its target: the lines whose comment starts with that name.
        mine = [
            line.split("   # ")[0]
            for line in setup["lines"].splitlines()
            if line.split("   # ")[1].split(",")[0] == what
        ]
        assert mine, (name, anchor, target, sorted(alarms))
        for line in mine:
            for option, value in used:
                got = expand(outputs + "\n" + line, [value])
                assert got[0] in wanted[value.strip('"${}')], (name, anchor, target, option, got)
                checked += 1
    assert checked, name


def test_the_queue_backlog_page_scales_the_queue_s_consumer() -> None:
    """The review's case: the gRPC worker comes first among the workers, yet the queue's
    pages and the consumer's CPU section act on hold-fulfilment-worker and its queue."""
    model, text = runbook(SPECS / "hold-desk.yaml")
    outputs = fake_outputs(text.split("## Before you start", 1)[1].split("```", 2)[1])
    for anchor in ("alarm-oldest-message", "alarm-cpu", "alarm-no-tasks", "alarm-running-tasks"):
        section = section_of(text, anchor)
        line = next(
            row.split("   # ")[0]
            for row in SETUP.search(section)["lines"].splitlines()  # type: ignore[index]
            if "hold-fulfilment-worker" in row or "consumed by" in row
        )
        service = expand(outputs + "\n" + line, ['"$SERVICE"'])[0]
        assert service == "hold-fulfilment-worker-ecs", anchor
        assert "update-service" not in section or '--service "$SERVICE"' in section
    scaling = text.split("## Scaling", 1)[1].split("\n## ", 1)[0]
    words = shlex.split(
        next(line for line in scaling.splitlines() if "HOLD_FULFILMENT_WORKER" in line)
    )
    worker = model.production.service("hold-fulfilment-worker")
    assert (
        words[words.index("--resource-id") + 1]
        == "service/$CLUSTER/$HOLD_FULFILMENT_WORKER_SERVICE"
    )
    assert words[words.index("--min-capacity") + 1] == str(worker.min_count)
    assert words[words.index("--max-capacity") + 1] == str(worker.max_count) == "12"
    assert "backlog of hold-requests-queue" in scaling


def test_a_spot_only_worker_out_of_capacity_moves_to_on_demand_now() -> None:
    """full's indexer (`spot: true`) runs on Fargate Spot alone, in production too: its
    queue's section (and no-tasks, where it has one) switch it to on-demand Fargate by hand
    and say `pulumi up` reverts that; api, on-demand in production, is named only for its
    Spot environments."""
    model, text = runbook(EXAMPLES / "full.yaml")
    indexer = model.production.service("indexer").container.capacity_providers
    assert [p.capacity_provider for p in indexer or []] == ["FARGATE_SPOT"]
    assert model.production.service("api").container.capacity_providers is None
    command = (
        'aws ecs update-service --cluster "$CLUSTER" --service "$SERVICE" '
        "--capacity-provider-strategy capacityProvider=FARGATE,weight=1 --force-new-deployment"
    )
    for anchor in ("alarm-no-tasks", "alarm-oldest-message"):
        section = section_of(text, anchor)
        assert command in section, anchor
        assert "the next `pulumi up` puts it back on Spot" in section
        assert "`spot: false` on the service in the handoff" in section
    backlog = section_of(text, "alarm-oldest-message")
    assert "(indexer in dev, staging, main run on Fargate Spot alone" in backlog
    assert "api in dev, staging;" in section_of(text, "alarm-running-tasks")
    # api, public, pages through its service-down composite when half its tasks are missing.
    assert "api in dev, staging;" in section_of(text, "alarm-tasks-missing-share")
