"""The markdown blocks shipspec owns in the progress file, rendered from the state.

Each function returns the lines between a block's markers (no line endings). Text a
person supplied (evidence, names) is escaped so it cannot open an HTML comment, break a
table row or fake a marker: whatever anyone types, the file still parses.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from .progress import ItemStatus, StepStatus, checklist
from .protocol import STAGE_TITLES
from .state import ProgressState, Session

SHOWN_SUMMARY = 160  # characters of evidence shown in the checklist; the record keeps all


def inline(text: str, limit: int | None = None) -> str:
    """One line of markdown-safe text: no newlines, no HTML, no table breaks."""
    flat = " ".join(text.split())
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def phases_block(state: ProgressState) -> list[str]:
    lines = [
        "| Phase | Name | Status | Approved by | Date |",
        "| --- | --- | --- | --- | --- |",
    ]
    for p in state.phases:
        lines.append(
            f"| {p.number} | {inline(p.name)} | {inline(p.status)} | "
            f"{inline(p.approved_by or '—')} | {p.date or '—'} |"
        )
    return lines


def _item_line(status: ItemStatus) -> str:
    item, ev = status.item, status.evidence
    box = "x" if status.status == "done" else " "
    head = f"  - [{box}] `{item.id}` {inline(item.title)}"
    if ev is not None:
        by = f"{inline(ev.by)}, override" if ev.override else inline(ev.by)
        return (
            f"{head}: {inline(ev.command)} at {ev.at} by {by}: "
            f"“{inline(ev.summary, SHOWN_SUMMARY)}” ({ev.digest[:19]}…)"
        )
    if status.status == "blocked":
        return f"{head}: blocked until {', '.join(status.blocked_by)}"
    return f"{head}: pending, `{inline(status.how)}`"


def session_block(session: Session, steps: list[StepStatus]) -> list[str]:
    ended = f", ended {session.ended_at}" if session.ended_at else ""
    lines = [
        f"### Deployment session {session.number}",
        "",
        f"Started {session.started_at} by {inline(session.started_by)} from "
        f"`{inline(session.spec)}` ({session.protocol}){ended}. Status: **{session.status}**.",
    ]
    stage = None
    for step in steps:
        if step.step.stage != stage:
            stage = step.step.stage
            lines += ["", f"#### {STAGE_TITLES[stage]}", ""]
        box = "x" if step.status == "done" else " "
        note = "" if step.status == "done" else f" ({step.status})"
        lines.append(f"- [{box}] **{step.step.label}. {step.step.title}**{note}")
        lines += [_item_line(i) for i in step.items]
    return lines + deliverables_lines(session)


def deliverables_lines(session: Session) -> list[str]:
    """The handoff package as ``session start`` found it: evidence, or only claimed."""
    if not session.deliverables:
        return []
    lines = ["", "#### Development handoff package", ""]
    for record in session.deliverables:
        where = f" `{inline(record.evidence)}`" if record.evidence else ""
        state = "evidence" if record.proven else "only claimed"
        lines.append(f"- **{inline(record.name)}**: {state}{where} ({inline(record.detail, 100)})")
    return lines


def audit_block(state: ProgressState) -> list[str]:
    lines = ["| Time | Who | What | Detail |", "| --- | --- | --- | --- |"]
    for e in state.audit:
        lines.append(f"| {e.at} | {inline(e.by)} | {inline(e.action)} | {inline(e.detail, 200)} |")
    return lines


def markdown_blocks(state: ProgressState) -> Iterator[tuple[str, list[str]]]:
    """Every markdown block of ``state`` by name, in file order (the record comes last)."""
    yield "phases", phases_block(state)
    for session in state.sessions:
        yield f"session-{session.number}", session_block(session, checklist(session))
    yield "audit", audit_block(state)


STATE_OPEN = "<!-- shipspec-state: the machine-readable record; shipspec session commands edit it"
STATE_CLOSE = "-->"


def state_block(state: ProgressState) -> list[str]:
    """The record as JSON inside an HTML comment; ``<``/``>`` escaped so ``-->`` cannot occur,
    and the characters Python reads as line breaks (U+0085, U+2028, U+2029) escaped so the
    record keeps the lines it was written with."""
    text = json.dumps(state.model_dump(mode="json"), indent=1, sort_keys=True, ensure_ascii=False)
    for char in "<>\x85\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return [STATE_OPEN, *text.split("\n"), STATE_CLOSE]
