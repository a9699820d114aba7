"""``shipspec doctor``'s ``repository-files`` check: is everything the generated pipeline reads
from the repository there, and committed?

CI works on a fresh checkout of the commit, at the repository root (the output folder): the
test job runs ``delivery.test_command`` there, the image jobs build each ``build:`` service's
context with its Dockerfile, the static sites' jobs build their contexts or publish their
committed folders. The list of what they read is the plan's
(:func:`shipspec.plan.repository.repository_files`, which the handoff prints too). Each file
must exist in the output folder (or, for a tool that looks in folders above, such as
``uv`` or ``npm``, in one of its folders up to the root) and, when the folder is in a git
repository, be tracked: committed, or at least added (``git ls-files``), since CI checks out
only what is committed. An added file that is not committed yet passes, and is named.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .doctor import TIMEOUT, Check

if TYPE_CHECKING:
    from .plan.model import DeploymentModel
    from .plan.repository import RepositoryFile

NAME = "repository-files"
# Folders never searched for a file that is missing where the command looks.
_SKIP = {"node_modules", "__pycache__"}
_SEARCH_DEPTH = 4

_WHAT = {
    "lock": "a lock file",
    "manifest": "the project's manifest",
    "script": "a file the command runs or reads",
    "folder": "a folder the command enters",
    "image-context": "{owner}'s image build context",
    "dockerfile": "{owner}'s Dockerfile",
    "context": "{owner}'s build context",
    "source": "{owner}'s committed files",
}


@dataclass(frozen=True)
class _Git:
    top: Path  # the work tree's root
    prefix: str  # the output folder, relative to it ("" at the root)
    tracked: frozenset[str]  # the index (`git ls-files`), relative to the root
    committed: frozenset[str]  # HEAD's tree

    def path(self, path: str) -> str | None:
        """A path relative to the output folder as the work tree has it (None: outside it)."""
        joined = posixpath.normpath(posixpath.join(self.prefix or ".", path))
        if joined == ".." or joined.startswith("../"):
            return None
        return joined + "/" if path.endswith("/") else joined

    def has(self, path: str, names: frozenset[str]) -> bool:
        if path.endswith("/"):
            return any(n.startswith(path) for n in names)
        return path in names


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def _read_git(out_dir: Path) -> _Git | None:
    """The git work tree the output folder is in, with what it tracks; None when it is none
    (or git is not installed)."""
    top = _git("rev-parse", "--show-toplevel", cwd=out_dir)
    if top is None or top.returncode != 0 or not top.stdout.strip():
        return None
    root = Path(top.stdout.strip())
    listed = _git("ls-files", "-z", cwd=root)
    if listed is None or listed.returncode != 0:
        return None
    tree = _git("ls-tree", "-r", "-z", "--name-only", "HEAD", cwd=root)
    committed = tree.stdout.split("\0") if tree is not None and tree.returncode == 0 else []
    prefix = os.path.relpath(out_dir.resolve(), root.resolve()).replace(os.sep, "/")
    return _Git(
        top=root,
        prefix="" if prefix == "." else prefix,
        tracked=frozenset(n for n in listed.stdout.split("\0") if n),
        committed=frozenset(n for n in committed if n),
    )


def _ignored(git: _Git, path: str) -> bool:
    result = _git("check-ignore", "-q", "--", path.rstrip("/") or ".", cwd=git.top)
    return result is not None and result.returncode == 0


def _candidates(file: RepositoryFile) -> list[str]:
    """The paths that satisfy the file, nearest first: itself and its other names, then (for
    a tool that looks in folders above) the same names up to the root."""
    if file.kind == "source":
        return [posixpath.join(file.path, "index.html")]
    names = [file.path, *file.also]
    found = list(names)
    if file.up:
        folder = posixpath.dirname(file.path)
        while folder and folder != "." and not folder.startswith(".."):
            folder = posixpath.dirname(folder)
            found += [posixpath.join(folder, posixpath.basename(n)) for n in names]
    return list(
        dict.fromkeys(posixpath.normpath(p) + ("/" if p.endswith("/") else "") for p in found)
    )


def _exists(out_dir: Path, path: str) -> bool:
    target = out_dir / path
    return target.is_dir() if path.endswith("/") else target.is_file()


def _elsewhere(out_dir: Path, name: str) -> list[str]:
    """The folders below the output folder that hold a file called ``name`` (sorted, a few
    levels deep, hidden folders and node_modules skipped)."""
    found: list[str] = []
    root = Path(out_dir)
    for folder, dirs, files in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP)
        if depth >= _SEARCH_DEPTH:
            dirs[:] = []
        if name in files and depth > 0:
            found.append(Path(folder).relative_to(root).as_posix())
    return sorted(found)


def _fix(out_dir: Path, model: DeploymentModel, file: RepositoryFile) -> str:
    """What to do about a file that is not there."""
    base = posixpath.basename(file.path.rstrip("/"))
    if file.kind == "image-context":
        return (
            f"add {file.service}'s source and Dockerfile under {file.path}, or set "
            f"services.{file.service}.build.context to the folder that has them (relative to "
            "the repository root)"
        )
    if file.kind == "dockerfile":
        return (
            f"add {file.path}, or set services.{file.service}.build.dockerfile to the "
            "Dockerfile's name in the build context"
        )
    if file.kind == "source":
        return (
            f"commit {file.path} with its index.html (check .gitignore), or give {file.site} "
            "a build"
        )
    if file.kind == "context":
        return f"commit {file.path}, or fix services.{file.site}.build.context"
    where = _elsewhere(out_dir, base) if file.kind in ("lock", "manifest", "script") else []
    if file.site is not None:
        setting = f"services.{file.site}.build.command"
    else:
        setting = "delivery.test_command"
    command = (model.test_command if file.site is None else None) or "…"
    if where and file.site is None:
        moved = f"cd {where[0]} && {command}"
        return (
            f"{base} is in {', '.join(where)}: if the project lives there, set {setting} to "
            f"`{moved}`" + (f"; else commit {file.path} (`{file.fix}`)" if file.fix else "")
        )
    if file.kind == "lock":
        return f"commit {file.path} (`{file.fix}`)"
    if file.kind == "manifest":
        return (
            f"commit the project's {base}, or set {setting} to `cd <folder> && …` if the "
            "project lives in a subfolder"
        )
    return f"commit {file.path}, or fix {setting}"


def _describe(file: RepositoryFile) -> str:
    what = _WHAT[file.kind].format(owner=file.service or file.site)
    return f"{what}, for `{file.command}`" if file.command else what


def _instructions(text: str) -> list[str]:
    """A Dockerfile's instructions, continuation lines joined, comments dropped."""
    found: list[str] = []
    current = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        found.append(current + stripped)
        current = ""
    if current:
        found.append(current)
    return found


