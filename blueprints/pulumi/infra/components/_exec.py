"""ECS Exec: what a task role needs so ``aws ecs execute-command`` can open a session.

The ECS agent's SSM agent in the task opens Session Manager channels as the task role, so
that role needs exactly these four actions (Amazon ECS Developer Guide, "Monitor Amazon
ECS containers with ECS Exec", IAM permissions required for ECS Exec). They take no
resource ARN, hence ``*``. Only services with ECS Exec enabled get the statement.
"""

from __future__ import annotations

from typing import Any

EXEC_STATEMENT: dict[str, Any] = {
    "Effect": "Allow",
    "Action": [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    ],
    "Resource": "*",
}
