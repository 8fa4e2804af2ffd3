"""Progress lines for long steps, through :mod:`logging` (logger ``"growthkit"``).

Domain code wraps each long step (validation, aggregation, fitting, scoring, intervals) in
:func:`step`, which logs one INFO line with the step's size and time when it ends. Nothing is
shown until :func:`enable` attaches a handler (a library never configures logging on import).
Report notebooks call :func:`enable` in their first cell: in JupyterLab the lines appear under
the cell; when the report runner executes the notebook it sets ``GROWTHKIT_PROGRESS`` to
``stderr`` (lines go to the terminal that ran ``growthkit run``, never into the report) or
``off`` (``--quiet``). When ``growthkit run`` runs several reports side by side it also sets
``GROWTHKIT_REPORT`` to each report's name, and the lines start with it (``clv: fitted ...``)
instead of ``growthkit:``, so that lines of reports running at once can be told apart.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

__all__ = ["ENV", "LOGGER", "REPORT_ENV", "enable", "step"]

#: The logger every growthkit module logs progress to.
LOGGER = logging.getLogger("growthkit")
#: Environment variable the report runner sets for the kernel: ``stderr`` or ``off``.
ENV = "GROWTHKIT_PROGRESS"
#: Environment variable naming the report whose kernel this is, when reports run side by side.
REPORT_ENV = "GROWTHKIT_REPORT"
_HANDLER_NAME = "growthkit-progress"


def enable(stream: IO[str] | None = None) -> logging.Handler | None:
    """Show growthkit's progress lines (idempotent).

    Parameters
    ----------
    stream : file-like, optional
        Where to write. By default: nothing when ``$GROWTHKIT_PROGRESS`` is ``off``; the
        process's real stderr when it is ``stderr`` (a report run: the terminal); else
        ``sys.stderr`` (in JupyterLab, the cell's output). Lines start with
        ``$GROWTHKIT_REPORT:`` when that is set, else ``growthkit:``.

    Returns
    -------
    logging.Handler or None
        The handler attached, or None when progress is off.
    """
    for handler in list(LOGGER.handlers):
        if handler.get_name() == _HANDLER_NAME:
            LOGGER.removeHandler(handler)
    mode = os.environ.get(ENV, "").lower()
    if stream is None:
        if mode == "off":
            return None
        stream = sys.__stderr__ if mode == "stderr" else sys.stderr
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    prefix = os.environ.get(REPORT_ENV) or "growthkit"
    handler.setFormatter(logging.Formatter(prefix.replace("%", "%%") + ": %(message)s"))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    return handler


@contextmanager
def step(what: str) -> Iterator[dict[str, object]]:
    """Log ``"<what> <detail> in 1.23 s"`` when the block ends.

    Parameters
    ----------
    what : str
        The step, e.g. ``"validated orders"``.

    Yields
    ------
    dict
        Put ``detail`` (e.g. ``"69,659 orders"``) into it inside the block, once the size is
        known.
    """
    info: dict[str, object] = {}
    start = time.perf_counter()
    yield info
    detail = f" ({info['detail']})" if info.get("detail") else ""
    LOGGER.info("%s%s in %.2f s", what, detail, time.perf_counter() - start)