def copied_sources(text: str) -> list[str]:
    """The build-context paths a Dockerfile's ``COPY`` and ``ADD`` instructions copy, as
    written: not those of ``--from`` (another stage or image), URLs, heredocs, or paths with
    wildcards or variables (BuildKit lets a wildcard match nothing)."""
    sources: list[str] = []
    for instruction in _instructions(text):
        keyword, _, rest = instruction.partition(" ")
        if keyword.upper() not in ("COPY", "ADD"):
            continue
        rest = rest.strip()
        if rest.startswith("["):
            try:
                args = [str(a) for a in json.loads(rest)]
            except ValueError:
                continue
        else:
            try:
                args = shlex.split(rest)
            except ValueError:
                continue
        flags = [a for a in args if a.startswith("--")]
        if any(f.startswith("--from") for f in flags) or any("<<" in a for a in args):
            continue
        paths = [a for a in args if not a.startswith("--")][:-1]
        sources += [
            a
            for a in paths
            if "://" not in a and not a.startswith("git@") and not re.search(r"[$*?\[]", a)
        ]
    return sources


def _image_context(
    out_dir: Path, file: RepositoryFile, context: str, git: _Git | None
) -> tuple[str, str] | None:
    """What is wrong with what a Dockerfile copies from its context: a path it names that
    the context does not have (``COPY app/ /app``: BuildKit stops with "not found"), or a
    whole context (``COPY . /app``) that holds nothing but the Dockerfile."""
    try:
        text = (out_dir / file.path).read_text("utf-8", errors="replace")
    except OSError:
        return None
    sources = copied_sources(text)
    root = posixpath.normpath(context)

    def has(path: str) -> bool:
        joined = posixpath.normpath(posixpath.join(root, path.lstrip("/")))
        if git is None:
            return (out_dir / joined).exists()
        q = git.path(joined)
        # A file, or a folder with a tracked file in it.
        return q is not None and (q in git.tracked or git.has(q + "/", git.tracked))

    missing = [
        src for src in sources if posixpath.normpath(src.lstrip("/")) != "." and not has(src)
    ]
    if missing:
        return (
            f"copies {', '.join(missing)} from the build context {context}/, "
            + ("where git tracks no " if git is not None else "which has no ")
            + ("such path" if len(missing) == 1 else "such paths"),
            f"commit {', '.join(posixpath.join(root, m) for m in missing)}, or fix the "
            f"Dockerfile's COPY/ADD (paths are relative to the build context, {context}/)",
        )
    if any(posixpath.normpath(src.lstrip("/")) == "." for src in sources):
        own = {posixpath.basename(file.path), ".dockerignore"}
        if git is not None:
            q = git.path(root + "/") or ""
            prefix = "" if q == "./" else q
            names = (n[len(prefix) :] for n in git.tracked if n.startswith(prefix))
        else:
            base = out_dir / root
            names = (p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())
        if not any(n not in own for n in names):
            return (
                f"copies its whole build context {context}/, "
                + ("where git tracks" if git is not None else "which holds")
                + " nothing but the Dockerfile",
                f"commit {file.service}'s source under {context}/, or set "
                f"services.{file.service}.build.context to the folder that has it",
            )
    return None


