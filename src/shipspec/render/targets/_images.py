"""The container images the generated CI runs, each pinned by digest (``images.json``).

The data file keeps, for every image, its tag (for readers), its digest (what the registry
resolves) and where the digest was found, so a reviewer can check each pin against a public
file rather than trust it. A reference is ``<image>:<tag>@sha256:<64 hex>``: with a digest
present, Docker and GitLab runners pull by the digest and ignore the tag.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


@functools.cache
def pinned_images() -> dict[str, dict[str, str]]:
    """Role (``pulumi``, ``java``, ``trivy`` …) → ``{image, tag, digest, source}``."""
    text = resources.files(__package__).joinpath("images.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data["images"]


def image_ref(role: str) -> str:
    """The pull reference for one role's image, tag kept and digest pinned."""
    entry = pinned_images()[role]
    return f"{entry['image']}:{entry['tag']}@{entry['digest']}"


def image_tag(role: str) -> str:
    """The tag an image is pinned at (the Pulumi image's tag is the CLI version)."""
    return pinned_images()[role]["tag"]
