"""``medaid`` command line. Each module registers its commands on ``medaid.cli.app.app``.

Entry points only parse arguments, call a use case and render the result (Cosmic Python style).
"""

from __future__ import annotations

import sys

from medaid.cli.app import app, err_console
from medaid.errors import MedaidError

# Command modules (import registers their commands). One line per module; keep sorted.
from medaid.cli import audit as _audit  # noqa: F401  isort: skip
from medaid.cli import cases as _cases  # noqa: F401  isort: skip
from medaid.cli import db as _db  # noqa: F401  isort: skip
from medaid.cli import demo as _demo  # noqa: F401  isort: skip
from medaid.cli import identify as _identify  # noqa: F401  isort: skip
from medaid.cli import linkage as _linkage  # noqa: F401  isort: skip
from medaid.cli import load as _load  # noqa: F401  isort: skip
from medaid.cli import policy as _policy  # noqa: F401  isort: skip
from medaid.cli import reconcile as _reconcile  # noqa: F401  isort: skip
from medaid.cli import serve as _serve  # noqa: F401  isort: skip
from medaid.cli import supervise as _supervise  # noqa: F401  isort: skip
from medaid.cli import synth as _synth  # noqa: F401  isort: skip
from medaid.cli import user as _user  # noqa: F401  isort: skip


def main() -> None:
    """Console-script entry: domain errors print their bilingual message and exit 2, no traceback."""
    try:
        app()
    except MedaidError as exc:
        err_console.print(f"[red]错误 / error:[/red] {exc}")
        sys.exit(2)
