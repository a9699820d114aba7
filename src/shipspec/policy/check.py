"""``check(out_dir)``: the packs on generated output, as ``shipspec check`` runs them.

Reads the planned model that ``generate`` saved (``.shipspec/model.json``), picks the
packs (``baseline``, the spec's ``compliance`` list, then ``--policy`` files), previews
each environment offline and evaluates. Findings are located for people and for
SARIF: resource findings at the line of ``infra/__main__.py`` that creates their
component, model findings at the spec field the decision came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..errors import PreviewError, SpecError
from ..spec.yamlsource import MAX_BYTES, YamlDocument, read_yaml
from .errors import PolicyViolation
from .evaluate import evaluate
from .pack import Pack, packs_for
from .report import Location, PolicyReport
from .targets import Target

PROGRAM = "infra/__main__.py"
# Where in the spec a model field is decided, when not under the target's own path.
_SPEC_FIELDS: dict[tuple[str, str], tuple[str | int, ...]] = {
    ("deployment", "alert_email"): ("observability", "alert_email"),
    ("deployment", "compliance"): ("requirements", "security", "compliance"),
    ("deployment", "data_classification"): ("requirements", "security", "data_classification"),
    ("load_balancer", "waf"): ("requirements", "security", "waf"),
    ("environment", "log_retention_days"): ("requirements", "security", "compliance"),
    ("environment", "network"): ("requirements", "security", "compliance"),
}
# Fields decided under the environment's own entry in the spec.
_ENV_FIELDS: dict[str, tuple[str | int, ...]] = {
    "approval_required": ("approval",),
    "domain": ("domain",),
    "https": ("domain",),
}


def check(
    out_dir: str | Path,
    env: str | None = None,
    policy_files: Iterable[str | Path] = (),
    *,
    packs: list[Pack] | None = None,
    timeout: float | None = None,
    use_cache: bool = True,
    on_progress: Callable[[str, int], None] | None = None,
) -> list[PolicyReport]:
    """One report per environment (all of them unless ``env``), in promotion order.

    The environments are previewed at once, each in its own child process; the first
    that fails raises its :class:`PreviewError` (exit 1).
    """
    from ..model_io import read_model
    from ..preview.service import run_previews

    out = Path(out_dir)
    model = read_model(out)
    selected = packs if packs is not None else packs_for(model.compliance, policy_files)
    names = [e.name for e in model.environments]
    if env is not None and env not in names:
        raise PreviewError(
            f"no environment {env!r} in {out}\n  hint: environments here: {', '.join(names)}"
        )
    locator = Locator(out, model.spec_file)
    chosen: list[str | None] = [env] if env else list(names)
    previews = run_previews(
        out,
        chosen,
        remember=False,
        timeout=timeout,
        use_cache=use_cache,
        on_progress=on_progress,
    )
    reports = []
    for name, preview in zip(chosen, previews, strict=True):
        if isinstance(preview, PreviewError):
            raise preview
        assert name is not None
        report = evaluate(model, name, preview.resources, selected, locate=locator)
        report.data_loss = preview.data_loss
        reports.append(report)
    return reports


def enforce(reports: list[PolicyReport]) -> None:
    """Raise :class:`PolicyViolation` (exit 4) when any report has error-severity findings."""
    count = sum(len(r.errors) for r in reports)
    if count:
        raise PolicyViolation(count, [r.summary_line() for r in reports if r.errors])


def preview_report(
    out_dir: str | Path, preview: Any, policy_files: Iterable[str | Path] = ()
) -> PolicyReport:
    """The packs on a preview that already ran; ``.summary_line()`` is what preview prints."""
    from ..model_io import read_model

    model = read_model(Path(out_dir))
    packs = packs_for(model.compliance, policy_files)
    return evaluate(model, preview.environment, preview.resources, packs)


class Locator:
    """Finds the line that creates a component in the program, or a field in the spec."""

    def __init__(self, out_dir: Path, spec_file: str) -> None:
        self.out_dir = out_dir
        self.spec_file = spec_file
        self._lines: dict[str, int] | None = None
        self._spec: YamlDocument | None = None
        self._spec_read = False

    def __call__(self, target: Target, field: str) -> Location:
        if target.kind == "resource":
            line = self._program_lines().get(target.component or "", 0)
            return Location(PROGRAM, line, 1 if line else 0)
        first = field.split(".")[0].split("[")[0]
        path = _SPEC_FIELDS.get((target.kind, first))
        if first in _ENV_FIELDS and target.kind in ("environment", "load_balancer"):
            path = (*target.spec_path, *_ENV_FIELDS[first])
        spec = self._spec_document()
        if spec is None:
            return Location(self.spec_file)
        line, column = spec.position(path if path is not None else (*target.spec_path, first))
        return Location(self.spec_file, line, column)

    def _program_lines(self) -> dict[str, int]:
        """``"name"`` given as a constructor's first argument → its line (1-based)."""
        if self._lines is None:
            self._lines = {}
            try:
                text = (self.out_dir / PROGRAM).read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                return self._lines
            lines = text.splitlines()
            for number, line in enumerate(lines, start=1):
                inline = re.search(r'\(\s*"([^"]+)"', line)
                alone = re.fullmatch(r'\s*"([^"]+)",\s*', line)
                if alone and number > 1 and lines[number - 2].rstrip().endswith("("):
                    self._lines.setdefault(alone.group(1), number - 1)
                elif inline:
                    self._lines.setdefault(inline.group(1), number)
        return self._lines

    def _spec_document(self) -> YamlDocument | None:
        if not self._spec_read:
            self._spec_read = True
            try:
                raw = (self.out_dir / self.spec_file).read_bytes()[: MAX_BYTES + 1]
                self._spec = read_yaml(raw, self.spec_file)
            except (OSError, SpecError):
                self._spec = None
        return self._spec
