"""``secrets list`` / ``secrets set`` against moto's Secrets Manager."""

from __future__ import annotations

import pytest

from shipspec.operate import OperateError, StackContext
from shipspec.operate.secrets import list_secrets, set_secret

from .conftest import SECRETS, Deployed, client


def _stack(deployed: Deployed) -> StackContext:
    return StackContext.load(deployed.out_dir, deployed.env, outputs=deployed.fake_outputs)


def _states(stack: StackContext) -> dict[str, str]:
    return {s.name: s.state for s in list_secrets(stack)}


def test_secrets_start_empty_and_set_one_puts_awscurrent(deployed: Deployed) -> None:
    stack = _stack(deployed)
    assert _states(stack) == dict.fromkeys(SECRETS, "empty")

    version = set_secret(stack, "STRIPE_KEY", "sk_test_123")

    assert version
    value = client("secretsmanager").get_secret_value(
        SecretId=deployed.outputs["secret_arns"]["STRIPE_KEY"]
    )
    assert value["SecretString"] == "sk_test_123"
    assert "AWSCURRENT" in value["VersionStages"]
    assert _states(stack) == {"GHCR_PULL": "empty", "JWT_SIGNING_KEY": "empty", "STRIPE_KEY": "set"}


def test_list_never_carries_values(deployed: Deployed) -> None:
    stack = _stack(deployed)
    set_secret(stack, "JWT_SIGNING_KEY", "very-secret-value")
    listed = [s.as_dict() for s in list_secrets(stack)]
    assert "very-secret-value" not in repr(listed)
    assert {d["name"]: d["used_by"] for d in listed} == {
        "GHCR_PULL": ["indexer"],
        "JWT_SIGNING_KEY": ["api"],
        "STRIPE_KEY": ["api"],
    }


def test_a_secret_deleted_in_aws_is_missing(deployed: Deployed) -> None:
    arn = deployed.outputs["secret_arns"]["JWT_SIGNING_KEY"]
    client("secretsmanager").delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    assert _states(_stack(deployed))["JWT_SIGNING_KEY"] == "missing"


def test_an_empty_value_is_refused(deployed: Deployed) -> None:
    with pytest.raises(OperateError, match="refusing an empty value"):
        set_secret(_stack(deployed), "STRIPE_KEY", "")


def test_an_unknown_secret_names_the_known_ones(deployed: Deployed) -> None:
    with pytest.raises(
        OperateError, match=r"no secret 'STRIPE' .*GHCR_PULL, JWT_SIGNING_KEY, STRIPE_KEY"
    ):
        set_secret(_stack(deployed), "STRIPE", "x")


def test_a_stack_without_the_secrets_output_says_to_deploy(deployed: Deployed) -> None:
    del deployed.outputs["secret_arns"]
    with pytest.raises(OperateError, match=r"(?s)no output .secret_arns.*pulumi up --stack dev"):
        list_secrets(_stack(deployed))


def test_no_credentials_is_a_located_message(
    deployed: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(OperateError, match="secret GHCR_PULL: no AWS credentials") as error:
        list_secrets(_stack(deployed))
    assert error.value.exit_code == 1
