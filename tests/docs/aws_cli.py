"""Check ``aws`` command lines against botocore's service models, the way the AWS CLI reads them.

The AWS CLI builds its commands from botocore: ``aws <service> <operation>`` where the
operation is the API operation's name through ``botocore.xform_name(name, "-")``
(DescribeServiceDeployments → describe-service-deployments) and each ``--param`` is an
input-shape member through the same transform (serviceDeploymentArns →
--service-deployment-arns); a boolean member also has a ``--no-`` form. A few commands
are the CLI's own customizations rather than API operations; they are listed in
:data:`CUSTOM_COMMANDS` with their options, from the aws-cli sources named there.
"""

from __future__ import annotations

import functools
import re
import shlex
from dataclasses import dataclass

import botocore.exceptions
import botocore.session
from botocore import xform_name
from botocore.model import OperationModel

# The CLI's global options (awscli/data/cli.json) and the pagination options it adds to
# every paginated operation (awscli/customizations/paginate.py).
GLOBAL_OPTIONS = {
    "--query", "--output", "--region", "--profile", "--endpoint-url", "--debug",
    "--no-paginate", "--no-cli-pager", "--cli-input-json", "--cli-input-yaml",
    "--generate-cli-skeleton", "--color", "--no-verify-ssl", "--cli-read-timeout",
    "--cli-connect-timeout", "--cli-binary-format", "--no-sign-request", "--ca-bundle",
    "--cli-auto-prompt", "--no-cli-auto-prompt",
}  # fmt: skip
PAGINATION_OPTIONS = {"--page-size", "--max-items", "--starting-token"}

# CLI service names that differ from botocore's (awscli/clidriver.py, the s3api alias).
SERVICE_NAMES = {"s3api": "s3", "configservice": "config"}

# (service, command) → options: the CLI's customizations, not API operations.
CUSTOM_COMMANDS = {
    # awscli/customizations/ecr.py: GetLoginPassword takes no options of its own.
    ("ecr", "get-login-password"): set(),
    # awscli/customizations/s3/subcommands.py (SyncCommand: the transfer, filter and
    # object-attribute arguments the static sites' upload uses)
    ("s3", "sync"): {
        "--delete",
        "--exclude",
        "--include",
        "--cache-control",
        "--no-progress",
        "--size-only",
        "--only-show-errors",
        "--dryrun",
    },
    # awscli/customizations/cloudfront.py: CreateInvalidation with --paths instead of the
    # --invalidation-batch structure (one of the two is required).
    ("cloudfront", "create-invalidation"): {
        "--distribution-id",
        "--paths",
        "--invalidation-batch",
    },
    # awscli/customizations/logs/tail.py
    ("logs", "tail"): {
        "--follow",
        "--since",
        "--format",
        "--filter-pattern",
        "--log-stream-names",
        "--log-stream-name-prefix",
    },
}


@dataclass(frozen=True)
class Command:
    where: str
    text: str
    service: str
    operation: str
    options: tuple[str, ...]


# `aws <service> <operation>` up to where the command ends: a backtick, a pipe, `;`, `&&`,
# a redirect, `)` closing a command substitution, a comment, or the end of the line.
_COMMAND = re.compile(r"(?<![\w/.-])aws\s+([a-z][a-z0-9-]*)\s+([a-z][a-z0-9-]*)([^`|;&>)#\n]*)")


def _join_code_spans(markdown: str) -> str:
    """Markdown code spans may wrap across lines; join them (fenced blocks, also those
    indented under a list item, stay as they are)."""
    parts = re.split(r"(^[ \t]*```.*?^[ \t]*```)", markdown, flags=re.M | re.S)
    return "".join(
        part if part.lstrip().startswith("```") else re.sub(r"`[^`]+`", _one_line, part)
        for part in parts
    )


def _one_line(span: re.Match[str]) -> str:
    return span.group(0).replace("\n", " ")


def commands(text: str, where: str) -> list[Command]:
    """Every ``aws`` command in a Markdown or shell text; continued lines are joined first."""
    if where.endswith(".md"):
        text = _join_code_spans(text)
    joined = re.sub(r"\\\n\s*", " ", text)
    # `<task ARN>` is a placeholder for the reader, not a redirect.
    joined = re.sub(r"<[A-Za-z][^<>\n]*>", "PLACEHOLDER", joined)
    # Command substitutions are commands of their own: check each, then the outer command
    # with the substitution as one word.
    texts = []
    inner = re.compile(r"\$\(([^()]*)\)")
    while inner.search(joined):
        texts += inner.findall(joined)
        joined = inner.sub("SUBSTITUTED", joined)
    found = []
    for match in (m for t in [*texts, joined] for m in _COMMAND.finditer(t)):
        service, operation, rest = match.groups()
        try:
            words = shlex.split(rest, comments=False)
        except ValueError:  # an unbalanced quote: the command continues past this line
            words = rest.split()
        options = tuple(w.split("=", 1)[0] for w in words if w.startswith("--"))
        found.append(Command(where, match.group(0).strip(), service, operation, options))
    return found


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def _operations(service: str) -> dict[str, OperationModel]:
    model = _session().get_service_model(service)
    return {xform_name(name, "-"): model.operation_model(name) for name in model.operation_names}


@functools.cache
def _waiters(service: str) -> dict[str, OperationModel]:
    """``tasks-stopped`` → the operation the waiter polls (DescribeTasks), per service."""
    try:
        model = _session().get_waiter_model(service)
    except botocore.exceptions.UnknownServiceError:
        return {}
    except botocore.exceptions.DataNotFoundError:  # a service without waiters
        return {}
    operations = _session().get_service_model(service)
    return {
        xform_name(name, "-"): operations.operation_model(model.get_waiter(name).operation)
        for name in model.waiter_names
    }


def problems(command: Command) -> list[str]:
    """What the AWS CLI would reject in ``command`` (empty when it would accept it)."""
    service = SERVICE_NAMES.get(command.service, command.service)
    where = f"{command.where}: `{command.text}`"
    custom = CUSTOM_COMMANDS.get((service, command.operation))
    if custom is not None:
        unknown = set(command.options) - custom - GLOBAL_OPTIONS
        return [f"{where}: unknown option {o}" for o in sorted(unknown)]
    if service not in _session().get_available_services():
        return [f"{where}: no AWS service {command.service!r}"]
    if command.operation == "wait":
        # `aws <service> wait <waiter>` (awscli/customizations/waiters.py): one command per
        # waiter in botocore's waiter model, taking the options of the operation it polls.
        words = command.text.split()
        waiter = words[3] if len(words) > 3 else ""
        operation = _waiters(service).get(waiter)
        if operation is None:
            return [f"{where}: {command.service} has no waiter {waiter!r}"]
    else:
        operation = _operations(service).get(command.operation)
    if operation is None:
        return [f"{where}: {command.service} has no operation {command.operation!r}"]
    members = operation.input_shape.members if operation.input_shape else {}
    known = set(GLOBAL_OPTIONS) | PAGINATION_OPTIONS
    for name, shape in members.items():
        known.add(f"--{xform_name(name, '-')}")
        if shape.type_name == "boolean":
            known.add(f"--no-{xform_name(name, '-')}")
    found = [f"{where}: unknown option {o}" for o in command.options if o not in known]
    required = operation.input_shape.required_members if operation.input_shape else []
    given = set(command.options)
    if "--cli-input-json" not in given:
        found += [
            f"{where}: missing required --{xform_name(name, '-')}"
            for name in required
            if f"--{xform_name(name, '-')}" not in given
        ]
    return found
