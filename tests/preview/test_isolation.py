"""The preview runs the program in a child process: hostile and broken programs.

Each test runs ``shipspec`` as a real process on a one-resource program, as a user or a
CI job would: the program must never hang the preview, end it early with success,
write into its machine-readable output, or leave processes behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

QUEUE = 'import pulumi\nqueue = pulumi.CustomResource("test:index:Queue", "jobs", {"size": 1})\n'


def program(root: Path, body: str, stacks: tuple[str, ...] = ("dev",)) -> Path:
    infra = root / "infra"
    infra.mkdir(parents=True)
    (infra / "Pulumi.yaml").write_text("name: hostile\nruntime: python\n")
    for stack in stacks:
        (infra / f"Pulumi.{stack}.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (infra / "__main__.py").write_text(body)
    return root


def shipspec(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shipspec", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_a_program_that_loops_forever_is_stopped_at_the_timeout(tmp_path: Path) -> None:
    out = program(tmp_path, QUEUE + "while True:\n    pass\n")
    done = shipspec("preview", str(out), "--timeout", "2", "--json")
    assert done.returncode == 1
    assert "did not finish within 2 seconds" in done.stderr and "--timeout" in done.stderr
    assert done.stdout == ""


def test_a_program_that_ends_the_process_early_fails_the_preview(tmp_path: Path) -> None:
    out = program(tmp_path, QUEUE + "import os\nos._exit(0)\n")
    done = shipspec("preview", str(out), "--json")
    assert done.returncode == 1, done.stdout
    assert done.stdout == ""
    assert "the generated program failed for dev" in done.stderr
    assert "ended the preview process (exit code 0) before it finished" in done.stderr


def test_the_programs_prints_stay_out_of_json_and_are_shown_on_failure(tmp_path: Path) -> None:
    out = program(tmp_path, 'print("hello from the program")\n' + QUEUE)
    done = shipspec("preview", str(out), "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert [r["name"] for r in body["resources"]] == ["jobs"]
    assert "hello from the program" not in done.stdout + done.stderr

    (out / "infra" / "__main__.py").write_text(
        'import sys\nprint("about to fail")\nprint("oops", file=sys.stderr)\n' + QUEUE + "1 / 0\n"
    )
    failed = shipspec("preview", str(out), "--json")
    assert failed.returncode == 1 and failed.stdout == ""
    assert "__main__.py:6: ZeroDivisionError" in failed.stderr
    assert "about to fail" in failed.stderr and "oops" in failed.stderr


def test_a_process_the_program_starts_is_ended_and_releases_the_callers_pipe(
    tmp_path: Path,
) -> None:
    pid_file = tmp_path / "sleeper.pid"
    out = program(
        tmp_path / "out",
        "import subprocess, sys\n"
        f"sleeper = subprocess.Popen(['sleep', '300'], stdout=sys.stdout, stderr=sys.stderr)\n"
        f"open({str(pid_file)!r}, 'w').write(str(sleeper.pid))\n" + QUEUE,
    )
    # Before the isolation, the sleeper held this pipe open: run() then waited 300 s.
    done = shipspec("preview", str(out), "--json", timeout=60)
    assert done.returncode == 0, done.stderr
    pid = int(pid_file.read_text())
    for _ in range(50):  # killed at once; give the reaper a moment to collect it
        if not _alive(pid):
            break
        time.sleep(0.1)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended; only its entry remains


def test_unchanged_runs_come_from_the_cache_and_no_cache_runs_again(tmp_path: Path) -> None:
    runs = tmp_path / "runs.log"
    out = program(
        tmp_path / "out",
        f"open({str(runs)!r}, 'a').write('run\\n')\n" + QUEUE,
        stacks=("dev", "prod"),
    )
    assert shipspec("preview", str(out), "--env", "dev").returncode == 0
    assert shipspec("preview", str(out), "--env", "dev", "--json").returncode == 0
    assert runs.read_text().count("run") == 1  # the second came from the cache
    assert shipspec("preview", str(out), "--env", "dev", "--no-cache").returncode == 0
    assert runs.read_text().count("run") == 2
    (out / "infra" / "overrides.py").write_text("# a change the program may import\n")
    assert shipspec("preview", str(out), "--env", "dev").returncode == 0
    assert runs.read_text().count("run") == 3

    both = shipspec("preview", str(out), "--env", "all", "--json")
    assert both.returncode == 0, both.stderr
    assert [b["environment"] for b in json.loads(both.stdout)] == ["dev", "prod"]
    assert runs.read_text().count("run") == 4  # dev was cached, prod ran


def test_env_all_reports_every_environment_and_fails_if_one_fails(tmp_path: Path) -> None:
    out = program(
        tmp_path,
        "import pulumi\n"
        + QUEUE
        + 'if pulumi.get_stack() == "prod":\n    raise RuntimeError("prod is broken")\n',
        stacks=("dev", "prod"),
    )
    done = shipspec("preview", str(out), "--env", "all")
    assert done.returncode == 1
    assert "hostile / dev" in done.stdout
    assert "failed for prod" in done.stderr and "prod is broken" in done.stderr
    assert "__main__.py:5: RuntimeError" in done.stderr


def test_a_policy_gate_cannot_be_passed_by_ending_the_process(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "minimal"
    out.mkdir()
    spec = out / "handoff.yaml"  # inside the output folder, where CI finds it
    spec.write_bytes((root / "examples" / "minimal.yaml").read_bytes())
    generated = shipspec("generate", str(spec), "-o", str(out))
    assert generated.returncode == 0, generated.stderr
    main = out / "infra" / "__main__.py"
    main.write_text(main.read_text() + "\nimport os\nos._exit(0)\n")
    done = shipspec("check", str(out), "--sarif")
    assert done.returncode == 1 and done.stdout == ""
    assert "ended the preview process" in done.stderr


RECORD_PARENT = """\
import os, pulumi
parent = os.getppid()
command = open(f"/proc/{parent}/cmdline").read().split(chr(0))
open(PARENTS, "a").write(f"{pulumi.get_stack()} {parent} {' '.join(command)}\\n")
"""


def test_env_all_forks_every_stack_from_one_process_that_imported_pulumi(tmp_path: Path) -> None:
    """The launcher imports the SDK once and forks a run per stack: both runs are children of
    the same ``shipspec.preview.child`` process (each started its own interpreter before,
    both children of shipspec's own process)."""
    parents = tmp_path / "parents"
    body = RECORD_PARENT.replace("PARENTS", repr(str(parents)))
    out = program(tmp_path / "out", body + QUEUE, stacks=("dev", "prod"))
    done = shipspec("preview", str(out), "--env", "all", "--json")
    assert done.returncode == 0, done.stderr
    lines = sorted(line.split(" ", 2) for line in parents.read_text().splitlines())
    assert [stack for stack, _, _ in lines] == ["dev", "prod"]
    assert len({parent for _, parent, _ in lines}) == 1  # one launcher forked both
    assert all("shipspec.preview.child" in command for _, _, command in lines)


def test_one_stack_timing_out_leaves_the_others_result(tmp_path: Path) -> None:
    out = program(
        tmp_path,
        "import pulumi\n"
        + QUEUE
        + 'if pulumi.get_stack() == "prod":\n    while True:\n        pass\n',
        stacks=("dev", "prod"),
    )
    done = shipspec("preview", str(out), "--env", "all", "--timeout", "5")
    assert done.returncode == 1
    assert "hostile / dev" in done.stdout
    assert "did not finish within 5 seconds" in done.stderr and "prod" in done.stderr


def test_the_exit_code_of_a_program_that_ends_its_process_is_reported(tmp_path: Path) -> None:
    out = program(tmp_path, QUEUE + "import os\nos._exit(3)\n")
    done = shipspec("preview", str(out), "--json")
    assert done.returncode == 1 and done.stdout == ""
    assert "ended the preview process (exit code 3) before it finished" in done.stderr


def test_the_launcher_starts_at_once_for_a_run_and_never_for_cached_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run is certain when an environment has no cached run: Pulumi's imports then start
    before shipspec reads and hashes the program. Everything cached: no process at all."""
    from shipspec.preview import isolation, service

    out = program(tmp_path, QUEUE, stacks=("dev", "prod"))
    events: list[str] = []
    real_start, real_key = isolation.Launcher._started, service._run_key

    def started(self: isolation.Launcher) -> Any:
        if self._socket is None:
            events.append("child")
        return real_start(self)

    def hashed(infra: Path, stack: str) -> str:
        events.append("hash")
        return real_key(infra, stack)

    monkeypatch.setattr(isolation.Launcher, "_started", started)
    monkeypatch.setattr(service, "_run_key", hashed)
    first = service.run_previews(out, ["dev", "prod"])
    assert [p.environment for p in first] == ["dev", "prod"]
    assert events == ["child", "hash", "hash"]  # started before hashing the program
    events.clear()
    again = service.run_previews(out, ["dev", "prod"])
    assert [p.environment for p in again] == ["dev", "prod"]
    assert events == ["hash", "hash"]  # both cached: no child process at all


RECORD_NICE = """\
import os, pulumi
open(NICE, "a").write(f"{pulumi.get_stack()} {os.nice(0)}\\n")
"""


def test_the_smaller_stacks_yield_the_processor_to_the_largest(tmp_path: Path) -> None:
    """With every stack running at once on few cores, the largest (its stack config the
    longest) would end last under an equal share: the others run at a lower priority."""
    nice = tmp_path / "nice"
    out = program(
        tmp_path / "out", RECORD_NICE.replace("NICE", repr(str(nice))) + QUEUE, ("dev", "prod")
    )
    prod = out / "infra" / "Pulumi.prod.yaml"
    prod.write_text(prod.read_text() + "  hostile:padding: '" + "x" * 400 + "'\n")
    done = shipspec("preview", str(out), "--env", "all", "--json")
    assert done.returncode == 0, done.stderr
    assert dict(line.split() for line in nice.read_text().splitlines()) == {"prod": "0", "dev": "5"}


def test_after_a_start_that_timed_out_no_run_takes_its_late_reply(tmp_path: Path) -> None:
    """The child answers each request with its run's pid; a reply that comes after its request
    gave up must not be read as the next request's, so the launcher takes no more."""
    import tempfile

    from shipspec.preview.isolation import Launcher, PreviewTimeout, ProgramError

    out = program(tmp_path, QUEUE)
    with Launcher(out / "infra", timeout=0.01) as launcher:  # far less than Pulumi's imports
        raised = []
        for _ in range(2):
            read_end, write_end = os.pipe()
            with (
                tempfile.TemporaryFile() as request,
                tempfile.TemporaryFile() as stream,
                pytest.raises(ProgramError) as caught,
            ):
                launcher.start_run(request, write_end, stream, stream)
            raised.append(caught.value)
            os.close(read_end)
            os.close(write_end)
    assert isinstance(raised[0], PreviewTimeout)
    assert not isinstance(raised[1], PreviewTimeout)  # refused at once, not waiting again
    assert "ended before it started the program" in str(raised[1])
