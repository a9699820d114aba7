"""``.shipspec/manifest.json``: which files shipspec wrote, and the hash of what it wrote.

The manifest, not the header in a file, decides what shipspec may overwrite or
delete: a file whose current hash differs from the recorded one was edited by a person.
It sits in the output folder where anyone can edit it, so every path it lists must be
relative, normalised and inside the folder: ``../../x`` or ``/etc/x`` is refused.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import UnsafePath
from .safety import is_inside_path

MANIFEST_PATH = ".shipspec/manifest.json"
FORMAT_VERSION = 1


@dataclass
class Manifest:
    files: dict[str, str] = field(default_factory=dict)  # path → sha256 digest
    blueprints: str | None = None
    """``generate --blueprints DIR``, relative to the output folder (POSIX), for later runs."""
    rendered: dict[str, str] = field(default_factory=dict)
    """For a file recorded by its data (a stack config), the digest of the bytes shipspec
    rendered: a later run that renders the same bytes reuses the recorded fingerprint
    instead of parsing the file again (over a megabyte of YAML at 200 services)."""

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
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            # An unreadable manifest protects nothing; treat every existing file as the user's.
            return cls()
        bad = sorted(str(k) for k in files if not is_inside_path(k))
        if bad:
            listed = "\n".join(f"  {k!r}" for k in bad)
            raise UnsafePath(
                f"{path}: files: these entries are not relative paths inside the output "
                f"folder, so shipspec will neither write nor delete them:\n{listed}\n"
                "  hint: remove those entries (or restore the manifest from version control)"
            )
        recorded = data.get("blueprints")
        rendered = data.get("rendered")
        return cls(
            {str(k): str(v) for k, v in files.items()},
            recorded if isinstance(recorded, str) and recorded else None,
            {
                str(k): str(v)
                for k, v in (rendered if isinstance(rendered, dict) else {}).items()
                if k in files
            },
        )

    def text(self, generator: str) -> str:
        body: dict[str, object] = {
            "format": FORMAT_VERSION,
            "generator": generator,
            "files": dict(sorted(self.files.items())),
        }
        if self.blueprints:
            body["blueprints"] = self.blueprints
        if self.rendered:
            body["rendered"] = dict(sorted(self.rendered.items()))
        return json.dumps(body, indent=2, sort_keys=True) + "\n"


def blueprints_for(out_dir: Path, given: Path | None) -> tuple[Path | None, str | None]:
    """The blueprint folder to use and the relative path to record for it.

    ``given`` (``--blueprints``) wins; without it, the folder the manifest recorded at
    the last ``generate --blueprints`` (so a plain ``generate``, ``--check`` and CI use
    it too).
    """
    if given is not None:
        relative = os.path.relpath(Path(given).resolve(), Path(out_dir).resolve())
        return Path(given), PurePosixPath(Path(relative)).as_posix()
    recorded = Manifest.read(Path(out_dir)).blueprints
    if recorded is None:
        return None, None
    return Path(out_dir) / recorded, recorded
