"""Container images the pipelines run are pinned by digest, like the actions by commit."""

from __future__ import annotations

import re

from tests.delivery.delivery_support import Rendered, gitlab_jobs

DIGEST = re.compile(r"^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$")
# The scanners and the Docker that builds and pushes images: what the issue names first.
PINNED = ("aquasecurity/trivy", "gitleaks/gitleaks", "docker:")


def images(pipeline: Rendered) -> set[str]:
    found: set[str] = set()
    for text in pipeline.files.values():
        found.update(re.findall(r"docker run [^\n]*?(\S+/\S+:\S+)", text))
    if ".gitlab-ci.yml" in pipeline.files:
        for job in gitlab_jobs(pipeline.yaml(".gitlab-ci.yml")).values():
            image = job.get("image", "")
            found.add(image["name"] if isinstance(image, dict) else image)
            found.update(job.get("services", []))
    return {i for i in found if i}


def test_scanner_and_docker_images_are_pinned_by_digest(
    github: list[Rendered], gitlab: list[Rendered]
) -> None:
    seen = set()
    for pipeline in github + gitlab:
        for image in images(pipeline):
            if any(name in image for name in PINNED):
                seen.add(image.split(":")[0])
                assert DIGEST.match(image), f"{pipeline.name}: {image}"
    assert seen == {"ghcr.io/aquasecurity/trivy", "ghcr.io/gitleaks/gitleaks", "docker"}
