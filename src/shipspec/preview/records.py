"""What a preview run records, as plain data that crosses a process boundary.

These types import nothing from Pulumi: the CLI process reads them from the preview's
child process (:mod:`shipspec.preview.isolation`) and from the preview cache without
loading the SDK. :func:`run_to_dict` and :func:`run_from_dict` go field by field, so a
field added to :class:`RecordedResource` travels through the child and the cache
without touching this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


class ProgramError(Exception):
    """The program raised, failed a registration, logged an error or registered nothing."""

    def __init__(
        self,
        message: str,
        *,
        filename: str | None = None,
        lineno: int | None = None,
        cause: BaseException | None = None,
    ) -> None:
        self.message = message
        self.filename = filename
        self.lineno = lineno
        self.cause = cause
        where = f"{filename}:{lineno}: " if filename and lineno else ""
        super().__init__(f"{where}{message}")


@dataclass(frozen=True)
class RecordedResource:
    """One resource registration, as the engine would have received it."""

    type: str
    name: str
    urn: str
    parent: str | None
    inputs: dict[str, Any]
    dependencies: list[str]
    custom: bool = True
    """False for component resources (``shipspec:aws:WebService``...)."""
    ignore_changes: list[str] = field(default_factory=list)
    """``ResourceOptions.ignore_changes`` in wire names (``desiredCount``)."""
    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    replace_on_changes: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    """Old URNs this resource answers to (own aliases and those inherited from its parent)."""
    import_id: str = ""
    """``ResourceOptions.import_``: the id of the existing resource Pulumi adopts ("" none)."""


@dataclass(frozen=True)
class StackRun:
    """Everything one mocked run produced."""

    project: str
    stack: str
    stack_urn: str
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    """Stack exports (``pulumi.export``), rendered like inputs."""
    warnings: list[str]
    seconds: float


_RESOURCE_FIELDS = tuple(f.name for f in fields(RecordedResource))


def run_to_dict(run: StackRun) -> dict[str, Any]:
    """JSON-compatible data for ``run`` (inputs and outputs are already plain)."""
    body = {f.name: getattr(run, f.name) for f in fields(StackRun) if f.name != "resources"}
    body["resources"] = [
        {name: getattr(resource, name) for name in _RESOURCE_FIELDS} for resource in run.resources
    ]
    return body


def run_from_dict(body: dict[str, Any]) -> StackRun:
    """The inverse of :func:`run_to_dict`; ``KeyError``/``TypeError`` on a malformed body."""
    resources = [
        RecordedResource(**{name: item[name] for name in _RESOURCE_FIELDS if name in item})
        for item in body["resources"]
    ]
    values = {f.name: body[f.name] for f in fields(StackRun) if f.name != "resources"}
    return StackRun(resources=resources, **values)
