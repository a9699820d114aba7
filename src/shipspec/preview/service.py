"""``run_preview(out_dir, env)``: find the generated program and its stack config, run it
under mocks in a child process, and diff the result against the previous preview.

Two files per environment in ``<out_dir>/.shipspec/previews/`` (ignored by git through
the generated ``.shipspec/.gitignore``):

* ``<env>.json``, the previous preview: the base for the ``+ ~ -`` marks;
* ``<env>.run.json``, the last run and the content hash it was made from (every file of
  the program folder, ``infra/overrides.py`` included, except caches and other stacks'
  configs, plus the versions of shipspec, Pulumi and ``pulumi_aws``). A run whose hash
  is unchanged is served from it, so ``check`` after ``preview`` costs one run and a
  repeated ``check`` almost nothing; ``use_cache=False`` (``--no-cache``) runs anyway.

``run_previews`` runs several environments at once, one child process each.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import PreviewError
from .dataloss import find_data_loss
from .isolation import DEFAULT_TIMEOUT, Launcher, run_stack_isolated
from .records import ProgramError, RecordedResource, StackRun, run_from_dict, run_to_dict
from .result import Preview, PreviewResource, diff

ALL = "all"
"""``--env all``: every environment that has a stack config."""

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
    timeout: float | None = None,
    use_cache: bool = True,
    on_progress: Callable[[str, int], None] | None = None,
    launcher: Launcher | None = None,
) -> Preview:
    """Preview one environment offline.

    :class:`PreviewError` if the program fails, registers nothing, or registers an input
    that AWS or the Pulumi AWS provider would reject (the conformance rules, see
    :mod:`shipspec.preview.conformance`).

    ``Preview.data_loss`` lists the stateful resources this run deletes or replaces
    compared with the previous preview; it is computed after the cache lookup, so a run
    served from the cache is checked the same way. Unless ``allow_data_loss``, such a run
    is not remembered as the previous preview, so the next preview still compares with
    the state before the loss and the caller (which raises
    :class:`~shipspec.errors.DataLossError`) is asked again.

    ``on_progress(stack, count)`` hears how many resources the running program has
    registered so far (not called for a run served from the cache). ``launcher`` forks the
    run (one shared by several environments imports Pulumi once); by default its own.
    """
    infra = program_dir(Path(out_dir))
    stack = choose_stack(infra, env)
    previews = Path(out_dir) / ".shipspec" / "previews"
    project, current, warnings = record_stack(
        infra,
        stack,
        previews / f"{stack}.run.json",
        timeout=timeout,
        use_cache=use_cache,
        on_progress=on_progress,
        launcher=launcher,
    )
    from .conformance import check_resources, conformance_error

    violations = check_resources(current)
    if violations:
        raise conformance_error(stack, violations)
    state = previews / f"{stack}.json"
    previous = _previous(state)
    marked, deleted = diff(current, previous)
    result = Preview(
        project,
        stack,
        marked,
        deleted,
        notes=[f"warning: {w}" for w in warnings],
        data_loss=find_data_loss(previous, current),
    )
    if remember and (allow_data_loss or not result.data_loss):
        _store(state, {"resources": [r.as_dict() for r in current]})
    return result


def record_stack(
    infra: Path,
    stack: str,
    cache_file: Path,
    *,
    timeout: float | None = None,
    use_cache: bool = True,
    on_progress: Callable[[str, int], None] | None = None,
    also_cached_in: tuple[Path, ...] = (),
    launcher: Launcher | None = None,
) -> tuple[str, list[PreviewResource], list[str]]:
    """Run ``stack``'s program in ``infra`` under mocks, or take the run from the cache.

    Returns the project name, the registered resources and the program's warnings. The
    run is cached in ``cache_file`` under the content hash of ``infra``; a cached run in
    ``cache_file`` or any of ``also_cached_in`` with the same hash is used instead of
    running (the same program gives the same resources wherever it was run from).
    """
    project, config = stack_config(infra, stack)
    key = _run_key(infra, stack)
    run = None
    if use_cache:
        for candidate in (cache_file, *also_cached_in):
            run = _cached_run(candidate, key)
            if run is not None:
                break
    if run is None:
        progress = (lambda count: on_progress(stack, count)) if on_progress else None
        try:
            run = run_stack_isolated(
                infra,
                project=project,
                stack=stack,
                config=config,
                timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
                on_progress=progress,
                launcher=launcher,
            )
        except ProgramError as error:
            raise PreviewError(
                f"the generated program failed for {stack}: {error}\n"
                "  hint: if you edited infra/, run `shipspec generate --force` to restore it"
            ) from None
        _store(cache_file, {"key": key, "run": run_to_dict(run)})
    resources = [
        PreviewResource(
            r.type, r.name, r.urn, r.parent, r.inputs, r.dependencies, options=_options(r)
        )
        for r in run.resources
    ]
    return project, resources, list(run.warnings)


def environments(out_dir: Path, env: str | None) -> list[str | None]:
    """The environments ``--env`` selects: ``all`` → every stack config, in promotion order
    when ``generate``'s saved model says it (else by name); otherwise just ``env``."""
    if env != ALL:
        return [env]
    from ..model_io import ModelMissing, read_model  # the plan's models: only for the order

    infra = program_dir(Path(out_dir))
    names = stacks(infra)
    if not names:
        raise PreviewError(f"no stack configs (Pulumi.<env>.yaml) in {infra}")
    try:
        order = [e.name for e in read_model(Path(out_dir)).environments]
    except ModelMissing:
        order = []
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


