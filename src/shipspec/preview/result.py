"""``Preview``: the resources a generated program registers for one stack, and the diff.

The JSON form is a documented, stable contract::

    {"project": "shop", "environment": "prod",
     "resources": [{"type", "name", "urn", "parent", "inputs", "dependencies", "change",
                    "options"}],
     "summary": {"total": 170, "create": 3, "update": 1, "delete": 0, "same": 166,
                 "by_type": {"aws:ec2/subnet:Subnet": 6, ...}}}

``inputs`` are keyed as Pulumi records them (``storageEncrypted``); ``change`` is
``create``/``update``/``same`` against the previous preview of that environment, and
resources that were there last time but are gone now appear with ``delete``. A resource
whose URN changed but that lists its old URN in ``options.aliases`` is the same resource
(Pulumi moves its state), so it is compared with the old one rather than created.
``options`` are the resource options the engine receives, in its wire names, each only
when set: ``protect``, ``retainOnDelete``, ``deleteBeforeReplace``, ``ignoreChanges``,
``replaceOnChanges``, ``aliases`` (old URNs, including those inherited from the parent).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

# "import": new to the stack but adopted (the `import` option), shown like Pulumi's "=".
Change = Literal["create", "import", "update", "delete", "same"]


@dataclass(frozen=True)
class PreviewResource:
    type: str
    name: str
    urn: str
    parent: str | None
    inputs: dict[str, Any]
    dependencies: list[str]
    change: Change = "create"
    options: dict[str, Any] = field(default_factory=dict)

    def with_change(self, change: Change) -> PreviewResource:
        return PreviewResource(
            self.type,
            self.name,
            self.urn,
            self.parent,
            self.inputs,
            self.dependencies,
            change,
            self.options,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "urn": self.urn,
            "parent": self.parent,
            "inputs": self.inputs,
            "dependencies": self.dependencies,
            "change": self.change,
            "options": self.options,
        }


@dataclass(frozen=True)
class TreeRow:
    change: Change
    type: str
    name: str
    depth: int


@dataclass
class Preview:
    """What ``pulumi up`` would do to one stack, computed offline."""

    project: str
    environment: str
    resources: list[PreviewResource]
    deleted: list[PreviewResource] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data_loss: list[Any] = field(default_factory=list)
    """:class:`~shipspec.preview.dataloss.DataLoss` items against the previous preview."""

    def of_type(self, type_token: str) -> list[PreviewResource]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str) -> PreviewResource:
        return next(r for r in self.resources if r.name == name)

    def summary(self) -> dict[str, Any]:
        changes = Counter(r.change for r in self.resources)
        return {
            "total": len(self.resources),
            "create": changes["create"],
            "import": changes["import"],
            "update": changes["update"],
            "delete": len(self.deleted),
            "same": changes["same"],
            "by_type": dict(sorted(Counter(r.type for r in self.resources).items())),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "environment": self.environment,
            "resources": [r.as_dict() for r in [*self.resources, *self.deleted]],
            "summary": self.summary(),
            "dataLoss": [loss.as_dict() for loss in self.data_loss],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def tree_rows(self) -> list[TreeRow]:
        """Resources as an indented tree (components first-level, children below)."""
        depth: dict[str, int] = {}
        rows = []
        for r in self.resources:
            level = depth.get(r.parent, -1) + 1 if r.parent else 0
            depth[r.urn] = level
            rows.append(TreeRow(r.change, r.type, r.name, level))
        rows.extend(TreeRow("delete", r.type, r.name, 0) for r in self.deleted)
        return rows

    def summary_lines(self) -> list[str]:
        s = self.summary()
        lines = [
            f"Resources: {s['total']} ({s['create']} to create, "
            + (f"{s['import']} to import, " if s["import"] else "")
            + f"{s['update']} to update, "
            f"{s['delete']} to delete, {s['same']} unchanged)"
        ]
        lines.extend(self.notes)
        return lines


def diff(
    current: list[PreviewResource], previous: dict[str, dict[str, Any]] | None
) -> tuple[list[PreviewResource], list[PreviewResource]]:
    """Mark each resource create/update/same against the previous run's ``{urn: resource dict}``."""
    if previous is None:
        return [_adopted(r) for r in current], []
    marked = []
    seen = set()
    for r in current:
        before_urn = previous_urn(r, previous)
        before = previous.get(before_urn) if before_urn else None
        seen.add(before_urn)
        change: Change = (
            "create"
            if before is None
            else ("same" if before.get("inputs") == r.inputs else "update")
        )
        marked.append(_adopted(r.with_change(change)))
    deleted = [
        PreviewResource(
            p["type"],
            p["name"],
            urn,
            p.get("parent"),
            p.get("inputs", {}),
            p.get("dependencies", []),
            "delete",
            p.get("options", {}),
        )
        for urn, p in sorted(previous.items())
        if urn not in seen
    ]
    return marked, deleted


def _adopted(resource: PreviewResource) -> PreviewResource:
    """A resource new to the stack with the ``import`` option is adopted, not created."""
    if resource.change == "create" and resource.options.get("import"):
        return resource.with_change("import")
    return resource


def previous_urn(resource: PreviewResource, previous: dict[str, dict[str, Any]]) -> str | None:
    """The URN ``resource`` had in the previous run: its own, or an alias that was there."""
    if resource.urn in previous:
        return resource.urn
    return next((a for a in resource.options.get("aliases", []) if a in previous), None)
