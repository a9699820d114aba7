"""Session: the deployment protocol's steps, and the progress file that records them.

``start_session``, ``session_status``, ``mark_step`` and ``end_session`` are the
``shipspec session`` commands; ``record_success`` is what the other commands call when
they succeed, so a started session collects its own evidence. The protocol is data
(:mod:`.protocol`); the progress file keeps people's text intact (:mod:`.progressfile`).
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name -> the module defining it. Loaded on first use: every shipspec command
# asks the session to record its success, and outside a session that must stay cheap.
_EXPORTS = {
    "PROGRESS_FILE": "locate",
    "PROTOCOL": "protocol",
    "STEPS": "protocol",
    "ProgressFile": "progressfile",
    "ProgressFileError": "errors",
    "SessionError": "errors",
    "SessionIncomplete": "errors",
    "SessionRefused": "errors",
    "SessionStatus": "status",
    "check_operations_package": "package",
    "default_actor": "status",
    "end_session": "service",
    "find_progress": "locate",
    "mark_step": "service",
    "record_success": "hooks",
    "session_status": "service",
    "start_session": "service",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PROGRESS_FILE",
    "PROTOCOL",
    "STEPS",
    "ProgressFile",
    "ProgressFileError",
    "SessionError",
    "SessionIncomplete",
    "SessionRefused",
    "SessionStatus",
    "check_operations_package",
    "default_actor",
    "end_session",
    "find_progress",
    "mark_step",
    "record_success",
    "session_status",
    "start_session",
]