def run_previews(
    out_dir: Path,
    envs: list[str | None],
    *,
    remember: bool = True,
    allow_data_loss: bool = False,
    timeout: float | None = None,
    use_cache: bool = True,
    on_progress: Callable[[str, int], None] | None = None,
) -> list[Preview | PreviewError]:
    """Preview each environment in its own forked process, all at once; results in order.

    One launcher serves them all, so Pulumi is imported once, not once per environment.
    A failed environment gives its :class:`PreviewError` in its place, so the others'
    results are still reported.
    """
    try:
        infra = program_dir(Path(out_dir))
    except PreviewError as error:
        return [error for _ in envs]
    limit = DEFAULT_TIMEOUT if timeout is None else timeout
    with Launcher(infra, limit) as launcher:
        if not use_cache or any(_uncached(out_dir, infra, env) for env in envs):
            launcher.start()  # a run is certain: let Pulumi's imports start at once
        if len(envs) > 1:
            launcher.favoured = _largest(infra, envs)
        return _each(
            out_dir, envs, launcher, remember, allow_data_loss, timeout, use_cache, on_progress
        )


def _largest(infra: Path, envs: list[str | None]) -> str | None:
    """The stack with the largest stack config: the best guess of the longest run, known
    before any runs (its resources are listed there)."""
    sizes = {}
    for env in envs:
        with contextlib.suppress(PreviewError, OSError):
            stack = choose_stack(infra, env)
            sizes[stack] = (infra / f"Pulumi.{stack}.yaml").stat().st_size
    return max(sizes, key=lambda stack: (sizes[stack], stack)) if sizes else None


def _uncached(out_dir: Path, infra: Path, env: str | None) -> bool:
    """Whether ``env`` has no cached run at all (a cached one may still be stale: then the
    launcher starts when the run is asked for)."""
    try:
        stack = choose_stack(infra, env)
    except PreviewError:
        return False  # reported by the run itself
    return not (Path(out_dir) / ".shipspec" / "previews" / f"{stack}.run.json").is_file()


def _each(
    out_dir: Path,
    envs: list[str | None],
    launcher: Launcher,
    remember: bool,
    allow_data_loss: bool,
    timeout: float | None,
    use_cache: bool,
    on_progress: Callable[[str, int], None] | None,
) -> list[Preview | PreviewError]:
    def one(env: str | None) -> Preview | PreviewError:
        try:
            return run_preview(
                out_dir,
                env,
                remember=remember,
                allow_data_loss=allow_data_loss,
                timeout=timeout,
                use_cache=use_cache,
                on_progress=on_progress,
                launcher=launcher,
            )
        except PreviewError as error:
            return error

    if len(envs) == 1:
        return [one(envs[0])]
    with ThreadPoolExecutor(max_workers=len(envs), thread_name_prefix="shipspec-preview") as pool:
        return list(pool.map(one, envs))


def _run_key(infra: Path, stack: str) -> str:
    """The content hash a cached run is valid for (see the module docstring)."""
    digest = hashlib.sha256()
    versions = [__version__, sys.version]
    for dist in ("pulumi", "pulumi_aws"):
        try:
            versions.append(metadata.version(dist))
        except metadata.PackageNotFoundError:
            versions.append("-")
    digest.update(json.dumps([versions, stack]).encode())
    others = {f"Pulumi.{name}.yaml" for name in stacks(infra)} - {f"Pulumi.{stack}.yaml"}
    for path in sorted(infra.rglob("*")):
        relative = path.relative_to(infra)
        if (
            "__pycache__" in relative.parts
            or relative.parts[0] in (".venv", "venv", ".git")
            or str(relative) in others
            or not path.is_file()
        ):
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _cached_run(path: Path, key: str) -> StackRun | None:
    try:
        body = json.loads(path.read_text("utf-8"))
        return run_from_dict(body["run"]) if body.get("key") == key else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


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
        "import": r.import_id,
    }
    return {key: value for key, value in options.items() if value}


def _read_yaml(path: Path) -> dict[str, Any]:
    """shipspec's own stack configs: libyaml, no positions (see :mod:`shipspec.ownyaml`)."""
    import yaml

    from ..ownyaml import load_own_yaml

    try:
        data = load_own_yaml(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError, ValueError) as error:
        raise PreviewError(f"cannot read {path}: {error}") from None
    return data if isinstance(data, dict) else {}


def _previous(state: Path) -> dict[str, dict[str, Any]] | None:
    try:
        data = json.loads(state.read_text("utf-8"))
        return {r["urn"]: r for r in data["resources"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(path: Path, body: dict[str, Any]) -> None:
    """Write a cache file whole (a temporary file renamed into place); a failure is not fatal."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(json.dumps(body, sort_keys=True) + "\n", encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass
