"""What day-2 commands report to a user instead of a traceback (exit 1)."""

from __future__ import annotations

from typing import Any

from ..errors import ShipspecError

CREDENTIALS_HINT = (
    "configure credentials: `aws configure sso` and AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY"
)


class OperateError(ShipspecError):
    """The stack, its outputs or AWS could not answer; the message says where and why."""


def aws_error(error: Exception, what: str) -> OperateError:
    """An AWS SDK failure as a located message: which call, which answer, what to do."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        NoRegionError,
    )

    if isinstance(error, NoCredentialsError):
        return OperateError(f"{what}: no AWS credentials found\n  hint: {CREDENTIALS_HINT}")
    if isinstance(error, NoRegionError):
        return OperateError(f"{what}: no AWS region\n  hint: set aws:region in the stack config")
    if isinstance(error, ClientError):
        info: dict[str, Any] = error.response.get("Error", {})
        code, message = info.get("Code", "?"), info.get("Message", "")
        hint = f"\n  hint: {CREDENTIALS_HINT}" if "Denied" in code or "Token" in code else ""
        return OperateError(f"{what}: AWS answered {code}: {message}{hint}")
    if isinstance(error, BotoCoreError):
        return OperateError(f"{what}: {error}")
    raise error
