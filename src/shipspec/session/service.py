"""The session commands as library calls: start, status, mark, record, end.

Each call finds the progress file (in ``cwd`` or a parent), changes the state, and
writes it back through :class:`~.progressfile.ProgressFile`, or raises without writing.
Every change reads, changes and writes the file under one lock (:mod:`.lock`), so
concurrent commands do not lose each other's updates. Time comes from an injectable
clock and the acting person from ``actor``, so tests pass fixed ones and the file they
produce is the same on every run.

``end_session`` is handed the function that checks the operations package
(:func:`shipspec.session.package.check_operations_package` in the CLI): this module
records what other stages did, it does not render or write generated files itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import SessionError, SessionIncomplete
from .locate import PROGRESS_FILE, find_progress
from .lock import locked
from .progress import checklist, missing_before_end
from .progressfile import ProgressFile
from .protocol import PERSON, Item, item, item_ids, marked_by
from .state import DeliverableRecord, Evidence, Phase, ProgressState, Session, sha256
from .status import (
    Clock,
    PackageCheck,
    SessionStatus,
    default_actor,
    project_root,
    relative,
    shown,
    stamp,
)

if TYPE_CHECKING:
    from ..spec.models import HandoffSpec


def _open(cwd: Path) -> ProgressFile:
    path = find_progress(cwd)
    if path is None:
        raise SessionError(
            f"no progress file ({PROGRESS_FILE}) in {Path(cwd).resolve()} or its parents\n"
            "  hint: start a deployment session with `shipspec session start handoff.yaml`"
        )
    return ProgressFile.read(path, shown(path, cwd))


@contextlib.contextmanager
def _open_locked(cwd: Path) -> Iterator[ProgressFile]:
    """The progress file, read under its lock, held until the caller has written it."""
    path = find_progress(cwd)
    if path is None:
        _open(cwd)  # raises the "no progress file" error
        raise AssertionError
    with locked(path, shown(path, cwd)):
        yield ProgressFile.read(path, shown(path, cwd))


def _status(doc: ProgressFile, session: Session, recorded: list[str]) -> SessionStatus:
    assert doc.state is not None
    return SessionStatus(doc.path, doc.state, session, checklist(session), doc.edited, recorded)


def _needs_open(doc: ProgressFile) -> tuple[ProgressState, Session]:
    state = doc.state
    session = state.open_session() if state else None
    if state is None or session is None:
        raise SessionError(
            f"no open deployment session in {doc.shown}\n"
            "  hint: start one with `shipspec session start handoff.yaml`"
        )
    return state, session


def session_status(*, cwd: Path) -> SessionStatus:
    """The open session, or the latest one, with its checklist."""
    doc = _open(cwd)
    session = doc.state.open_session() or doc.state.latest_session() if doc.state else None
    if session is None:
        raise SessionError(
            f"no deployment session in {doc.shown}\n"
            "  hint: start one with `shipspec session start handoff.yaml`"
        )
    return _status(doc, session, [])


def start_session(
    spec_path: Path, *, cwd: Path, clock: Clock | None = None, actor: str | None = None
) -> SessionStatus:
    """Step 1: the handoff is valid and Phase 6 complete and approved; open a session."""
    from .deliverables import check_deliverables
    from .start import check_handoff  # the spec loader, only when starting

    path = find_progress(cwd)
    root = path.parent.parent if path else project_root(cwd)
    spec, approval, valid = check_handoff(spec_path, relative(spec_path, root))
    package = check_deliverables(spec, spec_path, root)
    path = path or root / PROGRESS_FILE
    with locked(path, shown(path, cwd)):
        checked = (spec, approval, valid, package)
        return _start(checked, spec_path, path, root, cwd, clock, actor)


def _start(
    checked: tuple[HandoffSpec, str, str, list[DeliverableRecord]],
    spec_path: Path,
    path: Path,
    root: Path,
    cwd: Path,
    clock: Clock | None,
    actor: str | None,
) -> SessionStatus:
    from .deliverables import summary as package_summary

    spec, approval, valid, package = checked
    doc = (
        ProgressFile.read(path, shown(path, cwd))
        if path.is_file()
        else ProgressFile(path, shown(path, cwd))
    )
    state = doc.state or ProgressState(app=spec.metadata.name, phases=[])
    if (current := state.open_session()) is not None:
        raise SessionError(
            f"session {current.number} is already open (started {current.started_at} by "
            f"{current.started_by})\n  hint: see `shipspec session status`; end it with "
            "`shipspec session end` before starting another"
        )
    doc.refuse_edits()
    now, by = stamp(clock), actor or default_actor()
    dev = spec.development
    assert dev is not None  # check_handoff refused otherwise
    _set_phase(state, 6, "complete", now, approved_by=dev.approved_by)
    _set_phase(state, 7, "in-progress", now)
    if state.phase(8).status != "ready":
        _set_phase(state, 8, "pending", now, date=False)
    session = Session(
        number=len(state.sessions) + 1,
        started_at=now,
        started_by=by,
        spec=relative(spec_path, root),
        deliverables=package,
    )
    state.sessions.append(session)
    command = f"shipspec session start {session.spec}"
    for item_id, summary in (("phase-6-approved", approval), ("handoff-valid", valid)):
        session.evidence[item_id] = _evidence(command, now, by, summary)
    state.log(
        now,
        by,
        "session started",
        f"session {session.number}: {approval} ({package_summary(package)})",
    )
    doc.write(state)
    return _status(doc, session, ["phase-6-approved", "handoff-valid"])


def _set_phase(
    state: ProgressState,
    number: int,
    status: str,
    now: str,
    *,
    approved_by: str | None = None,
    date: bool = True,
) -> Phase:
    phase = state.phase(number)
    if phase.status != status or phase.approved_by != approved_by:
        phase.status, phase.approved_by = status, approved_by
        phase.date = now[:10] if date else phase.date
    return phase


def _evidence(command: str, at: str, by: str, summary: str, override: bool = False) -> Evidence:
    return Evidence(
        command=command, at=at, by=by, summary=summary, digest=sha256(summary), override=override
    )


def record(
    command: str,
    subject: str,
    summary: str,
    *,
    cwd: Path,
    satisfied: set[str],
    output: Path | None = None,
    clock: Clock | None = None,
    actor: str | None = None,
) -> list[str]:
    """A command succeeded: give its items evidence in the open session. Returns the item ids
    that changed (none when nothing is open or the same result was already recorded)."""
    path = find_progress(cwd)
    if path is None:
        return []
    with locked(path, shown(path, cwd)):
        return _record(command, subject, summary, path, cwd, satisfied, output, clock, actor)


def _record(
    command: str,
    subject: str,
    summary: str,
    path: Path,
    cwd: Path,
    satisfied: set[str],
    output: Path | None,
    clock: Clock | None,
    actor: str | None,
) -> list[str]:
    doc = ProgressFile.read(path, shown(path, cwd))
    state = doc.state
    session = state.open_session() if state else None
    if state is None or session is None:
        return []
    now, by = stamp(clock), actor or default_actor()
    text = f"shipspec {command} {subject}".rstrip()
    changed = []
    for it in marked_by(command):
        if it.when is not None and it.when not in satisfied:
            continue
        old = session.evidence.get(it.id)
        if old is not None and old.digest == sha256(summary) and old.command == text:
            continue
        session.evidence[it.id] = _evidence(text, now, by, summary)
        changed.append(it.id)
    root = path.parent.parent
    new_output = relative(output, root) if output is not None else session.output
    if not changed and new_output == session.output:
        return []
    session.output = new_output
    if changed:
        state.log(now, by, f"evidence: {', '.join(changed)}", f"{text}: {summary}")
    doc.write(state)
    return changed


def mark_step(
    item_id: str,
    evidence: str,
    *,
    cwd: Path,
    clock: Clock | None = None,
    actor: str | None = None,
    override: bool = False,
) -> SessionStatus:
    """A person confirms a step only a person can: record their evidence verbatim."""
    if not evidence.strip():
        raise SessionError(
            "the evidence is empty\n  hint: say what shows the step is done, "
            'e.g. --evidence "CI run https://... deployed prod"'
        )
    try:
        _step, it = item(item_id)
    except KeyError:
        raise SessionError(
            f"no protocol step `{item_id}`\n  hint: steps: {', '.join(item_ids())}"
        ) from None
    with _open_locked(cwd) as doc:
        return _mark(doc, item_id, it, evidence, clock, actor, override)


def _mark(
    doc: ProgressFile,
    item_id: str,
    it: Item,
    evidence: str,
    clock: Clock | None,
    actor: str | None,
    override: bool,
) -> SessionStatus:
    state, session = _needs_open(doc)
    if it.marked_by != PERSON and not override:
        raise SessionError(
            f"`{item_id}` is proved by `shipspec {it.marked_by}`, not by a person\n"
            f"  hint: run `{it.how(session.spec, session.output or '.')}` inside the project "
            "(it records the evidence itself), or pass --override with evidence of where it ran"
        )
    if it.marked_by.startswith("session"):
        raise SessionError(f"`{item_id}` is recorded by `shipspec {it.marked_by}` itself")
    now, by = stamp(clock), actor or default_actor()
    session.evidence[item_id] = _evidence("session mark", now, by, evidence.strip(), override)
    action = f"marked {item_id}" + (" (override)" if override else "")
    state.log(now, by, action, evidence.strip())
    doc.write(state)
    return _status(doc, session, [item_id])


def end_session(
    *,
    cwd: Path,
    check_package: PackageCheck,
    out: Path | None = None,
    clock: Clock | None = None,
    actor: str | None = None,
) -> SessionStatus:
    """Refuse until every step has evidence; then check the handoff package, set Phase 7
    complete and Phase 8 ready, and close the session with an audit trail entry."""
    with _open_locked(cwd) as doc:
        return _end(doc, check_package, out, clock, actor)


def _end(
    doc: ProgressFile,
    check_package: PackageCheck,
    out: Path | None,
    clock: Clock | None,
    actor: str | None,
) -> SessionStatus:
    state, session = _needs_open(doc)
    doc.refuse_edits()
    missing = missing_before_end(checklist(session))
    if missing:
        raise SessionIncomplete(session.number, [(i.item.id, i.item.title, i.how) for i in missing])
    root = doc.path.parent.parent
    folder = Path(out) if out is not None else root / (session.output or ".")
    package = check_package(folder)
    now, by = stamp(clock), actor or default_actor()
    command = "shipspec session end"
    session.evidence["handoff-package-written"] = _evidence(command, now, by, package)
    _set_phase(state, 7, "complete", now, approved_by=by)
    _set_phase(state, 8, "ready", now)
    trail = f"session {session.number} ended: Phase 7 complete, Phase 8 ready; {package}"
    session.evidence["audit-trail-recorded"] = _evidence(command, now, by, trail)
    session.status, session.ended_at = "ended", now
    state.log(now, by, "operations transition", trail)
    doc.write(state)
    return _status(doc, session, ["handoff-package-written", "audit-trail-recorded"])
