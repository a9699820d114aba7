"""Run a generated program in a child process: a timeout, its own output, nothing left behind.

The program is the user's code (and whatever they put in ``infra/overrides.py``), so
``shipspec preview`` and ``check`` never run it in their own process:

* it runs in a process forked by ``python -m shipspec.preview.child`` (a :class:`Launcher`:
  one per command, so ``--env all`` imports Pulumi once for every stack), in a new session
  so the program and every process it starts share one process group, which is killed
  when the run ends, however it ends; nothing the program starts outlives the preview;
* its stdout and stderr go to temporary files, never to shipspec's streams, so
  ``--json`` and ``--sarif`` stay parseable; they are shown when the run fails;
* the result comes over a dedicated pipe, and only after the program returned (see
  :mod:`shipspec.preview.child`), then the run's exit code; a run that exits without a
  result has failed;
* a run that takes longer than ``timeout`` seconds is ended and reported.

Reading the pipe does not wait for end-of-file: reading stops at the result, or at the
exit code the launcher reports.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from .records import ProgramError, StackRun, run_from_dict

DEFAULT_TIMEOUT = 300.0
"""Seconds. A 200-service production stack previews in well under a minute; five minutes
leaves room for a slow shared CI runner without letting a looping program hang CI."""

YIELDING_NICE = 5
"""The niceness of the runs that yield to the favoured one (their session's autogroup's too,
see :func:`shipspec.preview.child._yield`): the kernel then gives the largest run about three
times their share of a processor (weights 1024 and 335), so on two cores it no longer ends last
(three environments at 10 services: --env all 1.23x its largest alone, from 1.32x)."""

_TAIL_LINES = 20
_POLL = 0.2


class PreviewTimeout(ProgramError):
    """The program did not finish within the timeout."""


class Launcher:
    """The child process that forks the runs: started at the first run, ended by :meth:`close`.

    Thread-safe: ``--env all`` asks it for a run from one thread per stack.
    """

    def __init__(self, program_dir: Path, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.program_dir = Path(program_dir).resolve()
        self.timeout = timeout
        self.favoured: str | None = None
        """The stack whose run the others yield the processor to (the largest: it ends last
        when all share the cores equally); ``None``, all equal."""
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: socket.socket | None = None
        self._log: IO[bytes] | None = None

    def start_run(self, request: IO[bytes], result: int, out: IO[bytes], err: IO[bytes]) -> int:
        """Fork a run of ``request`` (a file holding its JSON); its pid."""
        with self._lock:
            sock = self._started()
            try:
                sock.settimeout(self.timeout)  # the first run waits for the imports too
                socket.send_fds(
                    sock, [b"r"], [request.fileno(), result, out.fileno(), err.fileno()]
                )
                reply = b""
                while not reply.endswith(b"\n"):  # one request at a time: the next line is ours
                    chunk = sock.recv(64)
                    if not chunk:
                        break
                    reply += chunk
            except TimeoutError:
                # A late reply would be read by the next request as its own: no more requests.
                sock.close()
                raise PreviewTimeout(
                    f"the preview process did not start the program within {self.timeout:g} "
                    "seconds\n  hint: raise the limit with --timeout SECONDS"
                ) from None
            except OSError:
                reply = b""
        reply = reply.strip()
        if not reply.isdigit():
            output = _tail(self._log, "output") if self._log is not None else ""
            raise ProgramError(f"the preview process ended before it started the program{output}")
        return int(reply)

    def start(self) -> None:
        """Start the child now, so its imports overlap with the caller's own work (reading
        stack configs, hashing the program for the cache) instead of following it."""
        with self._lock:
            self._started()

    def exited(self) -> bool:
        return self._process is not None and self._process.poll() is not None

    def close(self) -> None:
        """Let the child finish (it ends the runs still going), then end its group."""
        with self._lock:
            if self._socket is not None:
                self._socket.close()
            if self._process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=5)
                _end_group(self._process)
            if self._log is not None:
                self._log.close()
            self._socket = self._process = self._log = None

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _started(self) -> socket.socket:
        if self._socket is not None:
            return self._socket
        # A stream socket (macOS has no SOCK_SEQPACKET for AF_UNIX); requests are one at a time.
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._log = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close())
        env = dict(os.environ)
        # The child imports this copy of shipspec, also when it runs from a source checkout.
        here = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH", "")) if p)
        env.setdefault("PYTHONUNBUFFERED", "1")
        # The child forks after importing: macOS's Objective-C runtime would abort a fork after
        # a system framework initialised (a proxy look-up does); nothing here uses ObjC objects.
        env.setdefault("OBJC_DISABLE_INITIALIZE_FORK_SAFETY", "YES")
        try:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "shipspec.preview.child",
                    str(theirs.fileno()),
                    str(self.program_dir),
                ],
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=self._log,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
                env=env,
            )
        finally:
            theirs.close()
        self._socket = ours
        return ours


def run_stack_isolated(
    program_dir: Path,
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    timeout: float = DEFAULT_TIMEOUT,
    on_progress: Callable[[int], None] | None = None,
    launcher: Launcher | None = None,
) -> StackRun:
    """Run the program in a forked child process; :class:`ProgramError` if it fails in any way.

    ``on_progress`` receives the count of resources registered so far, now and then.
    ``launcher`` is shared by the runs of one command; without one, this run starts its own.
    """
    if launcher is None:
        with Launcher(program_dir, timeout) as own:
            return run_stack_isolated(
                program_dir,
                project=project,
                stack=stack,
                config=config,
                timeout=timeout,
                on_progress=on_progress,
                launcher=own,
            )
    request = {
        "program_dir": str(Path(program_dir).resolve()),
        "project": project,
        "stack": stack,
        "config": dict(config),
        "nice": 0 if launcher.favoured in (None, stack) else YIELDING_NICE,
    }
    deadline = time.monotonic() + timeout
    read_end, write_end = os.pipe()
    with (
        tempfile.TemporaryFile() as body,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        body.write(json.dumps(request).encode())
        body.flush()
        body.seek(0)
        try:
            pid = launcher.start_run(body, write_end, out, err)
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        try:
            kind, body_text = _receive(read_end, launcher, deadline, on_progress)
        finally:
            _end_run(pid)
            os.close(read_end)
        if kind == "R":
            return run_from_dict(json.loads(body_text))
        output = _tail(err, "stderr") + _tail(out, "stdout")
        if kind == "E":
            failure = json.loads(body_text)
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
        code = body_text or "unknown"
        raise ProgramError(
            f"the program ended the preview process (exit code {code}) before it finished"
            f"{output}\n  hint: a program must not call os._exit() or sys.exit(); "
            "it runs to the end and registers its resources"
        )


def _receive(
    fd: int,
    launcher: Launcher,
    deadline: float,
    on_progress: Callable[[int], None] | None,
) -> tuple[str, str]:
    """The run's final message: ``("R"|"E", json)``, ``("timeout", "")`` or ``("gone", code)``."""
    buffer = bytearray()
    scanned = 0
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
        elif launcher.exited():
            return "gone", ""  # the launcher itself ended: nobody will report this run
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
            elif kind == "X":
                return "gone", body
        scanned = len(buffer)


def _end_run(pid: int) -> None:
    """Kill the run's process group (the program and anything it started); the launcher
    reaps it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _end_group(child: subprocess.Popen[bytes]) -> None:
    """Kill the child's process group and reap it."""
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
