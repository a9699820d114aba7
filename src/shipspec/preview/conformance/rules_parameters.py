"""Rules for the parameters of RDS DB parameter groups and DocumentDB cluster parameter groups.

``ModifyDBParameterGroup`` (which the provider calls after creating the group, and on every
change) takes ``ApplyMethod`` ``immediate`` for dynamic parameters only; ``pending-reboot``
for either, except on RDS for SQL Server, which refuses ``pending-reboot`` for a dynamic
one. The provider sends ``immediate`` when a parameter names no method. Whether a parameter
is static or dynamic is the engine's (``ApplyType`` in ``describe-db-parameters``): kept here
as data, one source each, for the parameters the generated program sets; a parameter not in
the table is not judged.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Finding, Predicate, Resource, Rule

RDS_GROUP = "aws:rds/parameterGroup:ParameterGroup"
DOCDB_GROUP = "aws:docdb/clusterParameterGroup:ClusterParameterGroup"
RDS_MODIFY = (
    "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBParameterGroup.html"
)
DOCDB_MODIFY = (
    "https://docs.aws.amazon.com/documentdb/latest/developerguide/"
    "API_ModifyDBClusterParameterGroup.html"
)
_DOCDB_PARAMETERS = (
    "https://docs.aws.amazon.com/documentdb/latest/developerguide/"
    "cluster_parameter_groups-list_of_parameters.html"
)
_MYSQL_LOGS = (
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.MySQL.LogFileSize.html"
)
_PG_LOG_MIN_DURATION = (
    "https://docs.aws.amazon.com/prescriptive-guidance/latest/tuning-postgresql-parameters/"
    "log-min-duration-statement.html"
)
_MYSQL_VARIABLES = "https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html"
_MYSQL_TLS = (  # "You don't need to reboot your DB instance for the change to take effect."
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/mysql-ssl-connections.require-ssl.html"
)

# (engine of the family, parameter) -> (apply type, where it is stated). The engine is the
# family without its version: mysql8.0 -> mysql, sqlserver-se-16.0 -> sqlserver.
APPLY_TYPES: dict[tuple[str, str], tuple[str, str]] = {
    **{
        (engine, name): ("dynamic", f"{_MYSQL_VARIABLES} ({name}: Dynamic Yes)")
        for engine in ("mysql", "mariadb")
        for name in ("slow_query_log", "long_query_time", "log_output")
    },
    **{
        (engine, "require_secure_transport"): ("dynamic", _MYSQL_TLS)
        for engine in ("mysql", "mariadb")
    },
    # Read at server start only; RDS applies it at the next reboot.
    **{
        (engine, "performance_schema"): ("static", f"{_MYSQL_VARIABLES} (Dynamic No)")
        for engine in ("mysql", "mariadb")
    },
    ("postgres", "log_min_duration_statement"): ("dynamic", _PG_LOG_MIN_DURATION),
    ("docdb", "tls"): ("static", _DOCDB_PARAMETERS),
    ("docdb", "audit_logs"): ("dynamic", _DOCDB_PARAMETERS),
    ("docdb", "profiler"): ("dynamic", _DOCDB_PARAMETERS),
    ("docdb", "profiler_threshold_ms"): ("dynamic", _DOCDB_PARAMETERS),
    ("docdb", "profiler_sampling_rate"): ("dynamic", _DOCDB_PARAMETERS),
}


def family_engine(family: str) -> str:
    """``mysql8.0`` -> ``mysql``, ``postgres16`` -> ``postgres``, ``docdb5.0`` -> ``docdb``,
    ``sqlserver-se-16.0`` -> ``sqlserver``."""
    if family.startswith("sqlserver"):
        return "sqlserver"
    return family.rstrip("0123456789.")


def apply_type(family: str, parameter: str) -> str | None:
    """``static``, ``dynamic``, or None where the table does not know the parameter."""
    known = APPLY_TYPES.get((family_engine(family), parameter))
    return known[0] if known else None


def _parameters(r: Resource) -> Iterable[tuple[int, dict[str, object]]]:
    parameters = r.inputs.get("parameters")
    if isinstance(parameters, list):
        yield from ((i, p) for i, p in enumerate(parameters) if isinstance(p, dict))


def _apply_method(r: Resource) -> Iterable[Finding]:
    family = r.inputs.get("family")
    if not isinstance(family, str):
        return
    for i, parameter in _parameters(r):
        name, method = parameter.get("name"), parameter.get("applyMethod") or "immediate"
        kind = apply_type(family, name) if isinstance(name, str) else None
        if kind == "static" and method == "immediate":
            yield Finding(
                f"parameters[{i}].applyMethod",
                method,
                f"{name} is static in {family}: only pending-reboot is accepted",
            )
        if (
            kind == "dynamic"
            and method == "pending-reboot"
            and family_engine(family) == "sqlserver"
        ):
            yield Finding(
                f"parameters[{i}].applyMethod",
                method,
                f"{name} is dynamic: RDS for SQL Server accepts only immediate for it",
            )


def _long_query_time(r: Resource) -> Iterable[Finding]:
    family = r.inputs.get("family")
    if not isinstance(family, str) or family_engine(family) not in ("mysql", "mariadb"):
        return
    values = {p.get("name"): (i, p.get("value")) for i, p in _parameters(r)}
    output = str(values.get("log_output", (0, "TABLE"))[1] or "TABLE").upper()
    if "long_query_time" not in values or "FILE" in output.split(","):
        return
    i, value = values["long_query_time"]
    try:
        whole = float(str(value)).is_integer()
    except ValueError:
        return
    if not whole:
        yield Finding(
            f"parameters[{i}].value",
            value,
            f"long_query_time in fractions of a second needs log_output FILE (it is {output})",
        )


PARAMETER_RULES: list[Rule] = [
    Rule(
        "rds.parameter-group.apply-method",
        RDS_GROUP,
        "parameters[].applyMethod",
        Predicate(
            "pending-reboot for a static parameter; immediate for a dynamic one on SQL Server",
            _apply_method,
        ),
        f"{RDS_MODIFY} (Parameters: ApplyMethod); each parameter's apply type: "
        "shipspec.preview.conformance.rules_parameters.APPLY_TYPES",
    ),
    Rule(
        "docdb.parameter-group.apply-method",
        DOCDB_GROUP,
        "parameters[].applyMethod",
        Predicate("pending-reboot for a static parameter", _apply_method),
        f"{DOCDB_MODIFY}; {_DOCDB_PARAMETERS} (Apply Type)",
    ),
    Rule(
        "rds.parameter-group.long-query-time",
        RDS_GROUP,
        "parameters[].value",
        Predicate(
            "MySQL and MariaDB: long_query_time in whole seconds unless log_output is FILE",
            _long_query_time,
        ),
        f"{_MYSQL_LOGS} (long_query_time: with log_output = TABLE an integer value)",
    ),
]
