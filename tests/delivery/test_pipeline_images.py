"""Container images the pipelines run are pinned by digest, like the actions by commit.

Every place a generated pipeline names an image is read: GitLab ``image:`` (string or
``name:``) and ``services:``, GitHub ``container:``, ``services:`` and ``uses: docker://``,
and ``docker run`` lines in any script. Each must carry a 64-hex digest, and each digest
must come from ``images.json``, where every entry names the public file it was found in.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from shipspec.render.targets._commands import TOOLCHAINS
from shipspec.render.targets._images import DIGEST as DIGEST_VALUE
from shipspec.render.targets._images import image_ref, pinned_images
from shipspec.render.targets.gitlab import TEST_IMAGES, image_for_tests
from tests.delivery.delivery_support import Rendered, gitlab_jobs

DIGEST = re.compile(r"^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$")
# The scanners and the Docker that builds and pushes images: what the issue names first.
PINNED = ("aquasecurity/trivy", "gitleaks/gitleaks", "docker:")


def _name(image: Any) -> str:
    return str(image.get("name", "") if isinstance(image, dict) else image or "")


# docker run options that take a value (docker's own reference for `docker run`).
VALUED = {
    "-v",
    "--volume",
    "-e",
    "--env",
    "-w",
    "--workdir",
    "--entrypoint",
    "--name",
    "--network",
    "-u",
    "--user",
    "--platform",
    "--env-file",
    "--mount",
    "-p",
}


def _docker_run_image(arguments: str) -> str:
    """The image of a ``docker run`` line: its first word that is no option or option value."""
    words = iter(arguments.replace("\\", " ").split())
    for word in words:
        if word in VALUED:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return ""


def images(pipeline: Rendered) -> set[str]:
    found: set[str] = set()
    for text in pipeline.files.values():
        found.update(filter(None, map(_docker_run_image, re.findall(r"docker run ([^\n]*)", text))))
        found.update(re.findall(r"uses:\s*docker://(\S+)", text))
    if ".gitlab-ci.yml" in pipeline.files:
        for job in gitlab_jobs(pipeline.yaml(".gitlab-ci.yml")).values():
            found.add(_name(job.get("image")))
            found.update(_name(s) for s in job.get("services", []))
    for path in pipeline.files:
        if not path.startswith(".github/workflows/"):
            continue
        for job in (pipeline.yaml(path).get("jobs") or {}).values():
            found.add(_name(job.get("container")))
            found.update(
                _name(s.get("image") if isinstance(s, dict) else s)
                for s in (job.get("services") or {}).values()
            )
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


def test_every_image_a_pipeline_runs_is_pinned_by_a_recorded_digest(
    github: list[Rendered], gitlab: list[Rendered]
) -> None:
    recorded = {image_ref(role) for role in pinned_images()}
    seen: set[str] = set()
    for pipeline in github + gitlab:
        for image in images(pipeline):
            assert DIGEST.match(image), f"{pipeline.name}: {image} is not pinned by digest"
            assert image in recorded, f"{pipeline.name}: {image} is not in images.json"
            seen.add(image)
    # The Pulumi image, Python, the scanners and Docker appear in the rendered examples.
    for role in ("pulumi", "python", "trivy", "gitleaks", "docker", "dind"):
        assert image_ref(role) in seen, role


def test_a_pipeline_image_without_a_digest_is_found(gitlab: list[Rendered]) -> None:
    """The collector sees a tag-only image: the test above cannot pass by finding nothing."""
    pipeline = gitlab[0]
    text = pipeline.files[".gitlab-ci.yml"]
    unpinned = text.replace(image_ref("python"), "python:3.12", 1)
    assert unpinned != text
    doomed = Rendered(
        pipeline.name, pipeline.model, {**pipeline.files, ".gitlab-ci.yml": unpinned}, pipeline.root
    )
    assert "python:3.12" in images(doomed)


@pytest.mark.parametrize("toolchain", sorted(set(TOOLCHAINS.values())))
def test_every_test_toolchain_image_is_pinned(toolchain: str) -> None:
    assert DIGEST.match(TEST_IMAGES[toolchain]), TEST_IMAGES[toolchain]
    command = next(word for word, chain in TOOLCHAINS.items() if chain == toolchain)
    assert image_for_tests(f"{command} test") == TEST_IMAGES[toolchain]


def test_each_recorded_digest_says_where_it_was_found() -> None:
    for role, entry in pinned_images().items():
        assert DIGEST_VALUE.match(entry["digest"]), role
        assert entry["tag"] and entry["image"], role
        # A source names a public file (owner/repo and path) or the files a search found.
        assert len(entry["source"]) > 40 and entry["digest"][7:15] in entry["source"], role


def test_the_gitlab_pulumi_image_says_why_its_cli_differs_from_the_sdk(
    gitlab: list[Rendered],
) -> None:
    """The image's CLI and the SDK that infra/requirements.txt pins differ: the pipeline
    says which versions run, and why that holds, where a reader meets the image."""
    from shipspec.render.targets._images import image_tag
    from shipspec.render.targets.pulumi import PULUMI_VERSION

    cli = image_tag("pulumi")
    for pipeline in gitlab:
        text = pipeline.files[".gitlab-ci.yml"]
        block = text.split("\n.pulumi:\n", 1)[1].split("\n  image:", 1)[0]
        if cli == PULUMI_VERSION:
            assert "SDK" not in block
        else:
            assert f"Pulumi CLI {cli}" in block
            assert f"{PULUMI_VERSION} SDK that infra/requirements.txt pins" in block
            assert "SupportsFeature" in block
