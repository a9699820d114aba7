"""The preview's child process: run one program under mocks, report over a private pipe.

Started by :mod:`shipspec.preview.isolation` as ``python -m shipspec.preview.child FD``
with the request (program folder, project, stack, config) as JSON on stdin. The
program's own stdout and stderr are this process's, which the parent captured to
files. Messages go to file descriptor ``FD`` only, one per line:

* ``P <count>``: resources registered so far (at most every 50 ms);
* ``R <json>``: the finished run (:func:`~shipspec.preview.records.run_to_dict`);
* ``E <json>``: the program failed (``message``, ``filename``, ``lineno``).

``R`` or ``E`` is written only after the program returned: a program that ends the
process early (``os._exit(0)``) leaves the parent without one, which it reports as a
failure instead of an empty success.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

PROGRESS_EVERY = 0.05


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
    channel = _Channel(int(argv[1]))
    request: dict[str, Any] = json.loads(sys.stdin.read())
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
