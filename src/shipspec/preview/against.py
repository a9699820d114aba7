"""``preview --against REF``: what a change does to each stack and to the monthly bill.

The generated output as it was at git ``REF`` is extracted with ``git archive`` into a
temporary folder (only the output folder's subtree), so the user's working tree, index
and worktree list are never touched; the folder goes away however the preview ends
(an error, Ctrl-C, a timeout). Both trees are previewed offline under mocks and
compared by URN (a resource whose alias names an old URN is the same resource). Runs are
cached by the content hash of their program (see :func:`~.service.record_stack`), in the
output folder's ``.shipspec/previews/<env>.base.run.json``, so a REF whose program did not
change costs nothing, and neither does one identical to the working tree's last preview.

Costs come from each tree's planned model (``.shipspec/model.json``) through
:mod:`shipspec.cost`, grouped by the model element each line prices (a service, a
datastore, ``network``...).

A REF without generated output (the first pull request) is an empty "before": every
resource is ``create`` and the bill starts from zero.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from ..errors import PreviewError
from .dataloss import DataLoss, find_data_loss
from .result import PreviewResource, previous_urn
from .service import ALL, choose_stack, program_dir, record_stack, stacks

CENT = Decimal("0.01")
GIT_TIMEOUT = 120  # seconds for one git command (archive of a large output folder)


class AgainstError(PreviewError):
    """``--against``: REF unknown, not a git repository, git missing (exit 1)."""


@dataclass(frozen=True)
class InputChange:
    key: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ResourceChange:
    change: str  # "create" | "update" | "delete"
    urn: str
    type: str
    name: str
    inputs: list[InputChange] = field(default_factory=list)

    @property
    def mark(self) -> str:
        return {"create": "+", "update": "~", "delete": "-"}[self.change]

    def as_dict(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "inputs": [{"key": i.key, "before": i.before, "after": i.after} for i in self.inputs],
        }


@dataclass(frozen=True)
class CostGroup:
    group: str  # what in the model the lines price: a service, a datastore, "network"
    before: Decimal
    after: Decimal

    @property
    def difference(self) -> Decimal:
        return self.after - self.before


@dataclass(frozen=True)
class CostChange:
    before: Decimal | None  # None: that tree's model could not be read
    after: Decimal | None
    groups: list[CostGroup]
    notes: list[str]

    @property
    def difference(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class EnvironmentReview:
    environment: str
    in_base: bool  # the stack had a config at REF
    in_head: bool
    changes: list[ResourceChange]
    unchanged: int
    cost: CostChange
    data_loss: list[DataLoss]

    def counts(self) -> dict[str, int]:
        return {
            "create": sum(c.change == "create" for c in self.changes),
            "update": sum(c.change == "update" for c in self.changes),
            "delete": sum(c.change == "delete" for c in self.changes),
            "same": self.unchanged,
        }


@dataclass(frozen=True)
class Review:
    ref: str
    commit: str
    base_has_output: bool
    environments: list[EnvironmentReview]


def review(
    out_dir: Path,
    ref: str,
    env: str | None,
    *,
    timeout: float | None = None,
    use_cache: bool = True,
    on_progress: Callable[[str, int], None] | None = None,
) -> Review:
    """Compare the generated output at ``ref`` with the working tree, per environment."""
    out_dir = Path(out_dir)
    head_infra = program_dir(out_dir)
    commit = resolve(out_dir, ref)
    previews = out_dir / ".shipspec" / "previews"
    with materialised(out_dir, commit) as base_dir:
        base_infra = _program_dir_or_none(base_dir) if base_dir else None
        names = _environments(out_dir, head_infra, base_infra, env)
        reviews = []
        for name in names:
            head = _record(
                head_infra, name, previews / f"{name}.run.json", timeout, use_cache, on_progress
            )
            base = _record(
                base_infra,
                name,
                previews / f"{name}.base.run.json",
                timeout,
                use_cache,
                on_progress,
                also=(previews / f"{name}.run.json",),
            )
            if head is not None:
                from .conformance import check_resources, conformance_error

                violations = check_resources(head)
                if violations:
                    raise conformance_error(name, violations)
            reviews.append(
                _compare(
                    name,
                    base,
                    head,
                    _cost(base_dir, out_dir, name, base is not None, head is not None),
                )
            )
    return Review(ref, commit, base_infra is not None, reviews)


def _record(
    infra: Path | None,
    stack: str,
    cache: Path,
    timeout: float | None,
    use_cache: bool,
    on_progress: Callable[[str, int], None] | None,
    also: tuple[Path, ...] = (),
) -> list[PreviewResource] | None:
    if infra is None or stack not in stacks(infra):
        return None
    _, resources, _ = record_stack(
        infra,
        stack,
        cache,
        timeout=timeout,
        use_cache=use_cache,
        on_progress=on_progress,
        also_cached_in=also,
    )
    return resources


def _environments(out_dir: Path, head: Path, base: Path | None, env: str | None) -> list[str]:
    """``all``: every stack either tree configures, in the head model's promotion order."""
    if env != ALL:
        if env is not None and env not in stacks(head) and base and env in stacks(base):
            return [env]  # removed by the change: every resource of it is `-`
        return [choose_stack(head, env)]
    from ..model_io import ModelMissing, read_model

    names = set(stacks(head)) | set(stacks(base) if base else [])
    try:
        order = [e.name for e in read_model(out_dir).environments]
    except ModelMissing:
        order = []
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