def _copies(
    out_dir: Path, file: RepositoryFile, files: list[RepositoryFile], git: _Git | None
) -> tuple[str, str]:
    """A Dockerfile that is there: what is wrong with what it copies ("" when nothing)."""
    if file.kind != "dockerfile":
        return "", ""
    context = next(
        f.path.rstrip("/") for f in files if f.kind == "image-context" and f.service == file.service
    )
    return _image_context(out_dir, file, context, git) or ("", "")


def _problem(
    out_dir: Path,
    model: DeploymentModel,
    file: RepositoryFile,
    files: list[RepositoryFile],
    git: _Git | None,
    staged: list[str],
) -> tuple[str, str]:
    """What is wrong with one file the pipeline reads, and the fix ("" when nothing)."""
    candidates = _candidates(file)
    if candidates[0] == ".." or candidates[0].startswith("../"):
        return (
            "lies outside the output folder, and CI's checkout is the output folder",
            "move it into the repository and fix its path in the spec (or --spec-path)",
        )
    present = [p for p in candidates if _exists(out_dir, p)]
    if git is not None:
        tracked = [p for p in candidates if git.has(git.path(p) or "", git.tracked)]
        if tracked:
            if not git.has(git.path(tracked[0]) or "", git.committed):
                staged.append(tracked[0])
            return _copies(out_dir, file, files, git)
        if present:
            ignored = _ignored(git, git.path(present[0]) or present[0])
            fix = f"`git add {present[0]}` and commit it"
            if ignored:
                fix += f" (`git check-ignore -v {present[0]}` shows the rule that ignores it)"
            return "is not committed" + (" (it is in .gitignore)" if ignored else ""), fix
    elif present:
        return _copies(out_dir, file, files, git)
    return "is missing", _fix(out_dir, model, file)


def repository_files_check(out_dir: Path, model: DeploymentModel) -> Check:
    """Every file and folder the generated pipeline reads is in the output folder, and
    tracked where it is a git repository."""
    from .plan.repository import readers, repository_files

    files = repository_files(model)
    if not files:
        return Check(
            NAME, "pass", "the pipeline reads nothing from the repository but its own files"
        )
    git = _read_git(out_dir)
    items: list[dict[str, Any]] = []
    staged: list[str] = []
    for file in files:
        problem, fix = _problem(out_dir, model, file, files, git, staged)
        if problem:
            jobs = readers(model, file)
            items.append(
                {
                    "path": file.path,
                    "problem": problem,
                    "jobs": jobs,
                    "why": _describe(file),
                    "fix": fix,
                }
            )
    if items:
        missing = ", ".join(f"{i['path']} ({i['problem']})" for i in items)
        return Check(
            NAME,
            "fail",
            f"{len(items)} of {len(files)} paths the pipeline reads: {missing}",
            "; ".join(dict.fromkeys(str(i["fix"]) for i in items)),
            items=tuple(items),
        )
    if git is None:
        return Check(NAME, "pass", f"{len(files)} present (not a git repository)")
    detail = f"{len(files)} committed"
    if staged:
        detail = f"{len(files)} tracked; added, not committed yet: {', '.join(staged)}"
    return Check(NAME, "pass", detail)
