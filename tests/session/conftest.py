"""Fixtures for the session and doctor tests: a project folder, a fixed clock, the CLI,
a local moto server standing in for AWS, and a Pulumi CLI on the PATH.

The CLI is ``shipspec.cli.app`` itself, driven in-process with typer's runner.
"""

from __future__ import annotations

import os
import shutil
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer

from tests.conftest import EXAMPLES

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Clock:
    """A fixed clock that moves one minute per reading, so every event has its own time."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with the shop handoff, run from its root; the actor is fixed."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()
    shutil.copy(EXAMPLES / "shop.yaml", root / "handoff.yaml")
    monkeypatch.chdir(root)
    monkeypatch.setenv("SHIPSPEC_ACTOR", "alice@example.com")
    return root


def cli_app() -> typer.Typer:
    from shipspec.cli import app

    return app


@pytest.fixture
def cli() -> typer.Typer:
    return cli_app()


@pytest.fixture
def state_bucket(aws: str) -> str:
    import boto3

    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(
        Bucket="acme-pulumi-state",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    yield "acme-pulumi-state"
    s3.delete_bucket(Bucket="acme-pulumi-state")


@pytest.fixture
def pulumi_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``pulumi`` executable answering ``pulumi version`` like the real CLI.

    The real CLI is a 100 MB download outside any package registry; doctor only runs
    ``pulumi version``, so an executable that answers it exercises the same code path.
    """
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "pulumi"
    script.write_text('#!/bin/sh\n[ "$1" = version ] && echo v3.272.0 && exit 0\nexit 2\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return script
