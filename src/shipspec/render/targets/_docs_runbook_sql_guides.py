"""The runbook's guidance for RDS database alarms, in the SQL of the engine deployed.

PostgreSQL's ``pg_stat_activity`` means nothing to MySQL: each engine gets its own CPU,
free-storage and connections guide (keyed ``<engine>:<check>``), and a stack's runbook
shows the guides of the engines it has only. The SQL runs through the database's one-off
``<db>-admin`` task (the runbook's "Running SQL" section, ``RUN_SQL``): nobody reaches the
database otherwise. SQL Server has no such task (``plan.db_admin``): its guide says so.
Commands use ``$DB_ID`` / ``$SQLSERVER_ID`` from the runbook's "Before you start" block.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._docs_runbook_guide import Guide
from ._docs_runbook_storage import rds_storage_checks

RUN_SQL = "[Running SQL](#running-sql)"
"""Where the runbook shows how to run a statement: the db-admin task."""

NAMES = {"postgres": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB"}


@dataclass(frozen=True)
class _Sql:
    """One engine's statements for the three database alarms."""

    sessions: tuple[str, ...]  # who holds the connections
    end_session: str  # how to end one
    top_statements: tuple[str, ...]  # what uses the CPU
    sizes: str  # the largest tables
    reclaim: tuple[str, ...]  # space to free without growing the disk
    slow_log: str  # the log group of the statements slower than the threshold


_POSTGRES = _Sql(
    sessions=(
        "`SELECT usename, application_name, state, count(*) FROM pg_stat_activity "
        "GROUP BY 1, 2, 3 ORDER BY 4 DESC;` (connections per user and state)",
        "`SELECT pid, usename, now() - xact_start AS open_for, left(query, 80) FROM "
        "pg_stat_activity WHERE state = 'idle in transaction' ORDER BY xact_start;` "
        "(sessions holding a transaction open)",
    ),
    end_session="`SELECT pg_terminate_backend(<pid>);`",
    top_statements=(
        "`CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT calls, "
        "round(total_exec_time) AS total_ms, round(mean_exec_time) AS mean_ms, "
        "left(query, 100) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 10;` "
        "(RDS preloads the library; the extension is created once per database)",
    ),
    sizes="`SELECT relname, pg_size_pretty(pg_total_relation_size(relid)) AS size, "
    "n_dead_tup FROM pg_stat_user_tables ORDER BY pg_total_relation_size(relid) DESC "
    "LIMIT 20;` (size with indexes, and dead rows)",
    reclaim=(
        "dead rows: `VACUUM (VERBOSE, ANALYZE) <table>;` as the task's only statement "
        "(PostgreSQL refuses VACUUM within a string of several statements); it "
        "makes the space reusable but rarely returns it to the disk. `VACUUM FULL` and "
        "`pg_repack` return it, but rewrite the table (it needs that much free space "
        "meanwhile; `VACUUM FULL` locks it, and `pg_repack` needs its own client, which "
        "the db-admin task does not have)",
        "WAL held by a replication slot nobody reads: `SELECT slot_name, active, "
        "pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) FROM "
        "pg_replication_slots;`, and `SELECT pg_drop_replication_slot('<slot>');` for an "
        "inactive one",
    ),
    slow_log="/aws/rds/instance/$DB_ID/postgresql",
)

_MYSQL = _Sql(
    sessions=(
        "`SHOW FULL PROCESSLIST;` (every connection: user, host, command, time, state)",
        "`SELECT user, SUBSTRING_INDEX(host, ':', 1) AS client, command, count(*) FROM "
        "information_schema.PROCESSLIST GROUP BY 1, 2, 3 ORDER BY 4 DESC;` (per user and "
        "client)",
        "`SELECT trx_mysql_thread_id, trx_started, trx_state FROM "
        "information_schema.INNODB_TRX ORDER BY trx_started;` (open transactions, oldest "
        "first)",
    ),
    end_session="`CALL mysql.rds_kill(<id>);` (the process list's `Id`; RDS's procedure, "
    "since the master user cannot `KILL` every session)",
    top_statements=(
        "`SELECT DIGEST_TEXT, COUNT_STAR, ROUND(SUM_TIMER_WAIT / 1e12) AS total_s, "
        "ROUND(AVG_TIMER_WAIT / 1e9) AS avg_ms FROM "
        "performance_schema.events_statements_summary_by_digest ORDER BY SUM_TIMER_WAIT "
        "DESC LIMIT 10;` (the Performance Schema, which Performance Insights turns on; on a "
        "class without Performance Insights `SELECT @@performance_schema;` returns 0 and the "
        "table stays empty)",
    ),
    sizes="`SELECT table_schema, table_name, ROUND((data_length + index_length) / 1048576) "
    "AS used_mb, ROUND(data_free / 1048576) AS free_mb FROM information_schema.TABLES "
    "ORDER BY data_length + index_length DESC LIMIT 20;` (`free_mb`: space the table "
    "holds but does not use)",
    reclaim=(
        "binary logs kept longer than needed: `CALL mysql.rds_show_configuration;` shows "
        "`binlog retention hours` (NULL: RDS removes them as soon as it can); lower it with "
        "`CALL mysql.rds_set_configuration('binlog retention hours', 24);`",
        "a table with much `free_mb`: `OPTIMIZE TABLE app.<table>;` rebuilds it and returns "
        "the space (one file per table, the default), but needs about the table's size free "
        "while it runs",
    ),
    slow_log="/aws/rds/instance/$DB_ID/slowquery",
)

