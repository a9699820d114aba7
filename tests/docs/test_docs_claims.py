"""Claims the generated documents make that the program must bear out: how many pages an
outage sends, per-environment numbers in a per-application runbook, a procedure behind every
alarm, the alarms the stack creates, what a rollback undoes, who reaches a TCP service, and
what is encrypted in transit."""

from __future__ import annotations

import ast
import re
from collections import Counter

import pytest

import shipspec
from shipspec.plan.engine_alarms import DOCDB_CLASS_LIMITS
from shipspec.plan.model import DeploymentModel
from shipspec.render.renderer import render
from shipspec.render.targets._docs_runbook import sections
from tests.conftest import EXAMPLES, ROOT, example_names

DOCS = "docs/operations"


def model_of(name: str) -> DeploymentModel:
    return shipspec.plan(shipspec.load(EXAMPLES / f"{name}.yaml"), spec_file=f"{name}.yaml")


_FILES: dict[str, dict[str, str]] = {}


def files_of(name: str) -> dict[str, str]:
    if name not in _FILES:
        _FILES[name] = dict(render(model_of(name)))
    return _FILES[name]


def alarm_section(runbook: str, anchor: str) -> str:
    return runbook.split(f'<a id="{anchor}"></a>', 1)[1].split("<a id=", 1)[0]


# -- 1. one outage, how many pages ---------------------------------------------------------


def _pages_of_total_outage(model: DeploymentModel, env_name: str, service: str) -> list[str]:
    """The alarms that notify the page topic when every task of ``service`` is gone, as
    CloudWatch decides: a composite's actions suppressor mutes only alarms of its own region
    (a composite's rule and suppressor name alarms of the region it is created in), so an
    alarm in another region pages whatever the suppressor's state."""
    alarms = model.monitoring.alarms[env_name]
    target = f"service:{service}"
    firing = [a for a in alarms.alarms if a.target == target and a.pages and a.notify]
    # A total outage fails the down composite and the domain's outside-in check; the burn
    # rates and 5xx composites fire too, but the down composite suppresses them.
    down = [c for c in alarms.composites if c.target == target and c.check == "down" and c.pages]
    pages = [c.name for c in down]
    for alarm in firing:
        if alarm.check != "health-check":
            continue
        same_region = alarm.region in (None, model.region)
        muted = same_region and any(c.name == alarm.name for c in down)
        if not muted:
            pages.append(alarm.name)
    return pages


@pytest.mark.parametrize("name", example_names())
def test_the_docs_say_how_many_pages_a_total_outage_sends(name: str) -> None:
    model = model_of(name)
    files = files_of(name)
    runbook, handoff = files[f"{DOCS}/runbook.md"], files[f"{DOCS}/handoff.md"]
    twice = []
    for env_name, alarms in model.monitoring.alarms.items():
        for down in alarms.composites:
            if down.check == "down" and down.pages:
                service = down.target.partition(":")[2]
                pages = _pages_of_total_outage(model, env_name, service)
                if len(pages) > 1:
                    twice.append((env_name, service, pages))
    for text in (runbook, handoff):
        assert "one outage is one page" not in text
        assert "pages once per outage" not in text
        assert "pages once for an outage" not in text
    if not twice:
        assert "pages twice" not in runbook and "pages twice" not in handoff
        return
    down_section = alarm_section(runbook, "alarm-down")
    for env_name, service, pages in twice:
        assert f"{service} in {env_name}" in down_section
        for page in pages:
            assert f"`{page}`" in down_section
        assert "pages twice" in down_section and "us-east-1" in down_section
        assert f"{service} in {env_name}" in handoff.split("## Monitoring and alerting")[1]
    assert "pages twice" in handoff and "is two pages" in " ".join(runbook.split())


def test_the_webapp_example_has_an_outage_that_pages_twice() -> None:
    """The case the test above exists for: a public domain's health check of a service with a
    down composite, in production."""
    model = model_of("webapp")
    assert _pages_of_total_outage(model, model.production.name, "web") == [
        f"{model.app}-{model.production.name}-web-down",
        f"{model.app}-{model.production.name}-web-health-check",
    ]


# -- 2. a procedure behind every alarm, numbers per environment ----------------------------


@pytest.mark.parametrize("name", example_names())
def test_every_alarm_section_has_a_procedure_not_a_placeholder(name: str) -> None:
    model = model_of(name)
    bare = [s.anchors[0] for s in sections(model) if not s.guides]
    assert bare == []
    for path, text in files_of(name).items():
        if path.endswith(".md"):
            assert not re.search(r"(not|no \w+ \w+ is) written yet", text), path
            assert "no specific procedure" not in text, path


