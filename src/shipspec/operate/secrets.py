"""``shipspec secrets``: set a secret's value and list which ones are still empty.

The program creates each secret without a value (components/secret.py); its ARN is in
the stack output ``secret_arns`` (spec name -> ARN). A secret is *empty* while it has no
version labelled AWSCURRENT (DescribeSecret's ``VersionIdsToStages``; GetSecretValue
would answer ResourceNotFoundException). Values are read from stdin or a file, never from an
argument (it would land in the shell history and the process list), and never printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import OperateError, aws_error
from .stack import StackContext


@dataclass(frozen=True)
class SecretState:
    name: str
    arn: str
    used_by: list[str]
    state: str  # "set", "empty" or "missing" (in the spec, not in AWS)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arn": self.arn, "used_by": self.used_by, "state": self.state}


def secret_arns(stack: StackContext) -> dict[str, str]:
    """Spec name -> ARN for the environment's secrets, from the stack output ``secret_arns``."""
    if not stack.env.secrets:
        return {}
    arns = stack.output("secret_arns")
    if not isinstance(arns, dict):
        raise OperateError(f"stack {stack.env.name!r}: output 'secret_arns' is not a mapping")
    return {str(k): str(v) for k, v in arns.items()}


def _arn(stack: StackContext, name: str) -> str:
    names = [s.name for s in stack.env.secrets]
    if name not in names:
        raise OperateError(
            f"no secret {name!r} in environment {stack.env.name!r}: "
            f"it has {', '.join(names) or 'none'}"
        )
    arns = secret_arns(stack)
    if name not in arns:
        raise OperateError(
            f"stack {stack.env.name!r} exports no ARN for secret {name!r}\n"
            f"  hint: deploy the current program: `pulumi up --stack {stack.env.name}`"
        )
    return arns[name]


def list_secrets(stack: StackContext) -> list[SecretState]:
    """Every secret the environment's services reference, and whether it has a value."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = stack.client("secretsmanager")
    arns = secret_arns(stack)
    states = []
    for secret in stack.env.secrets:
        arn = arns.get(secret.name, "")
        state = "missing"
        if arn:
            try:
                state = _state(client, arn)
            except (ClientError, BotoCoreError) as error:
                raise aws_error(error, f"secret {secret.name}") from None
        states.append(SecretState(secret.name, arn, list(secret.used_by), state))
    return states


def _state(client: Any, arn: str) -> str:
    """``missing`` (no such secret), ``empty`` (no AWSCURRENT version) or ``set``.

    DescribeSecret's ``VersionIdsToStages`` says which versions carry which labels, so
    the value is never fetched (and the caller needs no secretsmanager:GetSecretValue).
    """
    from botocore.exceptions import ClientError

    try:
        answer = client.describe_secret(SecretId=arn)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return "missing"
        raise
    stages = answer.get("VersionIdsToStages") or {}
    return "set" if any("AWSCURRENT" in labels for labels in stages.values()) else "empty"


def set_secret(stack: StackContext, name: str, value: str) -> str:
    """Put ``value`` as the secret's AWSCURRENT version; returns the new version id."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not value:
        raise OperateError(
            f"secret {name}: refusing an empty value\n  hint: pipe the value in "
            f'(`printf %s "$VALUE" | shipspec secrets set {name} --env {stack.env.name}`) '
            "or use --from-file"
        )
    arn = _arn(stack, name)
    try:
        answer = stack.client("secretsmanager").put_secret_value(SecretId=arn, SecretString=value)
    except (ClientError, BotoCoreError) as error:
        raise aws_error(error, f"secret {name}") from None
    return str(answer.get("VersionId", ""))


def empty_secrets(stack: StackContext) -> list[SecretState]:
    """The secrets a deploy would start tasks without (ECS fails to start them)."""
    return [s for s in list_secrets(stack) if s.state != "set"]
