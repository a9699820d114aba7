"""``FileSet``: the value between the render and write stages, path → text, before anything
touches the disk. It lives outside both packages so the writer does not need the renderer."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class FileSet:
    """Generated files keyed by POSIX path relative to the output root; iteration is sorted."""

    files: dict[str, str] = field(default_factory=dict)
    seeds: dict[str, str] = field(default_factory=dict)
    """Files created once and then the user's (``render.seeds``): not iterated with ``files``."""

    def seed(self, path: str, text: str) -> None:
        if path in self.files or path in self.seeds:
            raise ValueError(f"two targets render {path}")
        self.seeds[path] = text

    def add(self, path: str, text: str) -> None:
        if path in self.files:
            raise ValueError(f"two targets render {path}")
        self.files[path] = text if text.endswith("\n") else text + "\n"

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(sorted(self.files.items()))

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, path: str) -> str:
        return self.files[path]

    def __contains__(self, path: object) -> bool:
        return path in self.files


def digest(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return "sha256:" + hashlib.sha256(data).hexdigest()
