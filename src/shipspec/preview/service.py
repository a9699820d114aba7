"""``run_preview(out_dir, env)``: find the generated program and its stack config, run it
under mocks, and diff the result against the previous preview of that environment.

The previous preview is kept in ``<out_dir>/.shipspec/previews/<env>.json`` (ignored by
git through the generated ``.shipspec/.gitignore``): a cache for the ``+ ~ -`` marks.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from ..errors import PreviewError
from .dataloss import find_data_loss
from .result import Preview, PreviewResource, diff

if TYPE_CHECKING:
    from .runner import RecordedResource

PRODUCTION_NAMES = ("prod", "production", "prd", "live")


def program_dir(out_dir: Path) -> Path:
    """The folder holding ``Pulumi.yaml``: ``out_dir/infra`` or ``out_dir`` itself."""
    for candidate in (out_dir / "infra", out_dir):
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    raise PreviewError(
        f"no generated Pulumi program in {out_dir} (looked for infra/Pulumi.yaml)\n"
        f"  hint: run `shipspec generate handoff.yaml -o {out_dir}` first"
    )


def stacks(infra: Path) -> list[str]:
    return sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in infra.glob("Pulumi.*.yaml")
    )


def choose_stack(infra: Path, env: str | None) -> str:
    names = stacks(infra)
    if env is not None:
        if env not in names:
            raise PreviewError(
                f"no stack config for environment {env!r} in {infra}\n"
                f"  hint: environments here: {', '.join(names) or 'none'}"
            )
        return env
    if len(names) == 1:
        return names[0]
    for name in PRODUCTION_NAMES:
        if name in names:
            return name
    raise PreviewError(
        f"several environments and none is production: {', '.join(names)}\n"
        "  hint: pick one with --env"
    )


def stack_config(infra: Path, stack: str) -> tuple[str, dict[str, str]]:
    """The project name and the stack's config as Pulumi passes it: objects as JSON text."""
    project = _read_yaml(infra / "Pulumi.yaml").get("name")
    if not isinstance(project, str):
        raise PreviewError(f"{infra / 'Pulumi.yaml'} has no project name")
    config = _read_yaml(infra / f"Pulumi.{stack}.yaml").get("config") or {}
    flat = {}
    for key, value in config.items():
        if isinstance(value, dict) and "secure" in value:
            flat[str(key)] = "[secret]"
        elif isinstance(value, dict | list):
            flat[str(key)] = json.dumps(value, sort_keys=True)
        else:
            flat[str(key)] = (
                ""
                if value is None
                else (json.dumps(value) if isinstance(value, bool) else str(value))
            )
    return project, flat


def run_preview(
    out_dir: Path,
    env: str | None = None,
    *,
    remember: bool = True,
    allow_data_loss: bool = False,
) -> Preview:
    """Preview one environment offline.

    :class:`PreviewError` if the program fails, registers nothing, or registers an input
    that AWS or the Pulumi AWS provider would reject (the conformance rules, see
    :mod:`shipspec.preview.conformance`).

    ``Preview.data_loss`` lists the stateful resources this run deletes or replaces
    compared with the previous one. Unless ``allow_data_loss``, such a run is not
    remembered, so the next preview still compares with the state before the loss and
    the caller (which raises :class:`~shipspec.errors.DataLossError`) is asked again.
    """
    from .runner import ProgramError, run_stack

    infra = program_dir(Path(out_dir))
    stack = choose_stack(infra, env)
    project, config = stack_config(infra, stack)
    try:
        run = run_stack(infra, project=project, stack=stack, config=config)
    except ProgramError as error:
        raise PreviewError(
            f"the generated program failed for {stack}: {error}\n"
            "  hint: if you edited infra/, run `shipspec generate --force` to restore it"
        ) from None
    from .conformance import check_resources, conformance_error

    violations = check_resources(run.resources)
    if violations:
        raise conformance_error(stack, violations)
    current = [
        PreviewResource(
            r.type, r.name, r.urn, r.parent, r.inputs, r.dependencies, options=_options(r)
        )
        for r in run.resources
    ]
    state = Path(out_dir) / ".shipspec" / "previews" / f"{stack}.json"
    previous = _previous(state)
    marked, deleted = diff(current, previous)
    result = Preview(
        project,
        stack,
        marked,
        deleted,
        notes=[f"warning: {w}" for w in run.warnings],
        data_loss=find_data_loss(previous, current),
    )
    if remember and (allow_data_loss or not result.data_loss):
        _remember(state, current)
    return result


def run_live_preview(out_dir: Path, env: str | None = None) -> str:
    """A real ``pulumi preview`` through the Automation API, when the Pulumi CLI is installed."""
    if shutil.which("pulumi") is None:
        raise PreviewError(
            "`--live` needs the Pulumi CLI, which is not on PATH\n"
            "  hint: install it (https://www.pulumi.com/docs/iac/download-install/), log in to "
            "your state backend, then rerun; the offline preview needs neither"
        )
    from pulumi import automation

    infra = program_dir(Path(out_dir))
    stack_name = choose_stack(infra, env)
    stack = automation.select_stack(stack_name=stack_name, work_dir=str(infra))
    outcome = stack.preview(on_output=print)
    return f"{stack_name}: {json.dumps(outcome.change_summary, sort_keys=True)}"


def _options(r: RecordedResource) -> dict[str, Any]:
    """The resource options that were set, in the engine's wire names."""
    options: dict[str, Any] = {
        "protect": r.protect,
        "retainOnDelete": r.retain_on_delete,
        "deleteBeforeReplace": r.delete_before_replace,
        "ignoreChanges": r.ignore_changes,
        "replaceOnChanges": r.replace_on_changes,
        "aliases": r.aliases,
    }
    return {key: value for key, value in options.items() if value}


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = YAML(typ="safe", pure=True).load(path.read_text("utf-8"))
    except (OSError, YAMLError, UnicodeDecodeError) as error:
        raise PreviewError(f"cannot read {path}: {error}") from None
    return data if isinstance(data, dict) else {}


def _previous(state: Path) -> dict[str, dict[str, Any]] | None:
    try:
        data = json.loads(state.read_text("utf-8"))
        return {r["urn"]: r for r in data["resources"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remember(state: Path, resources: list[PreviewResource]) -> None:
    state.parent.mkdir(parents=True, exist_ok=True)
    body = {"resources": [r.as_dict() for r in resources]}
    state.write_text(json.dumps(body, indent=1, sort_keys=True) + "\n", encoding="utf-8")
