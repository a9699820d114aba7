"""``.shipspec/manifest.json``: which files shipspec wrote, and the hash of what it wrote.

The manifest, not the header in a file, decides what shipspec may overwrite or
delete: a file whose current hash differs from the recorded one was edited by a person.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_PATH = ".shipspec/manifest.json"
FORMAT_VERSION = 1


@dataclass
class Manifest:
    files: dict[str, str] = field(default_factory=dict)  # path → sha256 digest

    @classmethod
    def read(cls, root: Path) -> Manifest:
        path = root / MANIFEST_PATH
        if not path.is_file():
            return cls()
        try:
            data = json.loads(path.read_text("utf-8"))
            files = data["files"]
            if not isinstance(files, dict):
                raise TypeError
            return cls({str(k): str(v) for k, v in files.items()})
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            # An unreadable manifest protects nothing; treat every existing file as the user's.
            return cls()

    def text(self, generator: str) -> str:
        body = {
            "format": FORMAT_VERSION,
            "generator": generator,
            "files": dict(sorted(self.files.items())),
        }
        return json.dumps(body, indent=2, sort_keys=True) + "\n"
