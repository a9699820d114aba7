"""The runbook's database and cache sections work for the engines the stack has.

A MySQL ledger gets MySQL's SQL (no ``pg_stat_activity``, ``VACUUM``), run through the
db-admin task the runbook shows how to start; Redis is checked through CloudWatch with the
replication group id the stack exports, since nothing in the stack can run redis-cli.
"""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path

import jmespath
import pytest

import shipspec
from shipspec.render.renderer import render
from shipspec.render.targets._docs_runbook_sql_guides import NAMES
from tests.conftest import EXAMPLES

POSTGRES_ONLY = ("pg_stat_activity", "pg_stat_statements", "VACUUM", "pg_repack")
MYSQL_ONLY = (
    "SHOW FULL PROCESSLIST",
    "performance_schema.events_statements_summary_by_digest",
    "information_schema.TABLES",
    "OPTIMIZE TABLE",
    "mysql.rds_show_configuration",
    "mysql.rds_set_configuration('binlog retention hours'",
)


@functools.cache
def _docs(engine: str) -> dict[str, str]:
    """The shop example with its database on ``engine``, rendered."""
    text = (EXAMPLES / "shop.yaml").read_text()
    line = '  db:      {engine: postgres, version: "16", storage_gb: 50, backup_days: 14}'
    assert line in text
    version = {"postgres": "16", "mysql": "8.0", "mariadb": "10.11"}[engine]
    path = Path(tempfile.mkdtemp()) / "shop.yaml"
    path.write_text(
        text.replace(line, f'  db:      {{engine: {engine}, version: "{version}", storage_gb: 50}}')
    )
    model = shipspec.plan(shipspec.load(path), spec_file="shop.yaml")
    return dict(render(model, only=["docs", "monitoring", "pulumi"]))


@pytest.mark.parametrize("engine", ["mysql", "mariadb"])
def test_a_mysql_family_database_gets_its_own_sql_and_none_of_postgres(engine: str) -> None:
    runbook = _docs(engine)["docs/operations/runbook.md"]
    assert not [word for word in POSTGRES_ONLY if word in runbook]
    assert all(word in runbook for word in MYSQL_ONLY), [w for w in MYSQL_ONLY if w not in runbook]
    assert "the mysql client" in runbook and "psql" not in runbook


def test_a_postgres_database_gets_postgres_sql_and_none_of_mysql() -> None:
    runbook = _docs("postgres")["docs/operations/runbook.md"]
    assert all(word in runbook for word in POSTGRES_ONLY)
    assert not [word for word in MYSQL_ONLY if word in runbook]


def test_the_runbook_runs_sql_through_the_db_admin_task_and_reads_its_log() -> None:
    docs = _docs("mysql")
    runbook = docs["docs/operations/runbook.md"]
    section = runbook.split('<a id="running-sql"></a>')[1].split("\n## ")[1]
    # The override names the task's container and the variable its command runs.
    assert '{name: "db-admin", environment: [{name: "ADMIN_SQL", value: $sql}]}' in section
    assert '--overrides "$OVERRIDES"' in section
    assert "pulumi stack output db_admin --json" in section
    assert 'aws ecs wait tasks-stopped --cluster "$CLUSTER" --tasks "$TASK"' in section
    # awslogs-stream-prefix "admin", container "db-admin", then the task id.
    assert '--log-stream-name "admin/db-admin/${TASK##*/}"' in section
    program = docs["infra/components/db_admin.py"]
    assert 'CONTAINER = "db-admin"' in program and "from ._one_off import" in program
    assert '"awslogs-stream-prefix": "admin"' in docs["infra/components/_one_off.py"]
    assert '"ADMIN_SQL": "\\n".join(sql)' in program
    # Every database section that needs SQL points at it; the handoff does too.
    assert runbook.count("[Running SQL](#running-sql)") >= 3
    handoff = docs["docs/operations/handoff.md"]
    assert "credentials.md in the shipspec repository" not in handoff
    assert "runbook.md#running-sql" in handoff


