"""One place for the checks every public function makes on its arguments."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from growthkit.errors import GrowthkitError

__all__ = ["check_export_path", "check_option", "require_columns"]


def require_columns(columns: Iterable[str], required: Sequence[str], where: str) -> None:
    """Raise when a required column is missing, listing the columns that exist.

    Parameters
    ----------
    columns : iterable of str
        The columns the data has.
    required : sequence of str
        The columns the caller needs.
    where : str
        What is being validated, for the message (e.g. ``"orders"``).
    """
    have = list(columns)
    for name in required:
        if name not in have:
            raise GrowthkitError(
                f"Required column {name!r} missing from {where}; "
                f"found columns: {', '.join(map(repr, have)) or 'none'}"
            )


def check_option(name: str, value: object, valid: Sequence[object]) -> None:
    """Raise when ``value`` is not one of ``valid``, listing the valid options."""
    if value not in valid:
        raise GrowthkitError(
            f"{name}={value!r} is not a valid option; expected one of "
            f"{', '.join(map(repr, valid))}"
        )


def check_export_path(path: str | os.PathLike | None, parameter: str, example: str) -> Path | None:
    """A report's export file parameter as a Path whose folder exists (None stays None).

    Checked before any work is done, so a typo in the folder costs no computation.

    Parameters
    ----------
    path : str, path or None
        The file to write.
    parameter : str
        The parameter's name, for the message (``segments_csv``).
    example : str
        A file name to suggest in the message.

    Returns
    -------
    Path or None

    Raises
    ------
    TypeError
        When ``path`` is not a path.
    GrowthkitError
        When it is a folder, or its folder does not exist.
    """
    if path is None:
        return None
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"{parameter} must be a file path (str) or None; found {path!r}")
    out = Path(path)
    if out.is_dir():
        raise GrowthkitError(
            f"{parameter}={str(path)!r} is a folder; expected a file name such as {example!r}"
        )
    if not out.parent.is_dir():
        raise GrowthkitError(
            f"{parameter}={str(path)!r}: folder {str(out.parent)!r} does not exist; expected a "
            f"file in an existing folder, e.g. {example!r}"
        )
    return out
