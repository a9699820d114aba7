"""Conformance: the preview rejects what AWS and the Pulumi AWS provider would reject.

The mocks accept any input; ``pulumi up`` does not. :func:`check_resources` runs every
rule of :data:`~.rules.RULES` (data: one constraint each, with its source) over the
resources a preview recorded and returns the violations; :func:`conformance_error` turns
them into the :class:`~shipspec.errors.PreviewError` that ``shipspec preview`` and
``shipspec check`` report. botocore's models are loaded only when a rule needs them.
"""

from .check import Violation, check_resources, conformance_error

__all__ = ["Violation", "check_resources", "conformance_error"]
