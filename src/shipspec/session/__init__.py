"""Session: the deployment protocol's steps, and the progress file that records them.

``start_session``, ``session_status``, ``mark_step`` and ``end_session`` are the
``shipspec session`` commands; ``record_success`` is what the other commands call when
they succeed, so a started session collects its own evidence. The protocol is data
(:mod:`.protocol`); the progress file keeps people's text intact (:mod:`.progressfile`).
"""

from .errors import ProgressFileError, SessionError, SessionIncomplete, SessionRefused
from .hooks import record_success
from .package import check_operations_package
from .progressfile import PROGRESS_FILE, ProgressFile
from .protocol import PROTOCOL, STEPS
from .service import end_session, mark_step, session_status, start_session
from .status import SessionStatus, default_actor, find_progress

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
