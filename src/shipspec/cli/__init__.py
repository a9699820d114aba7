"""The ``shipspec`` command: a thin typer layer over the library.

Each command calls the library, prints the result, and maps the error tree to exit
codes (see :mod:`shipspec.cli.base`). Heavy modules are imported inside the commands,
so ``shipspec --version`` starts fast. Importing a module registers its commands, in
the order ``shipspec --help`` lists them.
"""

from . import pipeline  # noqa: F401

# isort: split
from . import importing, operate, session  # noqa: F401
from .base import app, main, reports_errors

__all__ = ["app", "main", "reports_errors"]