_SQL = {"postgres": _POSTGRES, "mysql": _MYSQL, "mariadb": _MYSQL}


def _guides(engine: str, key: str | None = None, name: str | None = None) -> dict[str, Guide]:
    key, name, sql = key or engine, name or NAMES[engine], _SQL[engine]
    return {
        f"{key}:cpu": Guide(
            f"CPU (RDS for {name})",
            "The database has been busy for 15 minutes; queries queue next.",
            (
                "Performance Insights (RDS console, the instance's Monitoring tab): top SQL "
                "by load, where the class has it",
                *(f"with the db-admin task ({RUN_SQL}): {step}" for step in sql.top_statements),
                f"the statements slower than the threshold, in `{sql.slow_log}` "
                "([Slow statements](#slow-statements))",
            ),
            (
                "fix or index the top statement",
                "a larger class: `instance_class` through the handoff's plan, or now with "
                '`aws rds modify-db-instance --db-instance-identifier "$DB_ID" '
                "--db-instance-class <class> --apply-immediately` (Multi-AZ fails over: "
                "about a minute of errors)",
            ),
        ),
        f"{key}:free-storage": Guide(
            f"free storage (RDS for {name})",
            "The disk is nearly full; a full disk stops every write. This pages. With "
            "storage autoscaling (production: up to `max_storage_gb`), RDS grows the disk "
            "itself when less than 10% is free, so a page means it could not: the disk has "
            "reached its ceiling (`MaxAllocatedStorage`), or it grew less than 6 hours ago "
            "(RDS modifies storage at most once in 6 hours, and not while storage "
            "optimization runs). Check that first: it decides what can be done now.",
            (
                *rds_storage_checks("DB_ID"),
                f"what fills it, with the db-admin task ({RUN_SQL}): {sql.sizes}",
            ),
            (
                "at the ceiling: raise it, `aws rds modify-db-instance --db-instance-identifier "
                '"$DB_ID" --max-allocated-storage <GB> --apply-immediately`, and autoscaling '
                "grows the disk; then raise `storage_gb` in the handoff (the plan sets the "
                "ceiling to twice it)",
                "no autoscaling (outside production): grow it, `aws rds modify-db-instance "
                '--db-instance-identifier "$DB_ID" --allocated-storage <GB> --apply-immediately`',
                "within 6 hours of the last change no storage modification is accepted: free "
                f"space instead, with the db-admin task ({RUN_SQL})",
                *sql.reclaim,
            ),
        ),
        f"{key}:connections": Guide(
            f"connections (RDS for {name})",
            "Connections near the engine's max_connections; past it, new ones are refused.",
            tuple(f"with the db-admin task ({RUN_SQL}): {step}" for step in sql.sessions),
            (
                "lower each service's pool size, or add a pooler (RDS Proxy)",
                "sessions left in an open transaction: end one with "
                f"{sql.end_session}, then find and fix the code path that leaks them",
            ),
        ),
    }


SQL_GUIDES: dict[str, Guide] = {
    **_guides("postgres"),
    **_guides("mysql"),
    **_guides("mariadb"),
    # A stack with both: one guide, their SQL being the same (``merge_mysql_family``).
    **_guides("mysql", "mysql+mariadb", "MySQL and MariaDB"),
    "sqlserver:cpu": Guide(
        "CPU (RDS for SQL Server)",
        "The SQL Server instance has been busy for 15 minutes; queries queue next.",
        (
            '`aws rds describe-db-instances --db-instance-identifier "$SQLSERVER_ID" --query '
            "'DBInstances[0].[DBInstanceClass,DBInstanceStatus]'`",
            "the stack has no task that runs SQL on SQL Server (no db-admin task: Microsoft's "
            "client image has no pinnable digest) and no bastion; from a SQL client that can "
            "reach it (a task of yours with `sqlcmd`, allowed by the instance's security "
            "group): `SELECT TOP 10 total_worker_time / 1000 AS cpu_ms, execution_count, "
            "SUBSTRING(t.text, 1, 200) AS query FROM sys.dm_exec_query_stats s CROSS APPLY "
            "sys.dm_exec_sql_text(s.sql_handle) t ORDER BY total_worker_time DESC;` and the "
            "sessions, `SELECT login_name, status, count(*) FROM sys.dm_exec_sessions WHERE "
            "is_user_process = 1 GROUP BY login_name, status;`",
        ),
        (
            "fix or index the top statement",
            "a larger class: `aws rds modify-db-instance --db-instance-identifier "
            '"$SQLSERVER_ID" --db-instance-class <class> --apply-immediately`, and the same '
            "`class` in the handoff",
        ),
    ),
}


def merge_mysql_family(found: dict[str, Guide]) -> dict[str, Guide]:
    """A section's guides by key, MySQL's and MariaDB's of one check replaced by one guide."""
    merged: dict[str, Guide] = {}
    for key, guide in found.items():
        engine, _, check = key.partition(":")
        both = {f"mysql:{check}", f"mariadb:{check}"} <= found.keys()
        if engine in ("mysql", "mariadb") and both:
            key = f"mysql+mariadb:{check}"
            guide = SQL_GUIDES[key]
        merged.setdefault(key, guide)
    return merged
