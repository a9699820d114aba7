"""Run a generated Pulumi program offline and record what it would register.

The program runs as ``pulumi preview`` would run it (``__main__.py`` executed as
``__main__`` inside the SDK's stack machinery, with the stack config the caller passes),
but against :class:`~shipspec.preview.mocks.AwsMocks` instead of an engine. Like the
engine, a program that logs an error (``pulumi.log.error``) fails.

This is the in-process run, for library callers and tests that trust the program; what is
recorded of each registration, and how, is :mod:`.recording`.
``shipspec preview`` and ``check`` never run a program in their own process: they call
:mod:`shipspec.preview.isolation`, which runs this module in a child process.

Isolation between in-process runs: each run happens on its own thread, in a fresh
``contextvars`` context with its own event loop, so the SDK's context-scoped globals
(settings, root stack, config) never leak between runs and ``run_program`` may be
called many times in one process, also from inside a running event loop. Modules
imported from the program directory (``components``...) are evicted afterwards so a
second program with a different ``components`` package is not served the first one's.

Recorded resources:

* ``parent`` is the parent's URN; resources created at the top level of the program
  have the stack's URN as parent, as in Pulumi's own state. The stack itself is not in
  the list (``StackRun.stack_urn`` names it).
* ``dependencies`` are the URNs Pulumi sends for the resource (explicit ``depends_on``
  plus every resource whose outputs flow into its inputs), sorted and de-duplicated.
* ``inputs`` use Pulumi's wire names (camelCase), sorted by key; integral numbers are
  ints; an unknown value is the string :data:`UNKNOWN` and a secret :data:`SECRET`.
* The list is in tree order: depth-first from the stack, siblings sorted by name and
  type, so the same program gives the same list on every run.
* ``aliases`` are the URNs the engine would also accept as this resource's old identity:
  its own ``ResourceOptions.aliases`` and, as the engine derives them, one per alias of
  its parent (the parent's old URN as parent, and the child's name with the parent's
  name prefix replaced by the alias's name). See :func:`_alias_urns`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import logging
import os
import runpy
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings
from pulumi.runtime.stack import run_in_stack

from shipspec.preview.mocks import DEFAULT_REGION, AwsMocks
from shipspec.preview.mocks_network import AccountError, existing_account
from shipspec.preview.recording import SECRET, UNKNOWN, Recorder, RecordingMonitor, tree_order
from shipspec.preview.records import ProgramError, RecordedResource, StackRun
from shipspec.preview.settle import settling

__all__ = [
    "SECRET",
    "UNKNOWN",
    "ProgramError",
    "RecordedResource",
    "StackRun",
    "run_program",
    "run_stack",
]

_NEVER_EVICT = {"__main__", "pulumi", "pulumi_aws", "shipspec", "__pycache__"}


def run_program(
    program_dir: Path, *, project: str, stack: str, config: Mapping[str, str]
) -> list[RecordedResource]:
    """Run the program in ``program_dir`` for one stack; return every registered resource.

    ``config`` keys without a namespace are the project's (``desiredCount`` becomes
    ``<project>:desiredCount``); namespaced keys (``aws:region``) are passed unchanged.
    ``aws:region`` also selects the region the mocks build ARNs and zones for.
    Raises :class:`ProgramError` when the program fails or registers nothing.
    """
    return run_stack(program_dir, project=project, stack=stack, config=config).resources


def run_stack(
    program_dir: Path,
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    on_register: Callable[[int], None] | None = None,
) -> StackRun:
    """Like :func:`run_program`, also returning stack exports, warnings and timing.

    ``on_register`` is called with the number of resources registered so far after each
    registration (from the SDK's worker threads): the live progress display's feed.
    """
    program_dir = Path(program_dir).resolve()
    main = program_dir / "__main__.py"
    if not main.is_file():
        raise ProgramError(f"no __main__.py in {program_dir}")
    full_config = {(k if ":" in k else f"{project}:{k}"): str(v) for k, v in config.items()}
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["run"] = contextvars.Context().run(
                _run_isolated, program_dir, main, project, stack, full_config, on_register
            )
        except BaseException as exc:  # handed to the calling thread
            box["error"] = exc

    thread = threading.Thread(target=target, name=f"shipspec-preview-{stack}", daemon=True)
    with _ProgramImports(program_dir), _rare_collections():
        thread.start()
        thread.join()
    if "error" in box:
        raise box["error"]
    result: StackRun = box["run"]
    return result


# The cyclic garbage collector's thresholds while a program runs: a full collection
# (generation 2) walks every object alive, and a 50-service program keeps over a million
# (resources, outputs, futures, tasks) while making more: with the default thresholds full
# collections were half of the run's CPU (9.4 s of 9.4 s → 4.9 s without any; they found
# some 10,000 objects of cyclic garbage). A first generation of 50,000 objects makes them
# rare; the run still collects young cycles.
_RUN_THRESHOLDS = (50_000, 20, 100)


class _Collections:
    """How many runs in this process have raised the thresholds, and the caller's own."""

    lock = threading.Lock()
    runs = 0
    callers: tuple[int, int, int] = (700, 10, 10)


@contextlib.contextmanager
def _rare_collections() -> Iterator[None]:
    """Raise the collector's thresholds for the run, restore the caller's afterwards (also
    when several runs overlap in one process: the last one out restores them)."""
    with _Collections.lock:
        if _Collections.runs == 0:
            _Collections.callers = gc.get_threshold()
            gc.set_threshold(*_RUN_THRESHOLDS)
        _Collections.runs += 1
    try:
        yield
    finally:
        with _Collections.lock:
            _Collections.runs -= 1
            if _Collections.runs == 0:
                gc.set_threshold(*_Collections.callers)


class _ListHandler(logging.Handler):
    """Keeps the program's warnings and errors: the SDK also logs debug lines for every
    resource, which bare mocks drop (their root logger is at WARNING) and keeping them cost
    memory and time (about 50,000 objects at 1,400 resources)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _run_isolated(
    program_dir: Path,
    main: Path,
    project: str,
    stack: str,
    config: dict[str, str],
    on_register: Callable[[int], None] | None,
) -> StackRun:
    started = time.perf_counter()
    recorder = Recorder(on_register)
    handler = _ListHandler()
    logger = logging.Logger(f"shipspec.preview.{project}.{stack}")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)  # no debug or info records made at all
    logger.propagate = False

    loop = asyncio.new_event_loop()
    # Failures reach us through run_in_stack. A failed program leaves tasks whose
    # exception nobody retrieved; asyncio would log them with formatted tracebacks
    # whenever the garbage collector finds them, which on Python 3.11 can land inside
    # another ast.parse (pytest's assertion rewriting) and break it with "AST
    # constructor recursion depth mismatch". Drop those reports.
    loop.set_exception_handler(_ignore_loop_exception)
    asyncio.set_event_loop(loop)
    cwd = os.getcwd()
    try:
        # This thread's context is fresh, but the SDK's settings descriptors keep the
        # first value ever set as a process-wide default: set every one explicitly.
        settings.SETTINGS.outputs = set()
        settings.SETTINGS.lock = threading.Lock()
        settings.SETTINGS.package_refs = {}
        settings.SETTINGS.base_providers_by_ref = {}
        settings.SETTINGS.root_directory = str(program_dir)
        settings.SETTINGS.legacy_apply_enabled = False
        settings.SETTINGS.parallel = None

        pulumi.runtime.set_all_config(config, [])
        mocks = AwsMocks(region=config.get("aws:region", DEFAULT_REGION))
        try:
            mocks.existing = existing_account(program_dir, stack, config, mocks.zone_names())
        except AccountError as error:
            raise ProgramError(str(error)) from error
        pulumi.runtime.set_mocks(
            mocks,
            project=project,
            stack=stack,
            preview=True,
            logger=logger,
            monitor=RecordingMonitor(mocks, recorder),
        )
        # set_mocks registers a bare root stack for unit tests; the program gets its own
        # stack from run_in_stack (as under the Pulumi CLI) so exports are registered.
        settings.set_root_resource(None)  # type: ignore[arg-type]

        def program() -> None:
            with settling():
                runpy.run_path(str(main), run_name="__main__")

        os.chdir(program_dir)
        try:
            loop.run_until_complete(run_in_stack(program))
        except BaseException as exc:  # reported as ProgramError
            raise _program_error(exc, program_dir) from exc
    finally:
        os.chdir(cwd)
        _close_loop(loop)
        asyncio.set_event_loop(None)

    errors = [r for r in handler.records if r.levelno >= logging.ERROR]
    if errors:
        raise ProgramError("program logged an error: " + "; ".join(r.getMessage() for r in errors))
    resources = tree_order(recorder.resources, recorder.stack_urn)
    if not resources:
        raise ProgramError("the program registered no resources", filename=str(main), lineno=1)
    return StackRun(
        project=project,
        stack=stack,
        stack_urn=recorder.stack_urn,
        resources=resources,
        outputs=recorder.outputs,
        warnings=[r.getMessage() for r in handler.records if r.levelno == logging.WARNING],
        seconds=time.perf_counter() - started,
    )


def _ignore_loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    pass


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()


def _program_error(exc: BaseException, program_dir: Path) -> ProgramError:
    """Point at the innermost program frame of the innermost exception that has one.

    The SDK re-raises failed registrations and applies as new exceptions chained to the
    original ("While processing resource ..."), so the program's frames are found by
    walking the ``__cause__``/``__context__`` chain.
    """
    if isinstance(exc, ProgramError):
        return exc
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and len(chain) < 20:
        chain.append(link)
        # The SDK raises some exceptions "from" themselves; skip links already seen.
        unseen = [
            e
            for e in (link.__cause__, link.__context__)
            if e is not None and all(e is not seen for seen in chain)
        ]
        link = unseen[0] if unseen else None
    prefix = str(program_dir) + os.sep
    frame = None
    for link in reversed(chain):
        inside = [
            f for f in traceback.extract_tb(link.__traceback__) if f.filename.startswith(prefix)
        ]
        if inside:
            frame = inside[-1]
            break
    if frame is None:
        frames = traceback.extract_tb(exc.__traceback__)
        frame = frames[-1] if frames else None
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if frame is None:
        return ProgramError(message, cause=exc)
    filename = frame.filename
    if filename.startswith(prefix):
        filename = os.path.relpath(filename, program_dir)
    return ProgramError(message, filename=filename, lineno=frame.lineno, cause=exc)


class _ProgramImports:
    """Put the program directory first on sys.path; evict modules loaded from it."""

    def __init__(self, program_dir: Path) -> None:
        self.dir = str(program_dir)
        self.prefix = self.dir + os.sep

    def _evict(self) -> None:
        # Top-level modules the program can import: its .py files and package folders.
        names = {
            p.stem if p.suffix == ".py" else p.name
            for p in Path(self.dir).iterdir()
            if (p.suffix == ".py" or p.is_dir()) and p.name.isidentifier()
        } - _NEVER_EVICT
        for mod_name, module in list(sys.modules.items()):
            top = mod_name.split(".", 1)[0]
            origin = getattr(module, "__file__", None) or ""
            if origin.startswith(self.prefix) or top in names:
                del sys.modules[mod_name]

    def __enter__(self) -> None:
        self._evict()
        sys.path.insert(0, self.dir)

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(ValueError):
            sys.path.remove(self.dir)
        self._evict()
