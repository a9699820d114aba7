"""One deployed stack: what generate planned for it and what ``pulumi up`` exported.

Names that Pulumi autonames (the secrets' ARNs, the cluster and service names) come from
the stack's outputs; names the program fixes (the services' log groups,
``/ecs/<project>/<stack>/<service>``, and the alarm prefix in the stack config) are
computed here the way the program computes them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import OperateError

if TYPE_CHECKING:
    from ..plan.model import DeploymentModel, EnvironmentPlan, ServicePlan

# (infra folder, stack name) -> the stack's outputs, as `pulumi stack output --json` prints.
StackOutputs = Callable[[Path, str], dict[str, Any]]
OUTPUT_TIMEOUT = 60.0


def pulumi_outputs(infra: Path, stack: str, *, pulumi: str = "pulumi") -> dict[str, Any]:
    """``pulumi stack output --json --stack STACK`` run in the generated ``infra/`` folder."""
    found = shutil.which(pulumi)
    if found is None:
        raise OperateError(
            f"`{pulumi}` is not on the PATH: the stack's outputs name its secrets and services\n"
            "  hint: install the Pulumi CLI (https://www.pulumi.com/docs/install/) and "
            "`pulumi login` to the state backend"
        )
    command = [found, "stack", "output", "--json", "--stack", stack]
    try:
        result = subprocess.run(
            command, cwd=infra, capture_output=True, text=True, timeout=OUTPUT_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise OperateError(f"`pulumi stack output` in {infra} did not run: {error}") from None
    if result.returncode != 0:
        raise OperateError(
            f"`pulumi stack output --stack {stack}` in {infra} exited {result.returncode}: "
            f"{result.stderr.strip()}\n  hint: has the stack been deployed (`pulumi up`)?"
        )
    try:
        outputs = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        raise OperateError(f"`pulumi stack output --json` in {infra} printed no JSON") from None
    if not isinstance(outputs, dict):
        raise OperateError(f"`pulumi stack output --json` in {infra} printed no object")
    return outputs


@dataclass(frozen=True)
class StackContext:
    """Where a command finds an environment's resources."""

    out_dir: Path
    model: DeploymentModel
    env: EnvironmentPlan
    project: str
    region: str
    alarm_prefix: str
    outputs: dict[str, Any]

    @classmethod
    def load(
        cls, out_dir: Path, env: str, *, outputs: StackOutputs = pulumi_outputs
    ) -> StackContext:
        """Read the planned model and stack config, then ask Pulumi for the outputs."""
        from ..model_io import read_model

        model = read_model(out_dir)
        plans = {e.name: e for e in model.environments}
        if env not in plans:
            raise OperateError(
                f"no environment {env!r} in {out_dir}: it has {', '.join(plans) or 'none'}"
            )
        infra = out_dir / "infra"
        project = _read_yaml(infra / "Pulumi.yaml").get("name") or model.app
        config = _read_yaml(infra / f"Pulumi.{env}.yaml").get("config") or {}
        region = str(config.get("aws:region") or model.region)
        monitoring = config.get(f"{project}:monitoring") or {}
        prefix = str(monitoring.get("prefix") or f"{project}-{env}")
        return cls(out_dir, model, plans[env], str(project), region, prefix, outputs(infra, env))

    def output(self, name: str) -> Any:
        """A stack output; a located error naming the fix when the stack lacks it."""
        if name not in self.outputs:
            raise OperateError(
                f"stack {self.env.name!r} has no output {name!r} "
                f"(outputs: {', '.join(sorted(self.outputs)) or 'none'})\n"
                f"  hint: deploy the current program: `pulumi up --stack {self.env.name}` "
                f"in {self.out_dir / 'infra'}"
            )
        return self.outputs[name]

    def service(self, name: str) -> ServicePlan:
        services = {s.name: s for s in self.env.services}
        if name not in services:
            raise OperateError(
                f"no service {name!r} in environment {self.env.name!r}: "
                f"it has {', '.join(services) or 'none'}"
            )
        return services[name]

    def log_group(self, service: str) -> str:
        """The service's log group, named by the program (components/_fargate.py)."""
        return f"/ecs/{self.project}/{self.env.name}/{self.service(service).name}"

    def client(self, service: str) -> Any:
        """A boto3 client in the stack's region (boto3 imported here, not at start-up)."""
        try:
            import boto3
        except ImportError:  # pragma: no cover - boto3 is a dependency
            raise OperateError("boto3 is not installed\n  hint: pip install boto3") from None
        return boto3.session.Session(region_name=self.region).client(service)


def _read_yaml(path: Path) -> dict[str, Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(path.read_text("utf-8"))
    except FileNotFoundError:
        raise OperateError(
            f"no {path}\n  hint: run `shipspec generate` for this output folder first"
        ) from None
    except YAMLError as error:
        raise OperateError(f"{path} is not YAML: {error}") from None
    return data if isinstance(data, dict) else {}
