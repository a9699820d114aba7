"""Count the compose import report's findings per bin across ../shared/compose-samples.

Each file is imported on its own with incompatible settings allowed (so refused files
count too); a file that still fails to import is counted as such. Prints one line per
bin, totals over every file: ``mapped 812``, ``dropped 143``, ``incompatible 9``.

    .venv/bin/python scripts/compose_report_counts.py [samples folder]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from shipspec.importers import ImportFailed, import_compose


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/compose-samples")
    counts: Counter[str] = Counter()
    for path in sorted(root.rglob("*.y*ml")):
        try:
            result = import_compose([path], environ={}, allow_incompatible=True)
        except ImportFailed:
            counts["failed files"] += 1
            continue
        counts["files"] += 1
        counts.update(finding.bin for finding in result.report.findings)
    for key in ("files", "failed files", "mapped", "dropped", "incompatible"):
        print(f"{key} {counts[key]}")


if __name__ == "__main__":
    main()
