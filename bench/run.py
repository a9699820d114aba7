"""shipspec benchmark: whole-process timings and peak memory, printed against the targets.

Not part of the test suite (no test asserts a timing). Generates specs of 1, 10, 50 and
200 services where every service uses two datastores, then prints a table (validate,
generate, preview, resources, preview and floor per resource, peak memory) and the
issue-14 targets with the figure measured for each:

* ``generate`` ≤ 0.5 s at 10 services and ≤ 1.0 s at 200 services (wall time, and the
  CPU time beside it: the steadier figure on a shared machine);
* preview per resource ≤ 1.1× the same program under bare Pulumi mocks
  (``bench/floor.py``), isolation included: both are whole processes, the preview with
  its child process, the floor running the program in its own process;
* ``preview --env all`` of a three-environment spec ≤ 1.3× its largest environment alone;
* peak memory ≤ 300 MiB at 200 services (the preview's child process counts), printed
  also against the floor's own peak: the same program under bare mocks, no shipspec code.

Previews run with ``--no-cache``; a cached ``check`` after a preview is printed too.

    python bench/run.py [--sizes 1,10,50,200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from specs import spec_text

PY = sys.executable
SHIPSPEC = [PY, "-m", "shipspec"]
# Runs one command and reports its wall time, its CPU time (user + system, it and its
# descendants) and the peak RSS of the largest single process among them (Linux's
# RUSAGE_CHILDREN high-water mark, not a sum).
_MEASURE = """\
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
                  "peak": usage.ru_maxrss // 1024, "code": done.returncode,
                  "stdout": done.stdout, "stderr": done.stderr}))
