"""Assemble the converted services and datastores into a handoff spec, written and validated.

The written text is what the user gets, so it is validated exactly as written: the
import's result is ``shipspec.loads`` of that text, never a model built on the side.
Settings compose cannot know get safe, visible defaults with a note to change them
(an owner placeholder, the region from ``AWS_REGION`` or us-east-1, two environments).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SpecError
from ..spec.loader import loads
from ..spec.models import HandoffSpec, Service
from ..spec.schema import SCHEMA_LINE
from ..spec.volumes import numeric_owner
from .context import Context
from .convert import spec_name
from .emit import commented_block, emit
from .report import Finding, ImportFailed, ImportReport

DEFAULT_REGION = "us-east-1"
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


@dataclass(frozen=True)
class ImportResult:
    """A handoff spec made from compose files or a repository, and how it was made.

    ``handoff_yaml`` is the commented file to write (the report is in its header);
    ``spec`` is that text loaded and validated.
    """

    spec: HandoffSpec
    report: ImportReport
    handoff_yaml: str


def build_handoff(
    ctx: Context,
    services: dict[str, Any],
    datastores: dict[str, Any],
    oneshots: dict[str, dict[str, Any]],
    *,
    name: str | None,
    environ: Mapping[str, str],
    command: str,
    test_command: str | None = None,
) -> ImportResult:
    project, report = ctx.project, ctx.report
    for variable, where in sorted(project.env.unset.items()):
        report.add(
            Finding(
                "dropped",
                "",
                where.path,
                f"variable {variable} is not set: replaced by an empty string, as Compose does",
                where.file,
                where.line,
            )
        )
    if project.obsolete_version:
        report.add(
            Finding("dropped", "", "version", "obsolete: Compose ignores it", project.files[0], 1)
        )
    if ctx.problems:
        raise ImportFailed(ctx.problems, report)
    services = {name: _known_fields(ctx, name, spec) for name, spec in services.items()}
    app = spec_name(name or project.name or project.directory.name or "app", set())
    region, region_note = _region(environ)
    services = {name: _ordered(spec) for name, spec in services.items()}
    document: dict[str, Any] = {
        "apiVersion": "shipspec/v1",
        "kind": "Handoff",
        "metadata": {"name": app, "owner": f"team-{app}"},
        "cloud": {"region": region},
        "environments": {"staging": {}, "prod": {"approval": "required"}},
        "services": services,
    }
    if datastores:
        document["datastores"] = datastores
    if ctx.volumes:
        _one_owner_per_volume(ctx, services)
        document["volumes"] = dict(sorted(ctx.volumes.items()))
    if test_command:
        document["delivery"] = {"test_command": test_command}
    notes = ctx.notes
    notes[("metadata", "owner")] = ["a placeholder: the owning team, tagged on every AWS resource"]
    notes[("cloud", "region")] = [region_note]
    notes[("environments",)] = [
        "promotion order, first deployed first; rename or add to match yours"
    ]
    after: dict[tuple[str | int, ...], list[str]] = {}
    for job, spec in oneshots.items():
        lines = after.setdefault(("services",), [])
        lines += [
            "",
            f"{job}: a one-shot task in compose, not imported (see the report above).",
            "To run it on a schedule instead, uncomment and set the schedule:",
        ]
        lines += commented_block(job, spec)
    text = emit(document, notes, _header(ctx, command), after)
    try:
        loaded = loads(text, "handoff.yaml")
    except SpecError as error:
        raise ImportFailed(error.diagnostics, report) from None
    return ImportResult(loaded, report, text)


def _known_fields(ctx: Context, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The service without the fields this version of the spec does not have.

    The converter fills the agreed container and traffic fields (``healthcheck``,
    ``protocol``, ``ports``...); a spec model without one of them would refuse the whole
    handoff, so each such field is left out and reported instead.
    """
    known = Service.model_fields
    compose = next((c for c, n in ctx.names.items() if n == name), name)
    for key in [k for k in spec if k not in known]:
        value = spec.pop(key)
        ctx.report.add(
            Finding(
                "dropped",
                compose,
                key,
                f"this version of the spec has no `{key}` field, so {_shown(value)} is not "
                "written: carry it over by hand once it has",
            )
        )
        ctx.notes.pop(("services", name, key), None)
    return spec


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _region(environ: Mapping[str, str]) -> tuple[str, str]:
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = environ.get(variable, "")
        if _REGION.match(value):
            return value, f"from {variable}"
    return DEFAULT_REGION, f"a default ({DEFAULT_REGION}): set the region to deploy to"


def _header(ctx: Context, command: str) -> list[str]:
    project = ctx.project
    lines = [
        SCHEMA_LINE,
        f"Written by `{command}` from {', '.join(project.files)}.",
        "Review it before use: comments beside values say where they came from, and the report",
        "below lists every compose setting and what became of it. Then run",
        "`shipspec validate handoff.yaml` and `shipspec plan handoff.yaml`.",
    ]
    if project.env.from_process:
        names = ", ".join(sorted(project.env.from_process))
        lines.append(f"Variables read from the process environment: {names}.")
    lines.append("")
    lines += ctx.report.lines(width=96)
    return lines


_ORDER = (
    "type",
    "image",
    "build",
    "port",
    "public",
    "health",
    "cpu",
    "memory",
    "env",
    "secrets",
    "uses",
    "scaling",
    "schedule",
)


def _ordered(spec: dict[str, Any]) -> dict[str, Any]:
    """A service's keys in the order the spec documents them, so every handoff reads alike."""
    return {k: spec[k] for k in _ORDER if k in spec} | {
        k: v for k, v in spec.items() if k not in _ORDER
    }


def _one_owner_per_volume(ctx: Context, services: dict[str, dict[str, Any]]) -> None:
    """Compose lets services that share a named volume write it as different users; on
    EFS every mounting service reads and writes a volume as one owner (spec/volumes.py).
    Where their numeric users differ, the volume takes the first service's, reported."""
    compose_name = {spec: compose for compose, spec in ctx.names.items()}
    for volume, settings in ctx.volumes.items():
        first: tuple[str, tuple[int, int]] | None = None
        for name, spec in services.items():
            owner = numeric_owner(spec.get("user")) if volume in spec.get("volumes", {}) else None
            if owner is None:
                continue
            if first is None:
                first = (name, owner)
            elif owner != first[1]:
                settings.update(uid=first[1][0], gid=first[1][1])
                ctx.find(
                    "dropped",
                    compose_name.get(name, name),
                    ("user",),
                    f"shares volume {volume} with {first[0]}, which runs as "
                    f"{first[1][0]}:{first[1][1]}: on EFS every service reads and writes a "
                    f"volume as one owner, so volumes.{volume}.uid/gid is {first[0]}'s "
                    f"(its files no longer belong to {owner[0]}:{owner[1]})",
                )
