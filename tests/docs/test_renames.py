"""The handoff's "Renames in this release": a renamed datastore's services read its
variables under a new prefix, so the handoff lists each old and new name, says the old
ones go when `renamed_from` is removed, and what else follows the new name."""

from __future__ import annotations

import shipspec
from shipspec.render.renderer import render

HANDOFF = "docs/operations/handoff.md"

SPEC = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: ledger, owner: team-ledger}
cloud: {region: eu-west-1}
requirements: {security: {compliance: [pci-dss]}}
environments:
  dev: {}
  prod: {}
services:
  api:
    type: worker
    image: ghcr.io/example/api:1.0
    uses: [carrier-ledger, cache]
    migrate: [./migrate]
datastores:
  carrier-ledger: {RENAMED engine: postgres, version: "16"}
  cache: {engine: redis}
observability: {alert_email: oncall@example.com}
"""


def handoff(renamed: bool) -> str:
    text = SPEC.replace("RENAMED ", "renamed_from: ledger, " if renamed else "")
    model = shipspec.plan(shipspec.loads(text))
    return dict(render(model, only=["docs"]))[HANDOFF]


def test_a_renamed_datastore_lists_old_and_new_names_and_what_else_moves() -> None:
    page = handoff(True)
    section = page.split("## Renames in this release")[1].split("\n## ")[0]
    assert "**carrier-ledger**, renamed from `ledger`" in section
    for suffix in ("HOST", "PORT", "NAME", "AUTH"):
        assert f"| `LEDGER_{suffix}` | `CARRIER_LEDGER_{suffix}` |" in section
    # Under PCI DSS every environment gives the service its own database user: no service
    # reads the master secret, only the migration task does.
    rows = [
        ("USERNAME", "variable, where a service has its own database user (dev, prod)"),
        ("PASSWORD", "ECS secret, the migration task (api-migrate): master password"),
    ]
    for suffix, what in rows:
        assert f"| `LEDGER_{suffix}` | `CARRIER_LEDGER_{suffix}` | {what} |" in section
    assert "LEDGER_SECRET_ARN" not in section
    assert "only then remove `renamed_from`" in section and "the old names are gone" in section
    assert "`ledger-prod-carrier-ledger-cpu`" in section
    assert '`.["ledger"]` gets `null`' in section
    # The cache was not renamed: nothing of it is listed.
    assert "CACHE" not in section


def test_no_rename_no_section() -> None:
    assert "## Renames in this release" not in handoff(False)


def test_without_a_compliance_pack_the_renamed_master_secret_variable_is_listed() -> None:
    text = SPEC.replace("RENAMED ", "renamed_from: ledger, ").replace(
        "requirements: {security: {compliance: [pci-dss]}}\n", ""
    )
    page = dict(render(shipspec.plan(shipspec.loads(text)), only=["docs"]))[HANDOFF]
    section = page.split("## Renames in this release")[1].split("\n## ")[0]
    what = "variable, where a service reads the master secret (dev, prod)"
    assert f"| `LEDGER_SECRET_ARN` | `CARRIER_LEDGER_SECRET_ARN` | {what} |" in section
    assert "own database user" not in section


def test_a_renamed_documentdb_cluster_lists_no_secret_where_services_use_their_roles() -> None:
    """Under PCI DSS a DocumentDB consumer signs in with its task role (MONGODB-AWS): the
    renamed variables are those it gets, without _SECRET_ARN, and its db-admin task follows
    the new name too."""
    text = SPEC.replace("RENAMED engine: postgres", "renamed_from: ledger, engine: mongodb")
    text = text.replace('version: "16"', 'version: "5.0"').replace("    migrate: [./migrate]\n", "")
    model = shipspec.plan(shipspec.loads(text))
    page = dict(render(model, only=["docs"]))[HANDOFF]
    section = page.split("## Renames in this release")[1].split("\n## ")[0]
    for suffix in ("HOST", "PORT", "TLS", "URL", "NAME", "AUTH"):
        assert f"| `LEDGER_{suffix}` | `CARRIER_LEDGER_{suffix}` |" in section
    assert "SECRET_ARN" not in section
    assert "the db-admin task's family and log group" in section
