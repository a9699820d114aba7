"""Run a generated pipeline script under fake ``gh``, ``aws``, ``pulumi`` and ``curl`` commands.

The scripts are taken from the generated workflow files (never from the templates) and
run by bash the way the CI system runs them, with a folder of fake commands first on
PATH. Each fake answers from a table of rules: the first rule whose words all appear in
the command line answers (stdout, stderr, exit code); a rule with several answers gives
them in turn and then repeats its last one, which is how a polled status moves from
IN_PROGRESS to SUCCESSFUL. A call no rule answers exits 97 ("no network"), so a script
that calls something the test did not foresee fails instead of passing by accident.
Every call is logged, so a test can assert what the script would have deployed. The real
``jq`` runs (scripts/bootstrap installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FAKED = ("gh", "aws", "pulumi", "curl", "apt-get", "apk", "python", "pip")

FAKE = r"""
import json, os, sys
from pathlib import Path
folder = Path(os.environ["FAKE_CLI_DIR"])
name = Path(sys.argv[0]).name
argv = sys.argv[1:]
line = " ".join(argv)
with (folder / "calls.log").open("a") as log:
    log.write(json.dumps([name, *argv]) + "\n")
rules = json.loads((folder / "rules.json").read_text()).get(name, [])
for index, rule in enumerate(rules):
    if all(word in line for word in rule["when"]):
        answers = rule["answers"]
        counter = folder / f"{name}-{index}.count"
        seen = int(counter.read_text()) if counter.exists() else 0
        counter.write_text(str(seen + 1))
        out, err, code = answers[min(seen, len(answers) - 1)]
        for tool, real in rule.get("installs", {}).items():  # a package manager's side effect
            (folder / "bin" / tool).symlink_to(real)
        sys.stdout.write(out)
        sys.stderr.write(err)
        sys.exit(code)
sys.stderr.write(f"fake {name}: no answer for: {line}\n")
sys.exit(97)
"""


def answer(out: Any = "", code: int = 0, err: str = "") -> tuple[str, str, int]:
    """One answer of a fake command; ``out`` that is not a string is printed as JSON."""
    text = out if isinstance(out, str) else json.dumps(out)
    return (text + ("\n" if text and not text.endswith("\n") else ""), err, code)


def rule(*when: str, answers: list[tuple[str, str, int]] | None = None, **one: Any) -> dict:
    """``rule("ecs", "list-service-deployments", out={...})`` or with ``answers=[...]``."""
    return {"when": list(when), "answers": answers or [answer(**one)]}


def installs(*when: str, tools: tuple[str, ...]) -> dict:
    """A package-manager rule that succeeds and puts the real ``tools`` on PATH."""
    found = {tool: shutil.which(tool) for tool in tools}
    assert all(found.values()), f"not installed here: {found}"
    return {"when": list(when), "answers": [answer()], "installs": found}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    calls: list[list[str]]
    temp: Path  # RUNNER_TEMP / the job's scratch folder, with the files the script wrote
    outputs: dict[str, str] = field(default_factory=dict)  # what it wrote to GITHUB_OUTPUT

    def called(self, *words: str) -> list[list[str]]:
        """The calls whose command line holds every word."""
        return [c for c in self.calls if all(w in " ".join(c) for w in words)]


def run_script(
    body: str,
    rules: dict[str, list[dict]],
    folder: Path,
    env: dict[str, str] | None = None,
    shell: tuple[str, ...] = ("bash", "--noprofile", "--norc", "-eo", "pipefail"),
    files: dict[str, str] | None = None,
    image_lacks: tuple[str, ...] = (),
) -> Run:
    """Run ``body`` as CI would (GitHub: ``bash --noprofile --norc -eo pipefail``).

    ``image_lacks`` models a job image without those tools: they are not on PATH until a
    fake package manager's rule ``installs`` them (see :func:`installs`)."""
    folder.mkdir(parents=True, exist_ok=True)
    bin_dir, temp = folder / "bin", folder / "temp"
    bin_dir.mkdir(exist_ok=True)
    temp.mkdir(exist_ok=True)
    for name in FAKED:
        fake = bin_dir / name
        fake.write_text(f"#!{sys.executable} -IS\n{FAKE}")
        fake.chmod(0o755)
    (folder / "rules.json").write_text(json.dumps(rules))
    (folder / "calls.log").write_text("")
    for relative, text in (files or {}).items():
        (temp / relative).write_text(text)
    output = folder / "github_output"
    output.write_text("")
    script = folder / "script.sh"
    script.write_text(body)
    jq = shutil.which("jq")
    assert jq, "jq is not installed (scripts/bootstrap installs it)"
    path = os.environ["PATH"]
    if image_lacks:
        system = folder / "system"
        system.mkdir(exist_ok=True)
        for directory in reversed(path.split(os.pathsep)):
            for tool in Path(directory).glob("*") if Path(directory).is_dir() else []:
                if tool.name not in image_lacks and tool.name not in FAKED:
                    (system / tool.name).unlink(missing_ok=True)
                    (system / tool.name).symlink_to(tool)
        path = str(system)
    environment = {
        "PATH": f"{bin_dir}{os.pathsep}{path}",
        "HOME": str(folder),
        "FAKE_CLI_DIR": str(folder),
        "RUNNER_TEMP": str(temp),
        "CI_PROJECT_DIR": str(temp),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_ENV": str(folder / "github_env"),
        "GITHUB_STEP_SUMMARY": str(folder / "summary.md"),
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_SHA": "c0ffee",
        "CI_COMMIT_SHA": "c0ffee",
        "CI_COMMIT_SHORT_SHA": "c0ffee",
        **(env or {}),
        # The step's own interval (15 s) would make every polling test wait for real.
        "POLL_SECONDS": "0",
    }
    result = subprocess.run(
        [*shell, str(script)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=temp,
        check=False,
        timeout=60,
    )
    calls = [json.loads(line) for line in (folder / "calls.log").read_text().splitlines()]
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return Run(result.returncode, result.stdout, result.stderr, calls, temp, outputs)