_CLASS = re.compile(r"\bdb\.[a-z0-9]+\.[a-z0-9]+\b")


@pytest.mark.parametrize("name", example_names())
def test_an_instance_class_in_the_runbook_s_prose_names_its_environment(name: str) -> None:
    """The runbook serves every environment: a class (hence a memory size, a threshold) that
    not every environment runs is stated with the environments that run it."""
    model = model_of(name)
    runbook = files_of(name)[f"{DOCS}/runbook.md"]
    alarms = runbook.split("\n## Alarms\n", 1)[1].split("\n## SLOs\n", 1)[0]
    for line in alarms.splitlines():
        if line.startswith(("|", "aws ", "#")):
            continue  # table rows are per environment already; look-ups and titles
        for found in set(_CLASS.findall(line)):
            # The datastores that run this class somewhere, and the environments they do.
            running = {
                (d.name, e.name)
                for e in model.environments
                for d in e.datastores
                if d.instance_class == found
            }
            varies = {
                name
                for name, _ in running
                if len(
                    {
                        (e.name)
                        for e in model.environments
                        for d in e.datastores
                        if d.name == name and d.instance_class == found
                    }
                )
                < len(model.environments)
            }
            if not varies:
                continue
            envs = {env for name, env in running if name in varies}
            assert any(f" in {env}" in line for env in envs), (found, line[:200])


def test_the_documentdb_free_memory_section_gives_each_environment_s_threshold() -> None:
    model = model_of("full")
    section = alarm_section(files_of("full")[f"{DOCS}/runbook.md"], "alarm-free-memory")
    classes = set()
    for env in model.environments:
        (alarm,) = [a for a in model.monitoring.alarms[env.name].alarms if a.check == "free-memory"]
        store = env.datastore(alarm.target.partition(":")[2])
        classes.add(store.instance_class)
        memory = DOCDB_CLASS_LIMITS[store.instance_class or ""][0]
        # The same number the alarm fires at (its description, in the table).
        threshold = re.search(r"under ([\d.]+) GiB", alarm.description)
        assert threshold, alarm.description
        assert (
            f"{store.name} runs {store.instance_class} ({memory} GiB: under "
            f"{threshold[1]} GiB) in {env.name}"
        ) in section
    assert len(classes) > 1  # the case: production runs a larger class than the others
    assert "db.serverStatus()" in section and "tls=true" in section
    assert "modify-db-instance" in section and "instance_class" in section


# -- 3. the alarms the stack creates --------------------------------------------------------


def _alarm_row(handoff: str, env: str) -> tuple[int, int, int]:
    (row,) = [
        line
        for line in handoff.split("| Environment | CloudWatch alarms |", 1)[1].splitlines()
        if line.startswith(f"| {env} |")
    ]
    cell = row.split("|")[2]
    m = re.match(r" (\d+) \((\d+) metric, (\d+) composite", cell)
    assert m, row
    return int(m[1]), int(m[2]), int(m[3])


def test_the_handoff_counts_the_alarms_the_preview_creates(generated) -> None:  # type: ignore[no-untyped-def]
    """Every example stack, previewed: the handoff's figures are the program's metric and
    composite alarms, the rollback alarms' members and the us-east-1 ones included."""
    checked = 0
    for example, env in generated.stacks():
        handoff = (generated.out_dir(example) / DOCS / "handoff.md").read_text()
        total, metric, composite = _alarm_row(handoff, env)
        preview = generated.preview(example, env)
        found = Counter(r.type for r in preview.resources)
        assert (metric, composite) == (
            found["aws:cloudwatch/metricAlarm:MetricAlarm"],
            found["aws:cloudwatch/compositeAlarm:CompositeAlarm"],
        ), (example, env)
        assert total == metric + composite
        checked += 1
    assert checked >= 5


def test_the_us_east_1_alarms_are_counted_where_they_live() -> None:
    model = model_of("webapp")
    handoff = files_of("webapp")[f"{DOCS}/handoff.md"]
    for env in model.environments:
        planned = model.monitoring.alarms[env.name]
        elsewhere = len([a for a in planned.alarms if a.region]) + len(env.static_sites)
        row = [line for line in handoff.splitlines() if line.startswith(f"| {env.name} | ")][-1]
        if elsewhere:
            assert f"; {elsewhere} in us-east-1)" in row
        else:
            assert "us-east-1" not in row
        # A rollback alarm is two alarms in CloudWatch: the count is above the plan's.
        planned_total = len(planned.alarms) + len(planned.composites) + len(env.static_sites)
        rollbacks = len([a for a in planned.alarms if a.rollback])
        assert rollbacks and f"| {env.name} | {planned_total + rollbacks} (" in row