def _compare(
    env: str,
    base: list[PreviewResource] | None,
    head: list[PreviewResource] | None,
    cost: CostChange,
) -> EnvironmentReview:
    before = {r.urn: r.as_dict() for r in base or []}
    changes: list[ResourceChange] = []
    seen: set[str] = set()
    unchanged = 0
    for resource in head or []:
        old_urn = previous_urn(resource, before)
        old = before.get(old_urn) if old_urn else None
        if old_urn:
            seen.add(old_urn)
        if old is None:
            changes.append(ResourceChange("create", resource.urn, resource.type, resource.name))
            continue
        inputs = _input_changes(old.get("inputs", {}), resource.inputs)
        if inputs:
            changes.append(
                ResourceChange("update", resource.urn, resource.type, resource.name, inputs)
            )
        else:
            unchanged += 1
    changes.extend(
        ResourceChange("delete", urn, old["type"], old["name"])
        for urn, old in before.items()
        if urn not in seen
    )
    changes.sort(key=lambda c: ("+~-".index(c.mark), c.urn))
    losses = find_data_loss(before, head or []) if base is not None else []
    return EnvironmentReview(
        env, base is not None, head is not None, changes, unchanged, cost, losses
    )


def _input_changes(before: dict[str, Any], after: dict[str, Any]) -> list[InputChange]:
    return [
        InputChange(key, before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]


def _cost(
    base_dir: Path | None, head_dir: Path, env: str, in_base: bool, in_head: bool
) -> CostChange:
    """Monthly cost before and after, and per group (a service, a datastore, network...)."""
    notes: list[str] = []
    empty: dict[str, Decimal] = {}
    before = _lines(base_dir, env, "REF", notes) if in_base and base_dir else empty
    after = _lines(head_dir, env, "the working tree", notes) if in_head else empty
    groups: list[CostGroup] = []
    if before is not None and after is not None:
        groups = [
            CostGroup(g, before.get(g, Decimal(0)), after.get(g, Decimal(0)))
            for g in sorted(set(before) | set(after))
        ]
    return CostChange(
        None if before is None else sum(before.values(), Decimal(0)),
        None if after is None else sum(after.values(), Decimal(0)),
        [g for g in groups if g.difference != 0],
        notes,
    )


def _lines(out_dir: Path, env: str, which: str, notes: list[str]) -> dict[str, Decimal] | None:
    from ..cost import estimate
    from ..model_io import ModelMissing, read_model

    try:
        model = read_model(out_dir)
        result = estimate(model, env)
    except ModelMissing:
        notes.append(f"no readable planned model in {which}: its cost is unknown")
        return None
    except KeyError:
        notes.append(f"{which}'s model has no environment {env!r}: its cost is unknown")
        return None
    totals: dict[str, Decimal] = {}
    for item in result.items:
        totals[item.resource] = totals.get(item.resource, Decimal(0)) + item.monthly
    # Cents, rounded half up per group: every total and difference shown then adds up.
    return {g: v.quantize(CENT, rounding=ROUND_HALF_UP) for g, v in totals.items()}


def _program_dir_or_none(folder: Path) -> Path | None:
    try:
        return program_dir(folder)
    except PreviewError:
        return None


# ---- git ------------------------------------------------------------------------------


def _git(cwd: Path, *args: str, binary: bool = False) -> subprocess.CompletedProcess[Any]:
    git = shutil.which("git")
    if git is None:
        raise AgainstError("--against needs git, which is not on PATH")
    try:
        return subprocess.run(
            [git, *args],
            cwd=cwd,
            capture_output=True,
            text=not binary,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise AgainstError(f"git {args[0]} took more than {GIT_TIMEOUT} s in {cwd}") from None


def _toplevel(out_dir: Path) -> tuple[Path, str]:
    """The repository's root and the output folder's path inside it (``""`` at the root)."""
    found = _git(out_dir, "rev-parse", "--show-toplevel", "--show-prefix")
    if found.returncode != 0:
        raise AgainstError(
            f"--against: {out_dir} is not inside a git repository\n"
            "  hint: --against compares with a commit, so the output folder must be in git; "
            "without it, `shipspec preview` compares with the previous local preview"
        )
    lines = found.stdout.splitlines()
    return Path(lines[0]), (lines[1] if len(lines) > 1 else "").rstrip("/")


def resolve(out_dir: Path, ref: str) -> str:
    """The commit ``ref`` names, or a located error saying which refs exist."""
    top, _ = _toplevel(out_dir)
    if ref.startswith("-") or not ref.strip():
        raise AgainstError(f"--against {ref!r}: not a git revision")
    found = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if found.returncode != 0:
        raise AgainstError(
            f"--against {ref}: git knows no commit by that name in {top}\n"
            "  hint: in CI, fetch the base branch first (`git fetch origin main`, or "
            "`fetch-depth: 0`), then pass `origin/main` or the base commit's SHA"
        )
    return found.stdout.strip()


@contextlib.contextmanager
def materialised(out_dir: Path, commit: str) -> Iterator[Path | None]:
    """The output folder as it was at ``commit``, in a temporary folder (None if absent).

    ``git archive <commit>:<prefix>`` writes just that subtree; extraction uses the
    tarfile ``data`` filter, so no member can land outside the temporary folder.
    """
    top, prefix = _toplevel(out_dir)
    tree = f"{commit}:{prefix}" if prefix else commit
    if _git(top, "cat-file", "-e", tree).returncode != 0:
        yield None
        return
    archive = _git(top, "archive", "--format=tar", tree, binary=True)
    if archive.returncode != 0:
        message = archive.stderr.decode(errors="replace").strip()
        raise AgainstError(f"--against: git archive {tree} failed: {message}")
    folder = Path(tempfile.mkdtemp(prefix="shipspec-against-"))
    try:
        try:
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                tar.extractall(folder, filter="data")
        except (tarfile.TarError, OSError) as error:  # e.g. a symlink pointing outside
            raise AgainstError(f"--against: cannot extract {tree}: {error}") from None
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
