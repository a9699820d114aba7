"""Offline preview: run a generated Pulumi program under mocks and report what it creates.

Importing this package is cheap; Pulumi and ``pulumi_aws`` load when a preview runs.
"""

from .result import Preview, PreviewResource
from .service import run_live_preview, run_preview

__all__ = ["Preview", "PreviewResource", "run_live_preview", "run_preview"]
