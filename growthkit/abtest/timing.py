"""When a CUPED covariate was measured: refused when a timestamp says it was after assignment.

CUPED may only use what the test cannot have changed, so a covariate must be measured before
each user was assigned to an arm. A column of numbers does not say when it was measured; when
the data carry the times (``assigned_at_col`` for each user's assignment, ``cuped_measured_at``
for each covariate), :func:`check_covariate_times` compares them in the engine, one query, and
refuses a covariate measured after assignment for any user.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis.expr.types as ir

from growthkit.abtest.specs import parse_cuped, parse_measured_at
from growthkit.errors import GrowthkitError
from growthkit.validation import require_columns

__all__ = ["check_covariate_times"]


def _temporal(table: ir.Table, column: str, parameter: str) -> ir.Column:
    """The column as a timestamp; a column that is not dates or times is an error naming it."""
    dtype = table.schema()[column]
    if not (dtype.is_timestamp() or dtype.is_date()):
        raise GrowthkitError(
            f"{parameter}: column {column!r} holds {dtype}; expected dates or timestamps"
        )
    return table[column].cast("timestamp")


def check_covariate_times(
    table: ir.Table,
    cuped: str | Mapping[str, str] | None,
    measured_at: str | Mapping[str, str] | None,
    assigned_at_col: str | None,
) -> None:
    """Refuse a CUPED covariate that a timestamp shows was measured after assignment.

    Parameters
    ----------
    table : ibis Table
        One row per user.
    cuped : str or mapping or None
        The CUPED specification (metric -> covariate column), as :func:`analyze` resolved it.
    measured_at : str or mapping or None
        ``"metric:time_column,..."``: when each metric's covariate was measured (the end of its
        pre-period), per user. None: no covariate has a time, nothing is checked.
    assigned_at_col : str or None
        The column with each user's assignment time; needed when ``measured_at`` is given.

    Raises
    ------
    GrowthkitError
        ``measured_at`` without ``assigned_at_col``, or naming a metric without a CUPED
        covariate; a missing column or one that is not dates or timestamps; a covariate
        measured after assignment for at least one user (the message gives how many).
    """
    times = parse_measured_at(measured_at)
    if not times:
        return
    if assigned_at_col is None:
        raise GrowthkitError(
            "cuped_measured_at: given without assigned_at_col; expected the column with each "
            "user's assignment time to compare with"
        )
    covariates = parse_cuped(cuped)
    unknown = [m for m in times if m not in covariates]
    if unknown:
        raise GrowthkitError(
            f"cuped_measured_at names metric {unknown[0]!r}, which has no CUPED covariate; "
            f"expected one of {sorted(covariates) or 'none (cuped is off)'}"
        )
    require_columns(table.columns, [assigned_at_col, *times.values()], "the experiment data")
    assigned = _temporal(table, assigned_at_col, "assigned_at_col")
    later = {
        metric: (_temporal(table, column, "cuped_measured_at") > assigned).cast("int64").sum()
        for metric, column in times.items()
    }
    counts = table.aggregate(
        n=table.count(), **{f"later_{i}": v for i, v in enumerate(later.values())}
    ).to_pandas().iloc[0]
    for i, (metric, column) in enumerate(times.items()):
        n_later = int(counts[f"later_{i}"] or 0)
        if n_later:
            raise GrowthkitError(
                f"cuped: covariate {covariates[metric]!r} of {metric!r} was measured after "
                f"assignment for {n_later:,} of {int(counts['n']):,} users ({column!r} later "
                f"than {assigned_at_col!r}); expected a column measured before assignment, "
                "which the test cannot have changed"
            )
