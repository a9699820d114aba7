"""Each datastore's values in ``Pulumi.<env>.yaml``: sizes, protection, and for SQL databases
the one-off db-admin task's client image and SQL (``plan/db_admin.py``)."""

from __future__ import annotations

from typing import Any

from ...plan.db_admin import (
    ADMIN_ENGINES,
    CA_BUNDLE_URL,
    CLIENT_IMAGES,
    DATABASE_NAME,
    DOCUMENT_CLIENT_IMAGE,
    DOCUMENT_SCRIPT,
    admin_sql,
    database_users,
)
from ...plan.model import EnvironmentPlan
from ._images import image_ref


def datastore_config(d: Any, env: EnvironmentPlan) -> dict[str, Any]:
    values = _engine_values(d)
    if d.engine in ADMIN_ENGINES:
        # The one-off db-admin task: its client image, curl fetching AWS's CA bundle before
        # it, and the SQL it runs by default.
        users = database_users(env).get(d.name, [])
        values["admin"] = {
            "image": image_ref(CLIENT_IMAGES[d.engine]),
            "caImage": image_ref("curl"),
            "caBundleUrl": CA_BUNDLE_URL,
            "sql": admin_sql(d.engine, users),
        }
    if d.engine == "mongodb":
        # The one-off db-admin task: mongosh, and curl fetching AWS's CA bundle before it.
        values["admin"] = {
            "image": image_ref(DOCUMENT_CLIENT_IMAGE),
            "caImage": image_ref("curl"),
            "caBundleUrl": CA_BUNDLE_URL,
            "database": DATABASE_NAME,
            "script": DOCUMENT_SCRIPT,
        }
    if d.engine == "opensearch":
        # The one-off search-admin task: curl, which signs the request with SigV4.
        values["admin"] = {"image": image_ref("curl")}
    if d.slow_query_ms is not None:
        # The slow-statement log's threshold (plan/slow_queries.py): the parameter group sets it.
        values["slowQueryMs"] = d.slow_query_ms
    if d.engine not in ("memcached", "rabbitmq"):
        values["protect"] = d.protect
    if d.import_id:
        values["importId"] = d.import_id
    return values


def _engine_values(d: Any) -> dict[str, Any]:
    if d.engine in ("postgres", "mysql", "mariadb", "sqlserver"):
        # RDS instances; SQL Server names its edition (license included) first.
        edition = {"edition": d.edition} if d.engine == "sqlserver" else {}
        return {
            **edition,
            "version": d.version,
            "instanceClass": d.instance_class,
            "storageGb": d.storage_gb,
            "maxStorageGb": d.max_storage_gb,
            "multiAz": d.multi_az,
            "backupDays": d.backup_days,
            "deletionProtection": d.deletion_protection,
        }
    if d.engine == "opensearch":
        return {
            "version": d.version,
            "instanceType": d.instance_class,
            "nodes": d.nodes,
            "masterNodes": d.master_nodes,
            "masterType": d.master_class,
            "storageGb": d.storage_gb,
        }
    if d.engine == "redis":
        return {
            "version": d.version,
            "nodeType": d.instance_class,
            "replicas": d.replicas,
            "backupDays": d.backup_days,
            "cache": d.cache,
        }
    if d.engine == "mongodb":
        return {
            "version": d.version,
            "instanceClass": d.instance_class,
            "instances": 1 + d.replicas,
            "backupDays": d.backup_days,
            "deletionProtection": d.deletion_protection,
        }
    if d.engine == "rabbitmq":
        return {
            "version": d.version,
            "instanceType": d.instance_class,
            "cluster": d.multi_az,
            "deletionProtection": d.deletion_protection,
        }
    if d.engine == "memcached":
        return {"version": d.version, "nodeType": d.instance_class, "nodes": d.nodes}
    if d.engine == "s3":
        return {"versioning": d.versioning, "forceDestroy": d.force_destroy}
    return {"deadLetter": d.dead_letter, "visibilityTimeoutSeconds": d.visibility_timeout_seconds}
