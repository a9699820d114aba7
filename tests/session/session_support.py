"""The pipeline commands as the CLI runs them once the lead pastes the ``_record`` lines:
each succeeds, then hands its result text to ``record_success``.

``check`` is another engineer's command; until it exists its success is simulated with
the same call it will make.
"""

from __future__ import annotations

from pathlib import Path

import shipspec
from shipspec.cost import cost_line
from shipspec.model_io import read_model
from shipspec.preview import run_preview
from shipspec.session import record_success
from shipspec.session.start import validation_summary


def validate(spec: Path) -> list[str]:
    loaded = shipspec.load(spec)
    return record_success("validate", spec, validation_summary(spec, loaded))


def plan(spec: Path) -> list[str]:
    model = shipspec.plan(shipspec.load(spec), spec_file=spec.name)
    decisions = sum(len(e.decisions) for e in model.environments)
    summary = f"{model.app}: {len(model.environments)} environments, {decisions} decisions"
    return record_success("plan", spec, summary)


def generate(spec: Path, out: Path) -> list[str]:
    model = shipspec.plan(shipspec.load(spec), spec_file=f"../{spec.name}")
    result = shipspec.generate(model, out)
    counts = {a: len(result.paths(a)) for a in ("create", "update", "delete", "unchanged")}
    summary = (
        f"{out}: {counts['create']} created, {counts['update']} updated, "
        f"{counts['delete']} deleted, {counts['unchanged']} unchanged"
    )
    return record_success("generate", out, summary)


def preview(out: Path, env: str) -> tuple[list[str], str]:
    result = run_preview(out, env)
    s = result.summary()
    summary = (
        f"{result.project}/{result.environment}: {s['total']} resources ({s['create']} to "
        f"create, {s['update']} to update, {s['delete']} to delete)"
    )
    marked = record_success("preview", out, summary, environment=result.environment)
    return marked, cost_line(read_model(out), result.environment)


def check(out: Path) -> list[str]:
    return record_success("check", out, "policy check: 0 violations (baseline, pci-dss)")
