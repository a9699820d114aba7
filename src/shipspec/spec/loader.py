"""Load a handoff spec from disk: bytes → YAML with positions → validated :class:`HandoffSpec`.

Every problem in the file is collected before anything is raised, so one run shows
the user all of them.
"""

from __future__ import annotations

from pathlib import Path as FilePath

from pydantic import ValidationError

from ..errors import Diagnostic, SpecError
from .capacity import scaling_conflicts
from .checks import check_credentials, check_references
from .compliance_checks import contradictions
from .diagnostics import dotted, from_validation_error
from .models import HandoffSpec
from .traffic_checks import traffic_conflicts
from .yamlsource import MAX_BYTES, read_yaml


def load(path: str | FilePath) -> HandoffSpec:
    """Read and validate the handoff spec at ``path``.

    Raises :class:`SpecError` listing every problem, never another exception.
    """
    file = FilePath(path)
    shown = str(path)
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SpecError(
            [
                Diagnostic(
                    shown,
                    0,
                    0,
                    "",
                    "no such file",
                    "run `shipspec init` to write a starter handoff.yaml",
                    "not-found",
                )
            ]
        ) from None
    except IsADirectoryError:
        raise SpecError(
            [
                Diagnostic(
                    shown,
                    0,
                    0,
                    "",
                    "is a folder, not a handoff spec",
                    "name the handoff.yaml inside it",
                    "not-a-file",
                )
            ]
        ) from None
    except OSError as exc:
        raise SpecError(
            [Diagnostic(shown, 0, 0, "", f"cannot be read: {exc.strerror}", code="unreadable")]
        ) from None
    return loads(raw, shown)


def loads(raw: bytes | str, file: str = "handoff.yaml") -> HandoffSpec:
    """Validate a spec held in memory; ``file`` is the name used in diagnostics."""
    document = read_yaml(raw.encode() if isinstance(raw, str) else raw, file)
    if not isinstance(document.data, dict):
        raise SpecError(
            [
                Diagnostic(
                    file,
                    1,
                    1,
                    "",
                    "the top level must be a mapping (apiVersion, kind, metadata, ...)",
                    "run `shipspec init` for a commented starter spec",
                    "not-a-mapping",
                )
            ]
        )
    problems = (
        document.problems
        + check_references(document)
        + check_credentials(document)
        + contradictions(document)
    )
    try:
        spec = HandoffSpec.model_validate(document.data)
    except ValidationError as error:
        problems = from_validation_error(error, document, HandoffSpec) + problems
        raise SpecError(problems) from None
    problems += [
        Diagnostic(file, *document.position(path), dotted(path), message, hint, "scaling-bound")
        for path, message, hint in scaling_conflicts(spec)
    ]
    problems += [
        Diagnostic(file, *document.position(path), dotted(path), message, hint, code)
        for path, message, hint, code in traffic_conflicts(spec)
    ]
    if problems:
        raise SpecError(problems)
    return spec