"""


def timed(cmd: list[str]) -> tuple[float, int, str, float]:
    """Wall seconds, peak RSS (MiB) of the command and its children, its stdout, CPU seconds."""
    report = subprocess.run([PY, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=True)
    result = json.loads(report.stdout)
    if result["code"] != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{result['stderr']}")
    return result["seconds"], result["peak"], result["stdout"], result["cpu"]


def best(cmd: list[str], repeat: int) -> tuple[float, int, str, float]:
    """The lowest wall seconds, the highest peak, the last stdout and the lowest CPU seconds
    of ``repeat`` runs (on a shared machine CPU time is the steadier figure: waiting for a
    core counts in wall time only)."""
    runs = [timed(cmd) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2], min(r[3] for r in runs)


def startup(repeat: int) -> None:
    bare = statistics.median(timed([PY, "-c", "pass"])[0] for _ in range(repeat * 3))
    cli = statistics.median(timed([*SHIPSPEC, "--version"])[0] for _ in range(repeat * 3))
    probe = (
        "import sys, shipspec.cli, shipspec.spec.loader, shipspec.plan.planner,"
        " shipspec.render.renderer, shipspec.write.writer;"
        " print('pulumi_aws' in sys.modules, 'pulumi' in sys.modules)"
    )
    loaded = subprocess.run(
        [PY, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    print(
        f"CLI start: `shipspec --version` {cli:.3f}s vs bare `python -c pass` {bare:.3f}s "
        f"(+{cli - bare:.3f}s; target +0.25s)"
    )
    print(f"pulumi_aws imported by validate/plan/generate: {loaded[0]} (pulumi: {loaded[1]})")


def byte_compile() -> None:
    """Compile shipspec's modules as installing the wheel does.

    From a checkout with ``PYTHONDONTWRITEBYTECODE`` set (some shells and CI images set
    it) every timed process would otherwise compile about 90 modules from source first.
    """
    import compileall

    import shipspec

    compileall.compile_dir(str(Path(shipspec.__file__).parent), quiet=1)


def verdict(value: float, limit: float) -> str:
    return "met" if value <= limit else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1,10,50,200")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    byte_compile()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load},"
        f" best of {args.repeat}; shipspec byte-compiled as an install does\n"
    )
    startup(args.repeat)
    print()
    columns = ("services", "validate", "generate", "preview", "resources", "ms/res", "floor ms/res")
    header = " ".join(f"{c:>12}" for c in (*columns, "ratio", "peak MiB", "peak/floor"))
    print(header)
    print("-" * len(header))
    figures: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for n in sizes:
            spec = root / f"spec{n}.yaml"
            spec.write_text(spec_text(n))
            out = root / f"out{n}"
            out.mkdir(exist_ok=True)
            spec = spec.rename(out / spec.name)  # inside the repository, as CI needs it
            validate, m1, _, _ = best([*SHIPSPEC, "validate", str(spec)], args.repeat)
            generate, m2, _, generate_cpu = best(
                [*SHIPSPEC, "generate", str(spec), "-o", str(out), "--force"], args.repeat
            )
            preview, m3, text, _ = best(
                [*SHIPSPEC, "preview", str(out), "--env", "prod", "--json", "--no-cache"],
                args.repeat,
            )
            count = json.loads(text)["summary"]["total"]
            floor, m4, _, _ = best(
                [PY, str(Path(__file__).parent / "floor.py"), str(out), "prod"], args.repeat
            )
            per, floor_per = preview / count * 1000, floor / count * 1000
            peak = max(m1, m2, m3)
            figures[n] = {
                "generate": generate,
                "generate_cpu": generate_cpu,
                "ratio": per / floor_per,
                "peak": peak,
                "floor_peak": m4,
            }
            cells = (
                f"{n}",
                f"{validate:.2f}s",
                f"{generate:.2f}s",
                f"{preview:.2f}s",
                f"{count}",
                f"{per:.2f}",
                f"{floor_per:.2f}",
                f"{per / floor_per:.2f}",
                f"{peak} ({m4})",
                f"{peak / m4:.2f}",
            )
            print(" ".join(f"{c:>12}" for c in cells))
        print(
            "\npreview and floor: whole processes, per resource of the prod stack (the preview"
            " with its child process and result transfer; the floor running the program under"
            " bare Pulumi mocks in one process). peak: the RSS high-water mark of the largest"
            " single process among validate, generate and preview and their children (at 200"
            " services the preview's child; the floor's in brackets), not a sum."
        )
        print("\nTargets (issue 14):")
        for n, limit in ((10, 0.5), (200, 1.0)):
            if n in figures:
                g, cpu = figures[n]["generate"], figures[n]["generate_cpu"]
                print(
                    f"  generate at {n} services: {g:.2f}s (target <= {limit}s):"
                    f" {verdict(g, limit)}; {cpu:.2f}s CPU: {verdict(cpu, limit)}"
                )
        largest = max(figures)
        for n, measured in figures.items():
            ratio = measured["ratio"]
            print(
                f"  preview per resource at {n} services: {ratio:.2f}x the floor"
                f" (target <= 1.1x): {verdict(ratio, 1.1)}"
            )
        if 200 in figures:
            peak, floor_peak = figures[200]["peak"], figures[200]["floor_peak"]
            print(
                f"  peak memory at 200 services: {peak} MiB (target <= 300): {verdict(peak, 300)};"
                f" the bare mocks floor alone peaks at {floor_peak} MiB,"
                f" so shipspec's figure is {peak / floor_peak:.2f}x the floor"
            )
        all_envs(root, min(10, largest), args.repeat)


def all_envs(root: Path, n: int, repeat: int) -> None:
    """``--env all`` of a three-environment spec against its largest environment alone."""
    out = root / "three"
    out.mkdir(exist_ok=True)
    spec = out / "three.yaml"  # inside the repository, as CI needs it
    spec.write_text(spec_text(n, environments=3))
    timed([*SHIPSPEC, "generate", str(spec), "-o", str(out), "--force"])
    alone = {
        env: best([*SHIPSPEC, "preview", str(out), "--env", env, "--no-cache"], repeat)[0]
        for env in ("dev", "staging", "prod")
    }
    together = best([*SHIPSPEC, "preview", str(out), "--env", "all", "--no-cache"], repeat)[0]
    ratio = together / max(alone.values())
    print(
        f"  preview --env all, 3 environments, {n} services: {together:.2f}s vs largest alone"
        f" {max(alone.values()):.2f}s = {ratio:.2f}x (target <= 1.3x): {verdict(ratio, 1.3)}"
    )
    timed([*SHIPSPEC, "preview", str(out), "--env", "all"])
    cached = best([*SHIPSPEC, "check", str(out)], repeat)[0]
    print(f"  check after preview (every environment cached): {cached:.2f}s")


if __name__ == "__main__":
    main()
