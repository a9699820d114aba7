"""The deployment protocol, version 1, as data: stages, steps, and the evidence each needs.

A step is done when each of its items has evidence. An item names what marks it: a
shipspec command whose success is the evidence (``validate``, ``plan``, ``doctor``,
``generate``, ``preview``, ``check``, ``session start``, ``session end``), or
:data:`PERSON` for what only a person can confirm (``session mark ITEM --evidence``).
``when`` narrows a command's evidence: ``generate`` proves the CI/CD step only when it
wrote CI files, ``preview`` proves the production step only for the production stack.
``proved_by`` lets a command prove a person's item with live evidence: ``shipspec status
--env <production>`` exits 0 only when every service runs its desired count on the
deployed image, no alarm is in ALARM and every public health URL answers, which proves
"production deployed" and "production verified"; a person may still mark them.

Changing this table changes the protocol: bump :data:`PROTOCOL`, so a progress file
written under the old one is recognised as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PROTOCOL = "shipspec-deployment/1"
PERSON = "person"
Stage = Literal["start", "work", "end"]
STAGE_TITLES = {"start": "Start", "work": "Work", "end": "End"}


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    marked_by: str  # a command, or PERSON
    when: str | None = None  # "infra-files", "ci-files", "docs-files", "production"
    example: str = ""  # for PERSON items: the kind of evidence a person gives
    # A command whose success also proves a PERSON item (live evidence), and its condition.
    proved_by: str = ""
    proved_when: str | None = None

    def condition_for(self, command: str) -> str | None:
        """The ``when`` that applies when ``command`` gives this item evidence."""
        return self.when if command == self.marked_by else self.proved_when

    def how(self, spec: str = "handoff.yaml", out: str = ".") -> str:
        """What to run to produce this item's evidence."""
        return self.command(spec, out) + self.condition

    @property
    def condition(self) -> str:
        """When the command counts as evidence (" (it must write infra/)"), or ""."""
        return _CONDITIONS.get(self.when or "", "")

    def command(self, spec: str = "handoff.yaml", out: str = ".") -> str:
        """The command line alone, without :attr:`condition`."""
        if self.marked_by == PERSON:
            return f'shipspec session mark {self.id} --evidence "{self.example}"'
        target = {"validate": spec, "plan": spec, "generate": f"{spec} -o {out}"}.get(
            self.marked_by, out
        )
        if self.marked_by.startswith("session"):
            target = ""
        return f"shipspec {self.marked_by} {target}".rstrip()


_CONDITIONS = {
    "ci-files": " (it must write the CI files)",
    "docs-files": " (it must write docs/operations/)",
    "infra-files": " (it must write infra/)",
    "production": " for the production environment",
}


@dataclass(frozen=True)
class Step:
    id: str  # "start-1"
    stage: Stage
    number: int
    title: str
    items: tuple[Item, ...]
    requires: tuple[str, ...] = ()  # steps that must be done before this one can be

    @property
    def label(self) -> str:
        return f"{STAGE_TITLES[self.stage]} {self.number}"


STEPS: tuple[Step, ...] = (
    Step(
        "start-1",
        "start",
        1,
        "Development handoff validation",
        (
            Item(
                "phase-6-approved", "Development Phase 6 is complete and approved", "session start"
            ),
            Item("handoff-valid", "The handoff spec validates", "validate"),
        ),
    ),
    Step(
        "start-2",
        "start",
        2,
        "Infrastructure requirements analysis",
        (
            Item(
                "requirements-planned",
                "The deployment model is planned, every decision with its reason",
                "plan",
            ),
        ),
        requires=("start-1",),
    ),
    Step(
        "start-3",
        "start",
        3,
        "Deployment environment preparation",
        (
            Item(
                "environment-ready",
                "Pulumi CLI, AWS credentials, stack configs, CI files and "
                "the state backend check out",
                "doctor",
            ),
        ),
        requires=("start-1",),
    ),
    Step(
        "work-1",
        "work",
        1,
        "Handoff processing",
        (
            Item(
                "model-recorded",
                "The handoff is processed into the deployment model saved with "
                "the output (.shipspec/model.json)",
                "generate",
            ),
        ),
        requires=("start-1",),
    ),
    Step(
        "work-2",
        "work",
        2,
        "Infrastructure automation",
        (
            Item(
                "infrastructure-generated",
                "The Pulumi program and a stack config per environment are generated",
                "generate",
                when="infra-files",
            ),
        ),
        requires=("start-2",),
    ),
    Step(
        "work-3",
        "work",
        3,
        "CI/CD pipeline automation",
        (
            Item(
                "pipeline-generated", "The CI/CD pipeline is generated", "generate", when="ci-files"
            ),
        ),
        requires=("work-2",),
    ),
    Step(
        "work-4",
        "work",
        4,
        "Production deployment execution",
        (
            Item(
                "production-previewed",
                "The production stack previews offline",
                "preview",
                when="production",
            ),
            Item(
                "security-validated",
                "The policy check passes (security and compliance rule packs)",
                "check",
            ),
            Item(
                "production-deployed",
                "`pulumi up` ran on the production stack",
                PERSON,
                example="CI run https://ci.example.com/runs/123 deployed prod",
                proved_by="status",
                proved_when="production",
            ),
        ),
        requires=("start-3", "work-2", "work-3"),
    ),
    Step(
        "work-5",
        "work",
        5,
        "Operations handoff preparation",
        (
            Item(
                "operations-docs-generated",
                "The handoff, runbook and baseline are generated (docs/operations/)",
                "generate",
                when="docs-files",
            ),
            Item(
                "runbook-reviewed",
                "The on-call team reviewed the runbook and the alert routing",
                PERSON,
                example="reviewed with the on-call team on 2026-11-20",
            ),
        ),
        requires=("work-2",),
    ),
    Step(
        "end-1",
        "end",
        1,
        "Deployment completion validation",
        (
            Item(
                "production-verified",
                "Production is verified after the deploy: smoke tests "
                "pass, dashboards and alarms are green",
                PERSON,
                example="smoke tests passed, no alarm in ALARM for 1 hour",
                proved_by="status",
                proved_when="production",
            ),
        ),
        requires=("work-4",),
    ),
    Step(
        "end-2",
        "end",
        2,
        "Operations handoff preparation",
        (
            Item(
                "handoff-package-written",
                "The operations handoff package is current; Phase 8 is set to ready",
                "session end",
            ),
        ),
        requires=("work-5", "end-1"),
    ),
    Step(
        "end-3",
        "end",
        3,
        "Production operations transition",
        (
            Item(
                "audit-trail-recorded",
                "The transition is recorded in the audit trail",
                "session end",
            ),
        ),
        requires=("end-2",),
    ),
)
_STEPS = {s.id: s for s in STEPS}
_ITEMS = {i.id: (s, i) for s in STEPS for i in s.items}


def step(step_id: str) -> Step:
    return _STEPS[step_id]


def item(item_id: str) -> tuple[Step, Item]:
    """The step and item called ``item_id``; a KeyError naming the known ones."""
    try:
        return _ITEMS[item_id]
    except KeyError:
        raise KeyError(item_id) from None


def item_ids() -> list[str]:
    return list(_ITEMS)


def marked_by(command: str) -> list[Item]:
    """The items a successful ``command`` gives evidence for."""
    return [i for s in STEPS for i in s.items if command in (i.marked_by, i.proved_by)]