def test_redis_is_checked_through_cloudwatch_with_the_exported_replication_group() -> None:
    docs = _docs("postgres")
    runbook = docs["docs/operations/runbook.md"]
    assert "redis-cli from inside the VPC" not in runbook
    assert "<id>" not in runbook.split('<a id="cache-metrics"></a>')[1]
    assert "CACHE_ID=$(pulumi stack output cache_ids --json | jq -r '.[\"cache\"]')" in runbook
    assert '--replication-group-id "$CACHE_ID"' in runbook
    assert "aws cloudwatch get-metric-statistics --namespace AWS/ElastiCache" in runbook
    program = docs["infra/__main__.py"]
    assert 'pulumi.export(\n    "cache_ids",' in program
    assert '"cache": cache.identifier' in program
    assert "self.identifier = group.id" in docs["infra/components/cache.py"]


def test_self_hosted_prometheus_says_what_the_team_must_provide() -> None:
    docs = _docs("postgres")
    readme = docs["monitoring/README.md"]
    alertmanager = docs["monitoring/alertmanager.yml"]
    section = readme.split("What the team must provide")[1].split("**Runbook links.**")[0]
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" in section and "443" in section
    assert "resource_to_telemetry_conversion" in section
    # The version note names only the *_file settings the generated config really uses.
    for setting in ("smtp_auth_password_file", "routing_key_file", "api_url_file"):
        assert (setting in section) == (setting in alertmanager), setting
    assert "Alertmanager 0.25" in section
    # The program adds no collector in this mode.
    assert "aws-otel-collector" not in docs["infra/__main__.py"]


def test_mysql_and_mariadb_in_one_stack_share_one_guide_per_check(generated) -> None:  # type: ignore[no-untyped-def]
    """The full example has both: their SQL is the same, so each section shows it once."""
    runbook = (generated.out_dir("full") / "docs/operations/runbook.md").read_text()
    for title in ("CPU", "free storage", "connections"):
        assert f"**{title} (RDS for MySQL and MariaDB).**" in runbook, title
        assert f"**{title} (RDS for MySQL).**" not in runbook, title
        assert f"**{title} (RDS for MariaDB).**" not in runbook, title
        assert f"**{title} (RDS for PostgreSQL).**" in runbook, title


def _section(runbook: str, anchor: str) -> str:
    return runbook.split(f'<a id="alarm-{anchor}"></a>')[1].split('<a id="')[0]


def test_broker_runbook_resizes_to_the_next_size_and_reaches_no_console() -> None:
    """The broker is private and the stack runs no bastion: its sections work through
    CloudWatch and the Amazon MQ API, and name the next instance size up of each deployment."""
    model = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"), spec_file="full.yaml")
    classes = {e.name: e.datastore("broker").instance_class for e in model.environments}
    assert classes == {"dev": "mq.m7g.medium", "staging": "mq.m7g.medium", "main": "mq.m7g.large"}
    runbook = dict(render(model, only=["docs"]))["docs/operations/runbook.md"]
    for anchor in ("broker-memory", "broker-disk"):
        text = _section(runbook, anchor)
        assert "in the management console" not in text
        assert "needs network access into the VPC" in text
        assert "--namespace AWS/AmazonMQ" in text
        assert "dev, staging (`mq.m7g.medium`): `aws mq update-broker" in text
        assert "--host-instance-type mq.m7g.large`; main (`mq.m7g.large`)" in text
        assert "--host-instance-type mq.m7g.xlarge`" in text
        assert 'aws mq reboot-broker --broker-id "$BROKER_ID"' in text
    for anchor in ("ready-messages", "no-consumers"):
        text = _section(runbook, anchor)
        assert "no specific procedure is written yet" not in text
        assert "--metric-name ConsumerCount" in text


@pytest.mark.parametrize(
    ("engine", "log", "parameter"),
    [
        ("postgres", "postgresql", "`log_min_duration_statement` 150"),
        ("mysql", "slowquery", "`long_query_time` 0.15"),
        ("mariadb", "slowquery", "`long_query_time` 0.15"),
    ],
)
def test_the_runbook_says_where_the_slow_statements_are_and_from_how_slow(
    engine: str, log: str, parameter: str
) -> None:
    """The p99 latency section sends the reader to the database's slow-statement log: the
    group the instance exports to, and the threshold its parameter group sets (the shop's
    web promises 300 ms at p99: statements from 150 ms)."""
    docs = _docs(engine)
    runbook = docs["docs/operations/runbook.md"]
    section = runbook.split('<a id="slow-statements"></a>')[1].split("\n## ")[1]
    row = f"| db | {NAMES[engine]} | `/aws/rds/instance/$DB_DB_ID/{log}` | 150 ms | {parameter} |"
    assert row in section
    assert f'aws logs tail "/aws/rds/instance/$DB_DB_ID/{log}" --since 1h' in section
    assert "DB_DB_ID=$(pulumi stack output endpoints" in runbook  # set in "Before you start"
    # The same threshold the stack config gives the program, which exports that log.
    assert "slowQueryMs: 150" in docs["infra/Pulumi.prod.yaml"]
    assert f'"{log}"' in docs["infra/components/database.py"]
    latency = runbook.split('<a id="alarm-latency-p99"></a>')[1].split("<a id=")[0]
    assert (
        "slow queries: the databases' slow-statement logs ([Slow statements](#slow-statements)"
        in latency
    )


