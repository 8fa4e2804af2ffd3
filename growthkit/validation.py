"""One place for the checks every public function makes on its arguments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from growthkit.errors import GrowthkitError

__all__ = ["check_option", "require_columns"]


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