# -- 4. what a rollback undoes --------------------------------------------------------------


def test_rollback_texts_say_the_migration_is_not_undone() -> None:
    model = model_of("full")
    migrating = [s.name for s in model.production.services if s.migrate]
    assert migrating
    files = files_of("full")
    handoff = files[f"{DOCS}/handoff.md"].split("## Deployment and rollback", 1)[1]
    runbook = files[f"{DOCS}/runbook.md"].split("## Rollback", 1)[1].split("\n## ", 1)[0]
    for text in (handoff, runbook):
        flat = " ".join(text.split())
        assert "restores images, not data" in flat
        assert f"migrations of {', '.join(migrating)}" in flat
        assert "expand, then contract" in flat
        assert "previous image" in flat and "new schema" in flat
    delivery = " ".join((ROOT / "docs" / "delivery.md").read_text().split())
    assert "the rollback does not undo it" in delivery and "expand, then contract" in delivery


def test_without_a_migration_the_rollback_text_names_none() -> None:
    model = model_of("minimal")
    assert not any(s.migrate for s in model.production.services)
    runbook = files_of("minimal")[f"{DOCS}/runbook.md"]
    assert "restores images, not data" in runbook and "migrations of" not in runbook


# -- 5. who reaches a TCP service behind its own NLB -----------------------------------------


