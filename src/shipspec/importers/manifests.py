"""Language manifests → the repository's test command (``delivery.test_command``).

The generated CI runs this command before it builds images, so it must be the one the
team runs. A ``make test`` target wins (it is the repository's own entry point); then
each ecosystem's convention, picked from its manifest and lock files: ``npm test`` /
``yarn test`` / ``pnpm test`` when package.json has a real test script, ``pytest`` when
pytest is a dependency or configured, ``go test ./...``, ``mvn test`` (or the
wrapper), ``gradle test``, ``cargo test``, ``bundle exec rspec``, ``mix test``,
``dotnet test``. Manifests are read as untrusted text: unreadable ones are skipped.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path

Read = Callable[[Path], str | None]
_NPM_DEFAULT = "no test specified"


def test_command_for(folder: Path, read: Read) -> tuple[str, str] | None:
    """``(command, evidence)`` for one folder, or None when nothing says how to test."""
    for makefile in ("Makefile", "makefile", "GNUmakefile"):
        text = read(folder / makefile)
        if text and re.search(r"^test\s*:", text, re.M):
            return "make test", f"{makefile} has a test target"
    package = read(folder / "package.json")
    if package is not None:
        script = _npm_test(package)
        if script:
            runner = "npm"
            for lock, name in (
                ("pnpm-lock.yaml", "pnpm"),
                ("yarn.lock", "yarn"),
                ("bun.lockb", "bun"),
            ):
                if (folder / lock).is_file():
                    runner = name
            return f"{runner} test", "package.json has a test script"
    python = _python(folder, read)
    if python:
        return python
    simple = (
        ("go.mod", "go test ./..."),
        ("Cargo.toml", "cargo test"),
        ("mix.exs", "mix test"),
        ("deno.json", "deno test"),
    )
    for manifest, command in simple:
        if (folder / manifest).is_file():
            return command, manifest
    if (folder / "pom.xml").is_file():
        return ("./mvnw test" if (folder / "mvnw").is_file() else "mvn test"), "pom.xml"
    for gradle in ("build.gradle", "build.gradle.kts"):
        if (folder / gradle).is_file():
            return ("./gradlew test" if (folder / "gradlew").is_file() else "gradle test"), gradle
    gemfile = read(folder / "Gemfile")
    if gemfile is not None:
        rspec = "rspec" in gemfile or (folder / "spec").is_dir()
        return ("bundle exec rspec" if rspec else "bundle exec rake test"), "Gemfile"
    composer = read(folder / "composer.json")
    if composer is not None:
        return ("composer test" if '"test"' in composer else "vendor/bin/phpunit"), "composer.json"
    if any(folder.glob("*.csproj")) or any(folder.glob("*.sln")):
        return "dotnet test", "a .NET project file"
    return None


def _npm_test(text: str) -> str | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    scripts = data.get("scripts") if isinstance(data, dict) else None
    test = scripts.get("test") if isinstance(scripts, dict) else None
    return test if isinstance(test, str) and _NPM_DEFAULT not in test else None


def _python(folder: Path, read: Read) -> tuple[str, str] | None:
    sources = ["pyproject.toml", "setup.cfg", "tox.ini", "requirements.txt", "requirements-dev.txt"]
    sources += sorted(p.name for p in folder.glob("requirements*.txt") if p.name not in sources)
    texts = {name: read(folder / name) for name in sources}
    present = {name for name, text in texts.items() if text is not None}
    if not present and not (folder / "setup.py").is_file():
        return None
    pytest = (folder / "pytest.ini").is_file() or (folder / "conftest.py").is_file()
    evidence = next((n for n in sorted(present) if "pytest" in (texts[n] or "")), None)
    if pytest or evidence:
        runner = "uv run pytest" if (folder / "uv.lock").is_file() else "pytest"
        if (folder / "poetry.lock").is_file():
            runner = "poetry run pytest"
        return runner, f"pytest is configured ({evidence or 'pytest.ini/conftest.py'})"
    if (folder / "tests").is_dir():
        return "python -m unittest discover", "a Python project with tests/ and no pytest"
    return None


def test_command(root: Path, folders: list[Path], read: Read) -> tuple[str, list[str]] | None:
    """The command for the repository: its root's, else each service folder's joined."""
    found = test_command_for(root, read)
    if found:
        return found[0], [f"{found[0]}: {found[1]}"]
    parts: list[str] = []
    evidence: list[str] = []
    for folder in sorted(set(folders)):
        if folder == root:
            continue
        one = test_command_for(folder, read)
        if one:
            relative = folder.relative_to(root).as_posix()
            parts.append(f"(cd {shlex.quote(relative)} && {one[0]})")
            evidence.append(f"{relative}: {one[0]} ({one[1]})")
    if not parts:
        return None
    return " && ".join(parts[:4]), evidence