@functools.cache
def _full() -> dict[str, str]:
    model = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"), spec_file="full.yaml")
    return dict(render(model, only=["docs", "monitoring", "pulumi"]))


def test_opensearch_requests_go_through_the_search_admin_task_not_a_host_nobody_has() -> None:
    """Review 10: "from inside the VPC with a signed request" named a place nobody can be."""
    docs = _full()
    runbook = docs["docs/operations/runbook.md"]
    requests = [line for line in runbook.splitlines() if "`GET _" in line or "_snapshot" in line]
    assert requests and not [line for line in requests if "inside the VPC" in line]
    section = runbook.split('<a id="running-opensearch-requests"></a>')[1].split("\n## ")[1]
    assert "pulumi stack output search_admin --json" in section
    # The override names the container and the variables its command reads.
    assert '{name: "search-admin", environment: [{name: "SEARCH_METHOD", value: $method}' in section
    assert '{name: "SEARCH_PATH", value: $path}, {name: "SEARCH_BODY", value: $body}' in section
    assert '--log-stream-name "admin/search-admin/${TASK##*/}"' in section
    program = docs["infra/components/search_admin.py"]
    for variable in ("SEARCH_METHOD", "SEARCH_PATH", "SEARCH_BODY", "SEARCH_ENDPOINT"):
        assert f'"{variable}"' in program and f"${variable}" in program
    assert 'CONTAINER = "search-admin"' in program and "from ._one_off import" in program
    assert '"awslogs-stream-prefix": "admin"' in docs["infra/components/_one_off.py"]
    main = docs["infra/__main__.py"]
    assert 'pulumi.export(\n    "search_admin",' in main
    # The red-cluster and snapshot steps point at it.
    red = runbook.split('<a id="alarm-search-red"></a>')[1].split("\n### ")[1]
    assert "(#running-opensearch-requests)): `GET _cluster/allocation/explain`" in red
    assert runbook.count("(#running-opensearch-requests)") >= 5
    assert "`search_admin`" in docs["docs/operations/handoff.md"]


def test_services_with_sidecars_say_what_each_container_did_and_where_it_logs() -> None:
    """Review 10: an essential sidecar the app waits on (HEALTHY) was never mentioned."""
    import re

    docs = _full()
    runbook = docs["docs/operations/runbook.md"]
    model = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"), spec_file="full.yaml")
    services = [s for s in model.production.services if s.container.sidecars]
    assert services
    section = runbook.split('<a id="sidecars"></a>')[1].split("\n## Rollback")[0]
    for s in services:
        for c in s.container.sidecars:
            waits = s.container.depends_on.get(c.name)
            row = next(
                line for line in section.splitlines() if line.startswith(f"| {s.name} | {c.name} (")
            )
            assert (f"`{waits}`" if waits else "nothing") in row
            assert ("yes: its exit stops the task" if c.essential else "| no |") in row
            # The stream prefix the program gives the sidecar's awslogs driver.
            assert f'--log-stream-name-prefix "{c.name}/{c.name}/"' in section
    program = docs["infra/components/_containers.py"]
    assert '"awslogs-stream-prefix": sidecar.name' in program
    assert "containers[].[name,lastStatus,healthStatus,exitCode,reason]" in section
    # Every describe-tasks query in the runbook shows health.
    queries = re.findall(r"aws ecs describe-tasks [^`\n]*--query '([^']*)'", runbook)
    assert queries and all("healthStatus" in q for q in queries), queries


