"""Run a generated program in a child process: a timeout, its own output, nothing left behind.

The program is the user's code (and whatever they put in ``infra/overrides.py``), so
``shipspec preview`` and ``check`` never run it in their own process:

* it runs in ``python -m shipspec.preview.child``, started in a new session so the
  program and every process it starts share one process group, which is killed when
  the run ends, however it ends; nothing the program starts outlives the preview;
* its stdout and stderr go to temporary files, never to shipspec's streams, so
  ``--json`` and ``--sarif`` stay parseable; they are shown when the run fails;
* the result comes over a dedicated pipe, and only after the program returned (see
  :mod:`shipspec.preview.child`); a child that exits without one has failed;
* a run that takes longer than ``timeout`` seconds is ended and reported.

Reading the pipe does not wait for end-of-file: a grandchild that inherited the pipe
would hold it open, so reading stops at the result, or when the child has exited.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from .records import ProgramError, StackRun, run_from_dict

DEFAULT_TIMEOUT = 300.0
"""Seconds. A 200-service production stack previews in well under a minute; five minutes
leaves room for a slow shared CI runner without letting a looping program hang CI."""

_TAIL_LINES = 20
_POLL = 0.2


class PreviewTimeout(ProgramError):
    """The program did not finish within the timeout."""


def run_stack_isolated(
    program_dir: Path,
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    timeout: float = DEFAULT_TIMEOUT,
    on_progress: Callable[[int], None] | None = None,
) -> StackRun:
    """Run the program in a child process; :class:`ProgramError` if it fails in any way.

    ``on_progress`` receives the count of resources registered so far, now and then.
    """
    request = {
        "program_dir": str(Path(program_dir).resolve()),
        "project": project,
        "stack": stack,
        "config": dict(config),
    }
    read_end, write_end = os.pipe()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            child = _start(write_end, out, err)
        finally:
            os.close(write_end)
        try:
            assert child.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                child.stdin.write(json.dumps(request).encode())
                child.stdin.close()
            kind, body = _receive(read_end, child, timeout, on_progress)
        finally:
            _end_group(child)
            os.close(read_end)
        if kind == "R":
            return run_from_dict(json.loads(body))
        output = _tail(err, "stderr") + _tail(out, "stdout")
        if kind == "E":
            failure = json.loads(body)
            raise ProgramError(
                failure["message"] + output,
                filename=failure.get("filename"),
                lineno=failure.get("lineno"),
            )
        if kind == "timeout":
            raise PreviewTimeout(
                f"did not finish within {timeout:g} seconds and was stopped{output}\n"
                "  hint: a program that loops forever never ends; if it is just slow, "
                "raise the limit with --timeout SECONDS"
            )
        code = child.returncode
        raise ProgramError(
            f"the program ended the preview process (exit code {code}) before it finished"
            f"{output}\n  hint: a program must not call os._exit() or sys.exit(); "
            "it runs to the end and registers its resources"
        )


def _start(write_end: int, out: IO[bytes], err: IO[bytes]) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    # The child imports this copy of shipspec, also when it runs from a source checkout.
    here = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return subprocess.Popen(
        [sys.executable, "-m", "shipspec.preview.child", str(write_end)],
        stdin=subprocess.PIPE,
        stdout=out,
        stderr=err,
        pass_fds=(write_end,),
        start_new_session=True,
        env=env,
    )


def _receive(
    fd: int,
    child: subprocess.Popen[bytes],
    timeout: float,
    on_progress: Callable[[int], None] | None,
) -> tuple[str, str]:
    """The child's final message: ``("R"|"E", json)``, ``("timeout", "")`` or ``("gone", "")``."""
    deadline = time.monotonic() + timeout
    buffer = bytearray()
    scanned = 0
    exited = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return "timeout", ""
        ready, _, _ = select.select([fd], [], [], min(remaining, _POLL))
        if ready:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return "gone", ""
            buffer += chunk
        elif exited:
            return "gone", ""  # exited, and nothing more arrived after one more poll
        else:
            exited = child.poll() is not None
        while (end := buffer.find(b"\n", scanned)) >= 0:
            line = bytes(buffer[:end]).decode("utf-8", "replace")
            del buffer[: end + 1]
            scanned = 0
            kind, _, body = line.partition(" ")
            if kind == "P":
                if on_progress is not None and body.isdigit():
                    on_progress(int(body))
            elif kind in ("R", "E"):
                return kind, body
        scanned = len(buffer)


def _end_group(child: subprocess.Popen[bytes]) -> None:
    """Kill the child's process group (the program and anything it started); reap the child."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def _tail(stream: IO[bytes], name: str) -> str:
    """The last lines the program wrote to ``name``, indented, or "" when it wrote nothing."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(max(0, size - 8192))
    lines = stream.read().decode("utf-8", "replace").splitlines()[-_TAIL_LINES:]
    if not any(line.strip() for line in lines):
        return ""
    body = "\n".join(f"    {line}" for line in lines)
    return f"\n  the program's {name} (last lines):\n{body}"
