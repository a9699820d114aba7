"""Every slow-statement log a database exports is one its engine writes.

An export (``enabledCloudwatchLogsExports``) publishes only what the engine writes, and no
engine writes its slow statements by default: MySQL and MariaDB need ``slow_query_log = 1``
and ``log_output = FILE`` (RDS publishes the file, not the default table) with
``long_query_time``; PostgreSQL ``log_min_duration_statement`` (unset, -1, on RDS);
DocumentDB ``profiler = enabled`` with ``profiler_threshold_ms``. One preview of the full
example holds all four engines (one stack: previews are slow).
"""

from __future__ import annotations

from typing import Any

from shipspec.preview.conformance.rules_parameters import apply_type

RDS = "aws:rds/instance:Instance"
RDS_GROUP = "aws:rds/parameterGroup:ParameterGroup"
DOCDB = "aws:docdb/cluster:Cluster"
DOCDB_GROUP = "aws:docdb/clusterParameterGroup:ClusterParameterGroup"


def _group(preview: Any, kind: str, owner: Any) -> dict[str, dict[str, Any]]:
    """The parameters of the component's own parameter group, by name."""
    group = next(r for r in preview.of_type(kind) if r.parent == owner.parent)
    return {p["name"]: p for p in group.inputs["parameters"]}


def test_every_exported_slow_log_is_written_with_the_planned_threshold(generated) -> None:  # type: ignore[no-untyped-def]
    model = generated.model("full")
    env = model.production
    preview = generated.preview("full", env.name)
    component = {r.urn: r.name for r in preview.resources if r.type.startswith("shipspec:aws:")}
    seen = set()
    for instance in preview.of_type(RDS):
        exports = instance.inputs.get("enabledCloudwatchLogsExports") or []
        parameters = _group(preview, RDS_GROUP, instance)
        store = env.datastore(component[instance.parent])
        if "slowquery" in exports:
            assert parameters["slow_query_log"]["value"] == "1", store.name
            assert parameters["log_output"]["value"] == "FILE", store.name  # not the table
            assert store.slow_query_ms is not None
            seconds = float(parameters["long_query_time"]["value"])
            assert seconds * 1000 == store.slow_query_ms, store.name
            seen.add(store.engine)
        if "postgresql" in exports:
            value = parameters["log_min_duration_statement"]["value"]
            assert int(value) == store.slow_query_ms, store.name
            seen.add(store.engine)
        if store.engine == "sqlserver":  # agent and error logs only: no slow log to turn on
            assert set(exports) == {"agent", "error"}
    for cluster in preview.of_type(DOCDB):
        exports = cluster.inputs.get("enabledCloudwatchLogsExports") or []
        parameters = _group(preview, DOCDB_GROUP, cluster)
        store = env.datastore(component[cluster.parent])
        assert "profiler" in exports, store.name
        assert parameters["profiler"]["value"] == "enabled"
        assert int(parameters["profiler_threshold_ms"]["value"]) == store.slow_query_ms
        assert "audit" in exports and parameters["audit_logs"]["value"] == "enabled"
        seen.add(store.engine)
    assert seen == {"postgres", "mysql", "mariadb", "mongodb"}  # the example has each


def test_the_slow_log_parameters_apply_without_a_reboot(generated) -> None:  # type: ignore[no-untyped-def]
    """They are dynamic, so "immediate" (which a static one would refuse) turns them on at
    the next ``pulumi up`` of an existing stack, with no reboot."""
    preview = generated.preview("full", generated.model("full").production.name)
    slow = {
        "slow_query_log",
        "log_output",
        "long_query_time",
        "log_min_duration_statement",
        "profiler",
        "profiler_threshold_ms",
    }
    found = 0
    for group in [*preview.of_type(RDS_GROUP), *preview.of_type(DOCDB_GROUP)]:
        for parameter in group.inputs["parameters"]:
            if parameter["name"] in slow:
                assert apply_type(group.inputs["family"], parameter["name"]) == "dynamic"
                assert parameter["applyMethod"] == "immediate", parameter
                found += 1
    assert found == 3 * 2 + 1 + 2  # mysql and mariadb, postgres, documentdb