def test_broker_sections_name_the_broker_the_reader_has_and_look_per_queue() -> None:
    """Review 10: `<broker name>` was a value nobody had, and broker-wide alarms hid one
    stuck consumer behind another service's; the spec names no queues to alarm on."""
    docs = _full()
    runbook = docs["docs/operations/runbook.md"]
    assert "<broker name>" not in runbook and "<broker id>" not in runbook
    # Before you start: the broker ID is the first label of the exported endpoint's host,
    # which the program takes from the broker's AMQP endpoint (b-<id>.mq.<region>...).
    assert (
        "BROKER_BROKER_ID=$(pulumi stack output endpoints --json | jq -r '.[\"broker\"]' "
        "| cut -d. -f1)" in runbook
    )
    program = docs["infra/components/message_broker.py"]
    assert 'endpoint.split("://")[-1].rsplit(":", 1)[0]' in program
    for anchor in ("alarm-broker-memory", "alarm-ready-messages", "alarm-no-consumers"):
        section = runbook.split(f'<a id="{anchor}"></a>')[1].split("\n### ")[1]
        assert 'BROKER_ID="$BROKER_BROKER_ID"' in section
        # The name the Broker dimension needs, looked up before any metric uses it.
        lookup = 'BROKER_NAME=$(aws mq describe-broker --broker-id "$BROKER_ID" --query BrokerName'
        assert section.index(lookup) < section.index('Value="$BROKER_NAME"')
    for anchor, metric in (
        ("alarm-ready-messages", "MessageReadyCount"),
        ("alarm-no-consumers", "ConsumerCount"),
    ):
        section = runbook.split(f'<a id="{anchor}"></a>')[1].split("\n### ")[1]
        assert (
            f"aws cloudwatch list-metrics --namespace AWS/AmazonMQ --metric-name {metric} "
            '--dimensions Name=Broker,Value="$BROKER_NAME"' in section
        )
        assert "Name=VirtualHost,Value=<virtual host> Name=Queue,Value=<queue>" in section
        assert "all queues together" in section
    handoff = docs["docs/operations/handoff.md"]
    assert "the spec names no queues, so no per-queue alarm is\nplanned" in handoff


def test_the_missed_runs_ticket_of_a_new_stack_is_announced_where_it_arrives() -> None:
    """Review 10: the alarm starts in ALARM on a new stack. The scheduler publishes no zero,
    so missing data must breach (else a deleted schedule never fires); the docs say so."""
    model = shipspec.plan(shipspec.load(EXAMPLES / "shop.yaml"), spec_file="shop.yaml")
    alarms = model.monitoring.alarms[model.production.name].alarms
    missed = [a for a in alarms if a.check == "missed-runs"]
    assert missed
    for alarm in missed:
        assert alarm.treat_missing_data == "breaching"
        assert {m.metric_name for m in alarm.metrics} == {"InvocationAttemptCount"}
    docs = dict(render(model, only=["docs"]))
    handoff = docs["docs/operations/handoff.md"]
    assert f"`missed-runs` alarm (`{missed[0].name}`) fires once on every new\nstack" in handoff
    assert "close that first ticket" in handoff  # shop's nightly is a ticket (on_failure)
    runbook = docs["docs/operations/runbook.md"]
    section = runbook.split('<a id="alarm-missed-runs"></a>')[1].split("\n### ")[1]
    assert "On a new stack it fires once before the first run is even due" in section


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_the_docs_read_the_clients_exit_code_not_the_ca_bundle_containers(engine: str) -> None:
    """The db-admin task has two containers (``ca-bundle`` exits 0 first, then the client), and
    ECS does not promise their order in describe-tasks: every query the docs give for the
    task's result must pick the client by name, so a failed run never reads as 0."""
    docs = _docs(engine)
    runbook = docs["docs/operations/runbook.md"]
    sql = runbook.split('<a id="running-sql"></a>')[1].split("\n## ")[1]
    handoff = docs["docs/operations/handoff.md"]
    users = [part.split("\n### ")[0] for part in handoff.split("### Database users in ")[1:]]
    assert users
    queries = [
        re.search(r"--query '([^']+)'", line).group(1)  # type: ignore[union-attr]
        for section in [sql, *users]
        for line in section.splitlines()
        if line.startswith("aws ecs describe-tasks")
    ]
    assert len(queries) == 1 + len(users)
    for order in (["ca-bundle", "db-admin"], ["db-admin", "ca-bundle"]):
        codes = {"ca-bundle": 0, "db-admin": 3}
        described = {
            "tasks": [
                {
                    "stoppedReason": "Essential container in task exited",
                    "containers": [{"name": n, "exitCode": codes[n]} for n in order],
                }
            ]
        }
        for query in queries:
            found = jmespath.search(query, described)
            assert (found[0] if isinstance(found, list) else found) == 3, (query, order)


