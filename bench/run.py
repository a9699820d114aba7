"""shipspec benchmark: whole-process timings for validate, generate and preview.

Not part of the test suite. Prints a table for specs of 1, 10, 50 and 200 services
(generated here), with resource counts and peak memory, plus CLI start-up against
a bare interpreter, whether pulumi_aws is imported outside preview, and preview's
cost per resource against a bare Pulumi mocks run of the same resources (the floor).

    python bench/run.py [--sizes 1,10,50,200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from specs import spec_text

PY = sys.executable
SHIPSPEC = [PY, "-m", "shipspec"]


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MiB) of the child, and stdout of one process run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) // 1024, done.stdout


def best(cmd: list[str], repeat: int, cwd: Path | None = None) -> tuple[float, int, str]:
    runs = [timed(cmd, cwd) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1,10,50,200")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, best of {args.repeat}\n")
    startup(args.repeat)
    print()
    columns = ("services", "validate", "generate", "preview", "resources", "ms/res", "floor ms/res")
    header = " ".join(f"{c:>12}" for c in (*columns, "ratio", "peak MiB"))
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for n in sizes:
            spec = root / f"spec{n}.yaml"
            spec.write_text(spec_text(n))
            out = root / f"out{n}"
            out.mkdir(exist_ok=True)
            spec = spec.rename(out / spec.name)  # inside the repository, as CI needs it
            validate, m1, _ = best([*SHIPSPEC, "validate", str(spec)], args.repeat)
            generate, m2, _ = best(
                [*SHIPSPEC, "generate", str(spec), "-o", str(out), "--force"], args.repeat
            )
            preview, m3, text = best(
                [*SHIPSPEC, "preview", str(out), "--env", "prod", "--json"], args.repeat
            )
            data = json.loads(text)
            count = data["summary"]["total"]
            floor_cmd = [PY, str(Path(__file__).parent / "floor.py"), str(out), "prod"]
            floor = min(json.loads(timed(floor_cmd)[2])["seconds"] for _ in range(args.repeat))
            inner = _inner_seconds(out, args.repeat)
            per = inner / count * 1000
            floor_per = floor / count * 1000
            cells = (
                f"{n}",
                f"{validate:.2f}s",
                f"{generate:.2f}s",
                f"{preview:.2f}s",
                f"{count}",
                f"{per:.2f}",
                f"{floor_per:.2f}",
                f"{per / floor_per:.2f}",
                f"{max(m1, m2, m3)}",
            )
            print(" ".join(f"{c:>12}" for c in cells))
    print(
        "\nms/res: one warm run of the generated program inside preview (registration until every"
        " output resolved), per resource; floor: the same program under bare Pulumi mocks"
        " (Pulumi's MockMonitor, no recording), per resource."
    )


def _inner_seconds(out: Path, repeat: int) -> float:
    code = (
        "import time, sys, os; from pathlib import Path;"
        "from shipspec.preview.service import program_dir, stack_config;"
        "from shipspec.preview.runner import run_stack;"
        f"infra = program_dir(Path({str(out)!r})); project, config = stack_config(infra, 'prod');"
        "sys.path.insert(0, str(infra)); import components; sys.path.pop(0);"  # warm, as the floor
        "t = time.perf_counter(); run_stack(infra, project=project, stack='prod', config=config);"
        "print(time.perf_counter() - t); sys.stdout.flush(); os._exit(0)"
    )
    return min(float(timed([PY, "-c", code])[2]) for _ in range(repeat))


if __name__ == "__main__":
    main()