def test_an_internal_tcp_service_s_clients_and_how_to_admit_more() -> None:
    model = model_of("full")
    (tcp,) = [s for s in model.production.services if s.protocol == "tcp" and not s.public]
    files = files_of("full")
    handoff = files[f"{DOCS}/handoff.md"]
    # The full example's says its application does TLS itself (`app_tls`), and its name.
    assert tcp.app_tls and tcp.domain
    assert (
        f"the {tcp.name} Network Load Balancer (TCP port {tcp.port}, TLS by the application "
        f"itself, named {tcp.domain})" in handoff
    )
    assert "admits the VPC's own range only" in handoff
    runbook = files[f"{DOCS}/runbook.md"]
    section = runbook.split("## Clients outside the VPC", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    tree = ast.parse(code)  # the snippet is Python the user can paste into overrides.py
    assert any(isinstance(n, ast.FunctionDef) and n.name == "customize" for n in tree.body)
    # It reaches the component by the key __main__.py gives it, and the attribute exists.
    main = files["infra/__main__.py"]
    key = re.search(r'components\["([a-z0-9_]+)"\]', code)
    assert key and f'"{key[1]}": {key[1]},' in main
    component = (ROOT / "blueprints/pulumi/infra/components/network_service.py").read_text()
    assert "self.load_balancer_security_group_id = sg.id" in component
    assert "load_balancer_security_group_id" in code
    assert f"from_port={tcp.port}" in code and 'ip_protocol="tcp"' in code


# -- 6. encryption in transit, per environment -----------------------------------------------


@pytest.mark.parametrize("name", example_names())
def test_compliance_says_per_environment_what_is_encrypted_in_transit(name: str) -> None:
    model = model_of(name)
    page = files_of(name)[f"{DOCS}/compliance.md"]
    transit = page.split("## Encryption in transit", 1)[1].split("\n## ", 1)[0]
    for env in model.environments:
        block = transit.split(f"**{env.name}**:", 1)[1].split("\n**", 1)[0]
        for lb in env.load_balancers:
            line = next(x for x in block.splitlines() if f"the {lb.name} load balancer" in x)
            if lb.https:
                assert line.startswith("- encrypted:") and f"HTTPS on {lb.domain}" in line
            else:
                assert line.startswith("- **not encrypted**:") and "plain HTTP" in line
        for s in env.services:
            if s.kind != "web" or s.load_balancer is not None:
                continue  # only a Network Load Balancer's clients are per service
            line = next(x for x in block.splitlines() if f"clients to {s.name} (" in x)
            assert (s.domain or "AWS-generated DNS name") in line
            if s.protocol == "tls" or s.app_tls:
                assert line.startswith("- encrypted:")
            else:
                assert line.startswith("- **not encrypted**:") and "cleartext" in line
    without = [e.name for e in model.environments if any(not b.https for b in e.load_balancers)]
    if without:
        assert "must hold no real data" in transit
        assert f"{', '.join(without)} ha" in transit
    else:
        assert "must hold no real data" not in transit
    # The baseline pack no longer claims encryption in transit everywhere.
    assert "Encryption at rest and in transit," not in page


def test_the_runbook_s_overrides_code_admits_the_range_in_a_preview(generated, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The "Clients outside the VPC" code, pasted into infra/overrides.py as the runbook says,
    adds an ingress rule for the range to the Network Load Balancer's own security group."""
    import shutil

    from shipspec.preview.service import run_preview

    out = tmp_path / "full"
    shutil.copytree(generated.out_dir("full"), out)
    runbook = (out / DOCS / "runbook.md").read_text()
    section = runbook.split("## Clients outside the VPC", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    (out / "infra" / "overrides.py").write_text(code)
    env = generated.model("full").environments[0].name
    preview = run_preview(out, env, remember=False)
    groups = {r.name: r for r in preview.of_type("aws:ec2/securityGroup:SecurityGroup")}
    rules = [
        r
        for r in preview.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs.get("cidrIpv4") == "10.50.0.0/16"
    ]
    assert len(rules) == 1
    (rule,) = rules
    assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == (
        "tcp",
        6514,
        6514,
    )
    # The rule belongs to the load balancer's group (which the tasks' group admits).
    assert groups["ingest-nlb-sg"].urn in rule.dependencies


# -- what leaves the tasks ------------------------------------------------------------------


def test_the_handoff_lists_every_way_out_the_preview_opens(generated) -> None:  # type: ignore[no-untyped-def]
    """Each egress rule of a task security group to an address range (not to a datastore's or
    another service's group) is HTTPS to anywhere or an allowance the handoff names, in the
    stack it is in; a stack without any says nothing else goes out."""
    for example, env in [("full", "dev"), ("full", "main"), ("shop", "prod")]:
        handoff = (generated.out_dir(example) / DOCS / "handoff.md").read_text()
        line = next(
            text
            for text in handoff.splitlines()
            if text.startswith(f"- {env}: outbound from the tasks")
            or (
                text.startswith("- outbound from the tasks") and f"- {env}: outbound" not in handoff
            )
        )
        preview = generated.preview(example, env)
        opened = [
            r
            for r in preview.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
            if "referencedSecurityGroupId" not in r.inputs
            and r.parent.split("::")[-2].endswith(("WebService", "WorkerService", "ScheduledJob"))
        ]
        assert opened
        others = []
        for rule in opened:
            to = rule.inputs.get("cidrIpv4") or rule.inputs.get("cidrIpv6")
            if (to, rule.inputs["fromPort"], rule.inputs["toPort"]) == ("0.0.0.0/0", 443, 443):
                continue
            low, high = rule.inputs["fromPort"], rule.inputs["toPort"]
            ports = str(low) if low == high else f"{low}-{high}"
            others.append(f"{rule.inputs['ipProtocol'].upper()} {ports} to {to}")
        for other in others:
            assert other in line, (example, env, other, line)
        assert ("nothing else: no service has an `egress`" in line) == (not others), line


def test_memcached_is_never_called_multi_az() -> None:
    """Memcached spreads its nodes over the AZs but replicates nothing: an AZ lost is that
    node's keys lost. "Multi-AZ: yes" told the reader there was a standby."""
    files = files_of("full")
    production = model_of("full").production
    sessions = production.datastore("sessions")
    assert (sessions.engine, sessions.multi_az, sessions.nodes) == ("memcached", True, 3)
    context = files[".ai_context/deployment_context.md"]
    [row] = [line for line in context.splitlines() if line.startswith("| sessions | memcached")]
    assert row.split(" | ")[3] == "nodes in 3 AZs, no replica"
    handoff = files[f"{DOCS}/handoff.md"]
    rows = [line for line in handoff.splitlines() if line.startswith("| sessions | memcached")]
    assert "| nodes in 3 AZs, no replica |" in rows[-1]  # production's table comes last
    assert "cache.m7g.large, nodes in 3 AZs, no replica" in handoff  # the architecture diagram
    assert not [line for line in rows if "Multi-AZ" in line]
    # A replicated store keeps the word: the database's standby takes over.
    [db] = [line for line in context.splitlines() if line.startswith("| db | postgres")]
    assert db.split(" | ")[3] == "yes"
