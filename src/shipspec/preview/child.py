"""The preview's child process: import Pulumi once, then fork one run per stack.

Started by :mod:`shipspec.preview.isolation` as
``python -m shipspec.preview.child SOCKET_FD PROGRAM_DIR``, in a session of its own. It
imports the SDK and the mocks (library code only: the program's own modules, and the
``pulumi_aws`` modules it uses, are imported by each run), then waits on the socket. Each message
carries four file descriptors: the request (program folder, project, stack, config, as
JSON), the run's result pipe, and the files its stdout and stderr go to. For each, it forks
a run, which starts a session of its own (the parent ends that process group when the run
ends, however it ends), and replies with the run's pid. ``--env all`` so imports once for
every stack instead of once per stack; a single stack costs one fork more.

A run writes to its result pipe only, one message per line:

* ``P <count>``: resources registered so far (at most every 50 ms);
* ``R <json>``: the finished run (:func:`~shipspec.preview.records.run_to_dict`);
* ``E <json>``: the program failed (``message``, ``filename``, ``lineno``).

``R`` or ``E`` is written only after the program returned. When a run has ended, this
process reaps it and writes ``X <exit code>`` to the same pipe: a program that ends its
process early (``os._exit(0)``) leaves an ``X`` without an ``R``, which the parent reports as
a failure instead of an empty success.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

PROGRESS_EVERY = 0.05
_REAP_EVERY = 0.05


class _Channel:
    def __init__(self, fd: int) -> None:
        self.stream: BinaryIO = os.fdopen(fd, "wb", buffering=0)
        self.lock = threading.Lock()
        self.last = 0.0

    def send(self, kind: str, body: str) -> None:
        with self.lock:
            self.stream.write(f"{kind} {body}\n".encode())

    def progress(self, count: int) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            self.send("P", str(count))


def main(argv: list[str]) -> None:
    sock = socket.socket(fileno=int(argv[1]))
    _import_libraries()
    # What was imported lives as long as the process: no collection need walk it again, in
    # this process or in a run forked from it (where a walk would also copy its pages).
    gc.freeze()
    runs: dict[int, int] = {}  # a running fork's pid -> this process's copy of its result pipe
    try:
        while True:
            ready, _, _ = select.select([sock], [], [], _REAP_EVERY if runs else None)
            _reap(runs)
            if not ready:
                continue
            message, fds, _, _ = socket.recv_fds(sock, 1, 4)  # b"r" with the run's four files
            if not message:
                break  # the parent is done
            if len(fds) != 4:
                for fd in fds:
                    os.close(fd)
                sock.sendall(b"refused\n")
                continue
            for fd in fds:  # programs the runs start must not hold them
                os.set_inheritable(fd, False)
            request, result, out, err = fds
            pid = os.fork()
            if pid == 0:
                _run(sock, request, result, out, err, others=list(runs.values()))
            for fd in (request, out, err):
                os.close(fd)
            runs[pid] = result
            sock.sendall(f"{pid}\n".encode())
    finally:
        for pid in runs:  # the parent left first: end what is still running
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
    os._exit(0)


def _import_libraries() -> None:
    """Import the SDK and the mocks, the start-up every run shares. Not the ``pulumi_aws``
    modules the program uses: their names are known only from its sources, which name every
    component's modules, also those a stack does not use, and loading them before the first
    fork held every run back (three environments at 10 services: 4.02 s instead of 3.83 s,
    though a quarter less CPU). Each run loads its own as it goes."""
    from . import runner  # noqa: F401  (pulumi, the mocks)


def _reap(runs: dict[int, int]) -> None:
    """Tell each ended run's parent its exit code, then let go of its pipe."""
    while runs:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd = runs.pop(pid, None)
        if fd is None:
            continue
        with contextlib.suppress(OSError):  # the parent may have stopped reading
            os.write(fd, f"X {os.waitstatus_to_exitcode(status)}\n".encode())
        os.close(fd)


def _run(
    sock: socket.socket, request_fd: int, result: int, out: int, err: int, *, others: list[int]
) -> NoReturn:
    """The forked run: its own session, its own output, the request's stack."""
    try:
        os.setsid()
        sock.close()
        for fd in others:  # the other runs' pipes, this process's copies
            os.close(fd)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.close(out)
        os.close(err)
        with os.fdopen(request_fd, "rb") as stream:
            request: dict[str, Any] = json.loads(stream.read())
        if request.get("nice"):
            _yield(int(request["nice"]))
        serve(result, request)
    except BaseException:  # serve() ends the process itself: this is a failure before it
        traceback.print_exc()
        sys.stderr.flush()
    os._exit(70)


def _yield(nice: int) -> None:
    """Lower this run's priority. The run leads a session of its own, and with the kernel's
    autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``) a niceness counts
    only within a session's group: the group's own niceness is what weighs against the
    other runs."""
    with contextlib.suppress(OSError):
        os.nice(nice)
    with contextlib.suppress(OSError), open("/proc/self/autogroup", "w") as group:
        group.write(str(nice))


def serve(fd: int, request: dict[str, Any]) -> NoReturn:
    """Run the request's stack and report over ``fd``; ends the process."""
    channel = _Channel(fd)
    from .records import ProgramError, run_to_dict
    from .runner import run_stack

    try:
        run = run_stack(
            Path(request["program_dir"]),
            project=request["project"],
            stack=request["stack"],
            config=request["config"],
            on_register=channel.progress,
        )
    except ProgramError as error:
        failure = {"message": error.message, "filename": error.filename, "lineno": error.lineno}
        channel.send("E", json.dumps(failure))
    else:
        channel.send("R", json.dumps(run_to_dict(run), separators=(",", ":")))
    channel.stream.close()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip the interpreter's teardown of Pulumi's object graph: the result is sent.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
