"""Day 2: read and change a running stack (secrets, status, logs) through boto3.

The stack is found from what ``generate`` wrote (``.shipspec/model.json``, the stack
config) and what ``pulumi up`` left (``pulumi stack output --json``). boto3 is imported
only when a command talks to AWS, so the rest of the CLI never loads it. boto3 honours
``AWS_ENDPOINT_URL``, which is how the tests point it at a local moto server.
"""

from .errors import OperateError
from .stack import StackContext, StackOutputs, pulumi_outputs

__all__ = ["OperateError", "StackContext", "StackOutputs", "pulumi_outputs"]
