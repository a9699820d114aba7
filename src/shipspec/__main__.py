"""``python -m shipspec``: the same as the ``shipspec`` command."""

from shipspec.cli import main

main()
