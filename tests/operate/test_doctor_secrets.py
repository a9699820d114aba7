"""``doctor`` fails while a deployed stack's secret has no value."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipspec.doctor import run_doctor

from .conftest import SECRETS, Deployed, client

pytestmark = pytest.mark.usefixtures("pulumi_outputs_on_path")


def _secrets_check(out_dir: Path):  # type: ignore[no-untyped-def]
    report = run_doctor(out_dir, "dev")
    return next(c for c in report.checks if c.name == "secrets:dev"), report


def test_doctor_fails_while_a_secret_is_empty_then_passes(deployed: Deployed) -> None:
    check, report = _secrets_check(deployed.out_dir)
    assert check.status == "fail" and not report.ok
    assert check.detail == (
        "no value: GHCR_PULL (empty), JWT_SIGNING_KEY (empty), STRIPE_KEY (empty)"
    )
    assert "shipspec secrets set NAME --env dev" in check.fix

    for name in SECRETS:
        client("secretsmanager").put_secret_value(
            SecretId=deployed.outputs["secret_arns"][name], SecretString="v"
        )
    check, _ = _secrets_check(deployed.out_dir)
    assert (check.status, check.detail) == ("pass", "3 set")


def test_doctor_skips_a_stack_not_deployed_yet(deployed: Deployed) -> None:
    report = run_doctor(deployed.out_dir, "staging")  # the fake pulumi knows only dev
    check = next(c for c in report.checks if c.name == "secrets:staging")
    assert check.status == "skip" and "stack outputs unavailable" in check.detail
