"""The db-admin task's SQL is safe to run on every deploy (the deploy job runs it each time).

The deploy job runs each database's db-admin task before the services roll, on the first
deploy and on every one after it, and fails the deploy unless it exits 0 (psql stops at the
first error, ``ON_ERROR_STOP``; the mysql client at the first error in ``--execute``). So
each statement must succeed when what it creates already exists. The tests do not start a
database server; they assert the guard each statement relies on:

* PostgreSQL has no ``CREATE ROLE IF NOT EXISTS``: the role is created inside a ``DO``
  block only when ``pg_roles`` lacks it. ``GRANT`` of a privilege or a role the grantee
  already holds succeeds (a notice, no error), and so does ``ALTER DEFAULT PRIVILEGES``.
* MySQL and MariaDB: ``CREATE USER IF NOT EXISTS`` (a warning when the user exists), and
  ``ALTER USER ... REQUIRE SSL`` and ``GRANT`` are repeatable.
"""

from __future__ import annotations

import re

import pytest

from shipspec.plan.db_admin import ADMIN_ENGINES, admin_sql

USERS = ["web", "mailer"]
PG_CREATE = re.compile(
    r"^DO \$\$ BEGIN IF NOT EXISTS \(SELECT FROM pg_roles WHERE rolname = '(\w+)'\) "
    r"THEN CREATE ROLE (\w+) LOGIN; END IF; END \$\$;$"
)
REPEATABLE = {
    "postgres": ("GRANT ", "ALTER DEFAULT PRIVILEGES "),
    "mysql": ("GRANT ", "ALTER USER "),
    "mariadb": ("GRANT ", "ALTER USER "),
}


@pytest.mark.parametrize("engine", sorted(ADMIN_ENGINES))
def test_every_statement_succeeds_when_its_object_exists(engine: str) -> None:
    created: list[str] = []
    for statement in admin_sql(engine, USERS):
        if engine == "postgres" and (match := PG_CREATE.match(statement)):
            # The role it checks for is the role it creates.
            assert match.group(1) == match.group(2)
            created.append(match.group(1))
        elif engine != "postgres" and (
            match := re.match(r"^CREATE USER IF NOT EXISTS '(\w+)'@'%' ", statement)
        ):
            created.append(match.group(1))
        else:
            assert statement.startswith(REPEATABLE[engine]), statement
            assert "CREATE" not in statement and "DROP" not in statement, statement
    assert created == USERS


@pytest.mark.parametrize("engine", sorted(ADMIN_ENGINES))
def test_without_users_it_only_reads(engine: str) -> None:
    assert admin_sql(engine, []) == ["SELECT version();"]
