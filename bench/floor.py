"""The floor for preview: the same generated program under bare Pulumi mocks.

Runs ``infra/__main__.py`` with the same mocks class shipspec uses (its outputs are
what the program needs to run) but with Pulumi's own ``MockMonitor``: no recording,
no thread isolation, no result conversion. The difference to ``run_stack`` is what
shipspec's preview machinery costs. Prints ``{"seconds": ...}`` for one warm run.

    python bench/floor.py OUT_DIR STACK
"""

from __future__ import annotations

import asyncio
import json
import os
import runpy
import sys
import time
from pathlib import Path

import pulumi
from pulumi.runtime import settings
from pulumi.runtime.stack import run_in_stack

from shipspec.preview.mocks import AwsMocks
from shipspec.preview.service import program_dir, stack_config


def main(out_dir: str, stack: str) -> None:
    infra = program_dir(Path(out_dir))
    project, config = stack_config(infra, stack)
    full = {(k if ":" in k else f"{project}:{k}"): v for k, v in config.items()}
    sys.path.insert(0, str(infra))
    os.chdir(infra)
    import components  # noqa: F401  (warm: the pulumi_aws submodules the program uses)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_all_config(full, [])
    pulumi.runtime.set_mocks(
        AwsMocks(region=full["aws:region"]), project=project, stack=stack, preview=True
    )
    settings.set_root_resource(None)  # type: ignore[arg-type]
    started = time.perf_counter()
    loop.run_until_complete(
        run_in_stack(lambda: runpy.run_path(str(infra / "__main__.py"), run_name="__main__"))
    )
    print(json.dumps({"seconds": time.perf_counter() - started}))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
