"""Read the planned model that ``generate`` left in ``<out_dir>/.shipspec/model.json``.

Preview, check and the session read decisions from the generated output, so they
work on a repository without re-reading (or even having) the handoff spec.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from .errors import ShipspecError
from .plan.model import DeploymentModel

# Where `generate` writes the model (the renderer adds it to every file set): here, so that
# reading it (doctor, preview, check) does not import the renderer.
MODEL_PATH = ".shipspec/model.json"


class ModelMissing(ShipspecError):
    """The output folder has no (readable) planned model."""


def read_model(out_dir: Path) -> DeploymentModel:
    path = Path(out_dir) / MODEL_PATH
    try:
        return DeploymentModel.model_validate_json(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ModelMissing(
            f"no {MODEL_PATH} in {out_dir}\n"
            f"  hint: run `shipspec generate handoff.yaml -o {out_dir}` first"
        ) from None
    except (ValidationError, ValueError, UnicodeDecodeError) as error:
        raise ModelMissing(
            f"{path} is not a model this shipspec can read ({type(error).__name__})\n"
            "  hint: regenerate with `shipspec generate --force`"
        ) from None
