"""``shipspec preview --against REF``: the pull-request view of a change (see
:mod:`shipspec.preview.against`), printed as text, JSON or the markdown comment CI posts."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

from .base import record_step


class ReviewFormat(StrEnum):
    text = "text"
    markdown = "markdown"


def preview_against(
    out_dir: Path,
    ref: str,
    env: str | None,
    *,
    json_out: bool,
    output_format: ReviewFormat,
    timeout: float | None,
    use_cache: bool,
) -> None:
    from ..console import PreviewProgress
    from ..preview.against import review
    from ..preview.review_report import to_dict, to_markdown, to_text

    with PreviewProgress(enabled=not json_out) as progress:
        result = review(
            out_dir, ref, env, timeout=timeout, use_cache=use_cache, on_progress=progress.update
        )
    if json_out:
        print(json.dumps(to_dict(result), indent=2, sort_keys=True))
    elif output_format is ReviewFormat.markdown:
        print(to_markdown(result), end="")
    else:
        print(to_text(result))
    for env_review in result.environments:
        counts = env_review.counts()
        record_step(
            "preview",
            out_dir,
            f"against {ref}: {env_review.environment}: {counts['create']} to create, "
            f"{counts['update']} to update, {counts['delete']} to delete",
            environment=env_review.environment,
        )
