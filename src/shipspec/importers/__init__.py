"""Importers: docker-compose files and repository artefacts → a :class:`HandoffSpec`.

Importers produce a spec (and the commented text of it), never files or plans; the
caller writes ``result.handoff_yaml``. What could not be carried over is reported in
three bins (mapped, dropped with a warning, incompatible) in ``result.report``.
"""

from .analyze import analyze_repository
from .compose import import_compose
from .handoff import ImportResult
from .report import Finding, ImportFailed, ImportReport

__all__ = [
    "Finding",
    "ImportFailed",
    "ImportReport",
    "ImportResult",
    "analyze_repository",
    "import_compose",
]
