"""What a CI shell command runs, and which files of the repository it cannot run without.

One reading for the test job (``delivery.test_command``) and the static sites' build jobs
(``build.command``): the renderer takes the programs from it (the toolchain, the tools the
job installs first: ``render/targets/_commands.py``), the handoff and ``shipspec doctor``
the files (:func:`demanded_files`, through :mod:`shipspec.plan.repository`).

A command is read as the shell would split it: the commands of ``&&``, ``||``, ``;``, ``|``
and ``&`` chains (and of ``(...)``/``{...}`` groups), each one's program being its first word
after ``env`` (with its options), ``VAR=value`` assignments and ``time``/``exec``/``command``/
``nohup``, by its base name (``./gradlew`` is ``gradlew``). Programs a script or Makefile runs
(``make test``) are not seen: only what the command itself names.

The files a command demands, each where the command looks first (after a literal ``cd``,
until the subshell it ran in ends: ``(cd api && go test ./...) && (cd web && npm test)``;
nothing after a ``cd`` whose folder is not literal):

- lock files its own words demand (``uv sync --frozen``: "Unable to find lockfile";
  ``npm ci``; ``pnpm install --frozen-lockfile``...), with the command that writes one;
- the manifest a tool needs to run at all: ``pyproject.toml`` for ``uv sync``, Poetry, PDM
  and Hatch; ``package.json`` for ``npm ci``/``install``/``test``/``run``, pnpm, yarn and
  ``bun install``; ``Gemfile`` for ``bundle``; ``Cargo.toml``, ``go.mod``, ``pom.xml``,
  Gradle's settings or build file, a Makefile, ``noxfile.py``, ``Rakefile``;
- the files it names: a program given as a relative path (``./gradlew``, ``scripts/ci.sh``),
  the script an interpreter runs (``python manage.py test``), a pip requirements file
  (``pip install -r requirements-dev.txt``), and the folder a ``cd`` enters.

Tools that find their project by walking up (uv, npm, pnpm, yarn, Poetry, Cargo, Go, Gradle,
Bundler, rake) accept a manifest or lock file in a folder above (a workspace's root); the
others (make, Maven, nox, scripts) want it where the command runs.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass

# Words before a command's program that are not it.
_PREFIXES = {"time", "exec", "command", "nohup", "builtin"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# A word the shell expands: not a path a check can know.
_EXPANDS = re.compile(r"[$`~*?\[{]")


def _parts(command: str) -> list[list[str] | str]:
    """A shell command line's simple commands (their words from the program on, the program as
    written: ``./gradlew``), with the ``(`` and ``)`` of its subshells between them."""
    # Redirections that name a descriptor (2>&1, &>log) are not command separators.
    command = re.sub(r"[0-9]*[<>]+&[0-9-]*|&>>?", " ", command)
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    found: list[list[str] | str] = []
    current: list[str] = []
    try:
        tokens = list(lexer)
    except ValueError:  # an unclosed quote: read it word by word
        tokens = command.split()
    for token in [*tokens, ";"]:
        if (token and set(token) <= set(";&|()")) or token in ("{", "}", "!"):
            words = _program_words(current)
            if words:
                found.append(words)
            current = []
            found += [c for c in token if c in "()"]
            continue
        current.append(token)
    return found


def _raw_commands(command: str) -> list[list[str]]:
    """Each simple command of a shell command line, the program as written."""
    return [part for part in _parts(command) if isinstance(part, list)]


def commands(command: str) -> list[list[str]]:
    """Each simple command of a shell command line, as its words from its program on (the
    program by its base name)."""
    return [[posixpath.basename(w[0]), *w[1:]] for w in _raw_commands(command)]


def _program_words(words: list[str]) -> list[str]:
    """The words from the program on: without ``env`` (and its options), ``VAR=x``, ``time``."""
    index = 0
    while index < len(words):
        word = words[index]
        if _ASSIGNMENT.match(word) or word in _PREFIXES:
            index += 1
        elif word == "env":
            index += 1
            while index < len(words) and words[index].startswith("-"):
                takes_value = words[index] in ("-u", "--unset", "-C", "--chdir", "-S")
                index += 2 if takes_value else 1
        else:
            break
    return words[index:]


def programs(command: str) -> list[str]:
    """The programs a command line runs, in order."""
    return [words[0] for words in commands(command)]


@dataclass(frozen=True)
class LockFile:
    path: str  # relative to where the command starts (the repository root, a site's context)
    why: str  # the command that demands it


@dataclass(frozen=True)
class Demand:
    """A file or folder of the repository a command cannot run without."""

    path: str  # relative to where the command starts; a folder ends in "/"
    why: str  # the command (of the chain) that demands it
    kind: str  # "lock", "manifest", "script" or "folder"
    also: tuple[str, ...] = ()  # other names that do as well, in the same folder
    up: bool = False  # the tool also finds it in a folder above (a workspace's root)
    fix: str = ""  # the command that writes it (`uv lock`), for a lock file


# The lock files a command refuses to run without, by program and the words that demand it
# (any one of them): `uv sync --frozen` ("Unable to find lockfile"), `npm ci` (needs
# package-lock.json or npm-shrinkwrap.json), `pnpm install --frozen-lockfile`, ...; then the
# other names that do as well, and the command that writes one.
_LOCKING: list[tuple[str, tuple[str, ...], str, tuple[str, ...], str]] = [
    ("uv", ("--frozen", "--locked"), "uv.lock", (), "uv lock"),
    ("npm", ("ci",), "package-lock.json", ("npm-shrinkwrap.json",), "npm install"),
    ("pnpm", ("--frozen-lockfile",), "pnpm-lock.yaml", (), "pnpm install"),
    ("yarn", ("--frozen-lockfile", "--immutable"), "yarn.lock", (), "yarn install"),
    ("bun", ("--frozen-lockfile",), "bun.lock", ("bun.lockb",), "bun install"),
    ("pdm", ("sync", "--frozen-lockfile"), "pdm.lock", (), "pdm lock"),
    ("pipenv", ("sync", "--deploy"), "Pipfile.lock", (), "pipenv lock"),
    ("poetry", ("--lock",), "poetry.lock", (), "poetry lock"),
    # Bundler: "The --deployment flag requires a Gemfile.lock"; Cargo: "the lock file needs
    # to be updated but --locked was passed".
    ("bundle", ("--deployment", "--frozen"), "Gemfile.lock", ("gems.locked",), "bundle lock"),
    ("cargo", ("--locked", "--frozen"), "Cargo.lock", (), "cargo generate-lockfile"),
]

# The manifest a program needs to run at all, by the subcommands that need it (None: any
# invocation), the names that do (any one), and whether the tool looks in folders above.
# npm/pnpm/bun `install` need it only without package names (`npm install -g x` does not).
_PYPROJECT = ("pyproject.toml",)
_PACKAGE = ("package.json",)
_GRADLE = ("settings.gradle", "settings.gradle.kts", "build.gradle", "build.gradle.kts")
_ANY = None
_MANIFESTS: list[tuple[str, set[str] | None, tuple[str, ...], bool]] = [
    ("uv", {"sync", "lock", "export", "tree", "add", "remove"}, _PYPROJECT, True),
    ("poetry", {"install", "sync", "run", "build", "check", "lock"}, _PYPROJECT, True),
    ("pdm", {"install", "sync", "run", "build", "lock"}, _PYPROJECT, True),
    ("hatch", {"run", "test", "build", "env", "fmt"}, (*_PYPROJECT, "hatch.toml"), True),
    ("pipenv", {"sync"}, ("Pipfile",), True),
    ("nox", _ANY, ("noxfile.py",), False),
    ("npm", {"ci", "install", "i", "test", "t", "run", "run-script", "start"}, _PACKAGE, True),
    ("pnpm", {"install", "i", "test", "t", "run", "start"}, _PACKAGE, True),
    ("yarn", {"", "install", "test", "run", "start"}, _PACKAGE, True),
    ("bun", {"install", "i"}, _PACKAGE, True),
    ("bundle", {"", "install", "exec", "check"}, ("Gemfile", "gems.rb"), True),
    ("rake", _ANY, ("Rakefile", "rakefile", "Rakefile.rb", "rakefile.rb"), True),
    (
        "cargo",
        {"build", "test", "run", "check", "clippy", "nextest", "bench"},
        ("Cargo.toml",),
        True,
    ),
    ("go", {"build", "test", "vet", "generate"}, ("go.mod",), True),
    ("mvn", _ANY, ("pom.xml",), False),
    ("mvnw", _ANY, ("pom.xml",), False),
    ("gradle", _ANY, _GRADLE, True),
    ("gradlew", _ANY, _GRADLE, True),
    ("make", _ANY, ("Makefile", "makefile", "GNUmakefile"), False),
]
# Options that point a program at another file or folder: its manifest is then not known.
_ELSEWHERE = {
    "-f", "--file", "--makefile", "-C", "--directory", "--noxfile", "-p", "--project",
    "--manifest-path", "--rakefile", "--gemfile", "--cwd", "--prefix", "--dir",
    "--build-file", "--settings-file", "--project-dir",
}  # fmt: skip
# Interpreters whose first word, when not an option, is a script of the repository.
_INTERPRETERS = {"python", "python3", "bash", "sh", "node", "ruby", "perl"}
_PIPS = {"pip", "pip3"}
_REQUIREMENT_OPTIONS = ("-r", "--requirement", "-c", "--constraint")


def _literal(path: str) -> bool:
    return bool(path) and not _EXPANDS.search(path) and not path.startswith("/")


def _positional(words: list[str]) -> list[str]:
    return [w for w in words[1:] if not w.startswith("-")]


def _manifests(words: list[str]) -> tuple[tuple[str, ...], bool] | None:
    """The manifest names the command needs (any one), and whether folders above count."""
    if any(w.split("=", 1)[0] in _ELSEWHERE for w in words[1:]):
        return None
    program, rest = words[0], _positional(words)
    sub = rest[0] if rest else ""
    for name, subcommands, names, up in _MANIFESTS:
        if program != name or (subcommands is not None and sub not in subcommands):
            continue
        if program in ("npm", "pnpm", "bun") and sub in ("install", "i") and len(rest) > 1:
            return None  # installs the packages it names: no project needed
        return names, up
    return None


def _requirements(words: list[str]) -> list[str]:
    """The requirement and constraint files a pip install reads (``-r requirements.txt``)."""
    if words[0] in _PIPS:
        args = words[1:]
    elif words[:2] == ["uv", "pip"]:
        args = words[2:]
    elif words[0] in ("python", "python3") and words[1:3] == ["-m", "pip"]:
        args = words[3:]
    else:
        return []
    found = []
    for index, word in enumerate(args):
        for option in _REQUIREMENT_OPTIONS:
            if word == option and index + 1 < len(args):
                found.append(args[index + 1])
            elif word.startswith(option + "=") and option.startswith("--"):
                found.append(word.split("=", 1)[1])
            elif word.startswith(option) and not option.startswith("--") and len(word) > 2:
                found.append(word[2:])
    return [f for f in found if _literal(f) and "://" not in f]


def demanded_files(command: str) -> list[Demand]:
    """The files and folders of the repository the command cannot run without, in the order
    it reads them, each relative to where the command starts."""
    found: list[Demand] = []
    folder: str | None = "."  # None: a `cd` to a folder the words do not say
    outer: list[str | None] = []  # the folders of the enclosing subshells

    def add(demand: Demand) -> None:
        if demand.path not in [d.path for d in found]:
            found.append(demand)

    def here(name: str) -> str:
        return posixpath.normpath(posixpath.join(folder or ".", name))

    for raw in _parts(command):
        if raw == "(":
            outer.append(folder)
            continue
        if raw == ")":
            folder = outer.pop() if outer else folder  # a subshell's `cd` ends with it
            continue
        if folder is None or isinstance(raw, str):
            continue
        words = [posixpath.basename(raw[0]), *raw[1:]]
        why = " ".join(words)
        if words[0] == "cd":
            target = words[1] if len(words) > 1 else ""
            folder = here(target) if _literal(target) else None
            if folder is not None:
                add(Demand(folder + "/", why, "folder"))
            continue
        if "/" in raw[0] and _literal(raw[0]):
            add(Demand(here(raw[0]), why, "script"))
        elif words[0] in _INTERPRETERS and _positional(words[:2]) and _literal(words[1]):
            add(Demand(here(words[1]), why, "script"))
        for path in _requirements(words):
            add(Demand(here(path), why, "script"))
        manifest = _manifests(words)
        if manifest is not None:
            names, up = manifest
            also = tuple(here(n) for n in names[1:])
            add(Demand(here(names[0]), why, "manifest", also, up))
        for program, flags, name, also_names, writer in _LOCKING:
            if words[0] == program and any(f in words[1:] for f in flags):
                also = tuple(here(a) for a in also_names)
                add(Demand(here(name), why, "lock", also, True, writer))
    return found


def lock_files(command: str) -> list[LockFile]:
    """The lock files the command's own words demand, where it looks first (after a literal
    ``cd``; nothing after a ``cd`` whose folder is not literal)."""
    return [LockFile(d.path, d.why) for d in demanded_files(command) if d.kind == "lock"]