def test_a_redis_store_runbook_says_writes_fail_where_a_cache_says_evictions_are_normal() -> None:
    """A store (`cache: false`) never evicts: at maxmemory its writes fail with OOM, and
    any eviction is data lost. A cache's evictions alone alarm nobody."""
    runbook = _full()["docs/operations/runbook.md"]
    memory = _section(runbook, "redis-store-memory")
    assert "`OOM command not allowed" in memory
    assert "--cache-node-type <type> --apply-immediately" in memory  # scale the node
    assert "--bigkeys" in memory
    evictions = _section(runbook, "redis-store-evictions")
    assert "data the application expected to keep is gone" in evictions
    assert "alone are a cache" not in evictions
    assert "| main | `atlas-main-cache-evictions` |" in evictions
    assert "| yes |" in evictions
    cache = _docs("postgres")["docs/operations/runbook.md"]  # the shop: its Redis is a cache
    assert "evictions alone are a cache doing its job" in _section(cache, "evictions")
    assert "OOM command not allowed" not in cache
    assert 'id="alarm-redis-store-' not in cache


def test_cache_metrics_are_read_node_by_node() -> None:
    """The section says "per node", yet version 1 queried CacheClusterId alone: a Memcached
    cluster's series, every node together, where one node's evictions drown in the others'.
    Each command now names CacheNodeId, with the node ids ElastiCache returns."""
    full = dict(render(shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"))))
    section = full["docs/operations/runbook.md"].split('<a id="cache-metrics"></a>')[1]
    section = section.split("\n## ", 2)[1]
    commands = section.split("aws cloudwatch get-metric-statistics")[1:]
    assert len(commands) == 2  # Redis (cache) and Memcached (sessions)
    for command in commands:
        dimensions = command.split("--dimensions", 1)[1].split("\\", 1)[0]
        assert "Name=CacheClusterId," in dimensions and "Name=CacheNodeId," in dimensions
    # Memcached's node ids come from describe-cache-clusters with --show-cache-node-info.
    [query] = re.findall(
        r"describe-cache-clusters --cache-cluster-id \"\$MEMCACHED_ID\" --show-cache-node-info "
        r"--query '([^']+)'",
        section,
    )
    nodes = [{"CacheNodeId": "0001"}, {"CacheNodeId": "0002"}]
    answer = {"CacheClusters": [{"CacheClusterId": "sessions", "CacheNodes": nodes}]}
    assert jmespath.search(query, answer) == ["0001", "0002"]
    assert 'Name=CacheNodeId,Value="$node"' in commands[1]
    # A Redis member cluster holds one node, 0001.
    assert "Name=CacheNodeId,Value=0001" in commands[0]


def test_a_redis_cache_memory_alarm_warns_before_eviction_which_starts_at_maxmemory() -> None:
    """DatabaseMemoryUsagePercentage is used memory over maxmemory, and Redis applies its
    maxmemory-policy (evicts) only at 100%: the 80% alarm is the warning before that, and
    neither its reason (the stack's AlarmDescription) nor the runbook says eviction starts
    at 80%."""
    model = shipspec.plan(shipspec.load(EXAMPLES / "shop.yaml"), spec_file="shop.yaml")
    memory = [
        a
        for env in model.monitoring.alarms.values()
        for a in env.alarms
        if a.target == "datastore:cache" and a.check == "memory"
    ]
    assert memory
    for alarm in memory:
        assert alarm.threshold == 80
        assert {m.metric_name for m in alarm.metrics} == {"DatabaseMemoryUsagePercentage"}
        assert "80% of maxmemory for 15 minutes: a warning" in alarm.reason
        assert "Redis starts evicting keys at 100%" in alarm.reason
        assert "minutes, Redis starts evicting" not in alarm.reason
    section = _section(_docs("postgres")["docs/operations/runbook.md"], "memory")
    meaning = " ".join(section.split("**memory (ElastiCache for Redis).**")[1].split())
    assert "this is the warning at 80% of it" in meaning
    assert "starts evicting keys (its maxmemory-policy) only at 100%" in meaning
    assert "will start evicting" not in meaning
