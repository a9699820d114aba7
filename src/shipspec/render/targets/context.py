"""Context target: ``.ai_context/deployment_context.md`` — what to load at session start.

The page a coding assistant (or an engineer new to the repository) reads before touching
the infrastructure: what is deployed, which file is the source of each generated one,
the command that proves each protocol step, where the session's progress is kept, and
the plan's decisions a reviewer is most likely to question, with their reasons.

It is rendered from the model alone, like every other output, so ``generate --check``
stays a pure function of the spec. The current phase and the open steps change with
every ``session mark``; they live in the progress file, which the page points to, and
are not copied here (a copy would make the committed output stale after every mark).

:func:`agents_section` is the short section shipspec keeps in the repository's
``AGENTS.md`` (written by :mod:`shipspec.write.agents`), pointing at this page.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from ...cost.usage import num
from ...plan.engine_versions import version_label, version_note
from ...plan.engines import az_spread
from ...plan.model import Decision, DeploymentModel, EnvironmentPlan
from ...session.protocol import STEPS, Step
from . import target
from ._slo_coverage import unmonitored_slos
from .docs import strategy_text

CONTEXT_FILE = ".ai_context/deployment_context.md"
PROGRESS_FILE = ".ai_context/framework_progress.md"

# The plan's decisions reviewers question most, as (key pattern, why it draws questions).
# Cost and availability trade-offs first: they are where a reviewer's intuition and the
# plan's rules most often differ.
QUESTIONED: tuple[tuple[str, str], ...] = (
    ("network.az_count", "availability versus cost"),
    ("network.nat_gateway_count", "NAT gateways are a large fixed cost"),
    ("network.interface_endpoints", "endpoints cost per hour, NAT per GB"),
    ("services.*.min_count", "standing tasks are the largest compute cost"),
    ("services.*.strategy", "how a bad release is stopped"),
    ("datastores.*.instance_class", "the largest datastore cost"),
    ("datastores.*.node_type", "the largest cache cost"),
    ("datastores.*.multi_az", "doubles the datastore cost"),
    ("datastores.*.replicas", "each replica is another node's cost"),
    ("datastores.*.deletion_protection", "stops a stack update from deleting data"),
    ("log_retention_days", "log storage cost versus audit needs"),
    ("network.flow_log_retention_days", "log storage cost versus audit needs"),
)

# Every pattern of QUESTIONED in one expression, a group each in order, so the first that
# matches is the one fnmatch would find first: a 200-service stack has some 3,000 decisions,
# and trying each pattern in turn on each was most of this page's context.
_QUESTIONED_ANY = re.compile("|".join(f"({fnmatch.translate(p)})" for p, _ in QUESTIONED))

# Generated artefacts per target, as the reader should see them: (what it is, its source).
_ARTEFACTS = {
    "pulumi": "the Pulumi program and one stack config per environment",
    "github": "the CI/CD pipeline (GitHub Actions)",
    "gitlab": "the CI/CD pipeline (GitLab CI)",
    "monitoring": "Prometheus SLO rules and their tests, Alertmanager routing, the dashboard",
    "docs": "the operations handoff package: handoff, runbook, baseline, architecture",
    "compliance": "each compliance control and its status",
    "context": "this page",
}


@target("context")
def context(model: DeploymentModel) -> dict[str, Any]:
    """.ai_context/deployment_context.md"""
    production = model.production
    return {
        "production": production,
        "strategy": strategy_text,
        "num": num,
        "artefacts": artefacts(model),
        "protocol": protocol_rows(model.spec_file),
        "questioned": questioned(production),
        "deliverables": deliverable_rows(model),
        "progress_file": PROGRESS_FILE,
        "unmonitored_slos": unmonitored_slos(model),
        "version_label": version_label,
        "az_spread": az_spread,
        "version_note": version_note,
    }


def artefacts(model: DeploymentModel) -> list[tuple[str, str]]:
    """``(files, what they are)`` for every target this model enables, in render order."""
    from . import load_builtin_targets

    targets = load_builtin_targets()
    rows = []
    for name, what in _ARTEFACTS.items():
        t = targets.get(name)
        if t is not None and t.enabled(model):
            rows.append((" ".join(t.description.split()), what))
    rows.append(
        (
            ".shipspec/manifest.json, .shipspec/model.json",
            "what shipspec wrote with each file's hash, and the planned model",
        )
    )
    return rows


def protocol_rows(spec_file: str) -> list[tuple[Step, str, str, str, str]]:
    """``(step, item id, title, command, condition)`` for every protocol item.

    Commands are written as run from the output folder (where this page's ``AGENTS.md``
    is), with the spec named as generated files name it.
    """
    rows = []
    for step in STEPS:
        for item in step.items:
            command = item.command(spec_file, ".")
            if item.marked_by == "session start":
                command += f" {spec_file}"
            rows.append((step, item.id, item.title, command, item.condition.strip()))
    return rows


def questioned(env: EnvironmentPlan) -> list[tuple[Decision, str]]:
    """The environment's decisions matching :data:`QUESTIONED`, in the plan's order."""
    found = []
    for decision in env.decisions:
        match = _QUESTIONED_ANY.match(decision.key)
        why = QUESTIONED[match.lastindex - 1][1] if match and match.lastindex else None
        if why is not None and decision.value not in (0, False, None, [], ""):
            found.append((decision, why))
    return found


def deliverable_rows(model: DeploymentModel) -> list[tuple[str, str | None]]:
    """``(name, evidence path or None)``: what the handoff package claims and what proves it."""
    dev = model.development
    if dev is None:
        return []
    rows: list[tuple[str, str | None]] = []
    for name in dev.deliverables:
        evidence = dev.evidence.get(name)
        rows.append((_flat(name), _flat(evidence) if evidence else None))
    return rows


def _flat(text: str) -> str:
    """One line of text, so a name cannot break the page's lists or open a comment."""
    return " ".join(text.split()).replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")


def agents_section(model: DeploymentModel) -> list[str]:
    """The lines of shipspec's section in ``AGENTS.md`` (without its markers)."""
    spec = model.spec_file
    return [
        "## Deployment (maintained by shipspec)",
        "",
        f"Before changing infrastructure, CI/CD or monitoring, read `{CONTEXT_FILE}`:",
        "what this repository deploys, which file is the source of each generated one, the",
        "commands that prove each deployment protocol step, and the decisions behind the sizing.",
        "",
        "- Files listed in `.shipspec/manifest.json` are generated: never edit them. Change the",
        f"  handoff spec (`{spec}`) and run `shipspec generate {spec} -o .`;",
        "  `shipspec generate --check` fails on a stale or hand-edited file.",
        f"- Record deployment progress with `shipspec session` commands; `{PROGRESS_FILE}`",
        "  keeps the current phase and the open steps (`shipspec session status`).",
        "- shipspec rewrites only the text between this section's markers; the rest of this",
        "  file is yours.",
    ]
