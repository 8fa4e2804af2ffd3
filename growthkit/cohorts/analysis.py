"""``analyze``: the whole cohort profitability report as one result object the notebook reads."""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from growthkit.cohorts import narrative
from growthkit.cohorts.backtest import LEVEL, Backtest, backtest
from growthkit.cohorts.cac import CACTable, cac_table, load_spend
from growthkit.cohorts.payback import HORIZONS
from growthkit.cohorts.periods import check_period
from growthkit.cohorts.projection import (
    HORIZON,
    MODELS,
    Histories,
    Projection,
    fit_curve,
    last_complete_end,
    load_histories,
    project,
)
from growthkit.cohorts.segments import cohort_rows, summarize
from growthkit.cohorts.table import Cohorts, CohortTable, build_cohorts, parse_segments
from growthkit.data import DataQuality, Source, as_date, redact, validate_orders
from growthkit.errors import GrowthkitError
from growthkit.i18n import Language, check_currency, get_language
from growthkit.result import ReportAnalysis
from growthkit.samples import sample_parameters
from growthkit.validation import check_export_path

__all__ = ["MAX_SEGMENT_VALUES", "CohortAnalysis", "analyze"]

#: Segment columns with more values keep the largest ones and fold the rest into "(other)".
MAX_SEGMENT_VALUES = 12


@dataclass(frozen=True, repr=False, eq=False)
class CohortAnalysis(ReportAnalysis):
    """Everything the cohort profitability report shows, computed once by :func:`analyze`.

    Numbers stay unformatted here; :meth:`summary`, :meth:`tables` and the section methods
    (implemented in :mod:`growthkit.cohorts.narrative`) format them.

    Attributes
    ----------
    parameters : dict
        The arguments of :func:`analyze` as resolved (sample defaults filled in, sources
        display-safe).
    overview : dict
        ``orders``, ``customers`` (in cohorts), ``first_date``, ``last_date``, ``revenue``,
        ``margin``.
    data_quality : DataQuality
        What validating the orders found.
    cohorts : Cohorts
        The engine's grid (cohort × period × segment values).
    table : CohortTable
        All customers: cohorts × periods since acquisition.
    cac : CACTable or None
        CAC per cohort and segment; None without spend or a flat CAC.
    cohort_summary : pandas.DataFrame
        One row per cohort (:func:`growthkit.cohorts.segments.cohort_rows`).
    overall : dict
        The figures of all cohorts together (:func:`growthkit.cohorts.segments.summarize`).
    segments : pandas.DataFrame
        The same figures per segment column and value (index ``segment_column``, ``segment``);
        empty without segments.
    segment_tables : dict
        (column, value) -> CohortTable.
    projection : Projection or None
        All customers' cohorts, actual then projected to :data:`HORIZON` periods.
    segment_projections : dict
        (column, value) -> Projection.
    backtest : Backtest or None
        The projection models scored at an earlier cut-off; None when the data are too short.
    currency : str
        The ISO 4217 code amounts are in.
    lang : Language
        The report's language and digits, with the ``cohorts`` catalog: every word and
        formatted number of the report comes from it.
    notes : list of str
        Skipped sections and caveats, plain text in the report's language.
    no_projection : str
        Why there is no projection (plain text), empty when there is one.
    """

    parameters: dict[str, Any]
    overview: dict[str, Any]
    data_quality: DataQuality
    cohorts: Cohorts
    table: CohortTable
    cac: CACTable | None
    cohort_summary: pd.DataFrame
    overall: dict[str, Any]
    segments: pd.DataFrame
    segment_tables: dict[tuple[str, str], CohortTable]
    projection: Projection | None
    segment_projections: dict[tuple[str, str], Projection]
    backtest: Backtest | None
    currency: str
    lang: Language = field(default_factory=lambda: get_language(domain="cohorts"))
    notes: list[str] = field(default_factory=list)
    no_projection: str = ""

    # -- the report's shape ------------------------------------------------------------------

    @property
    def period(self) -> str:
        """``"month"`` or ``"week"``."""
        return self.cohorts.period

    @property
    def observation_end(self) -> _dt.date:
        """The last day the data are taken to cover."""
        return self.cohorts.observation_end

    @property
    def channel_col(self) -> str | None:
        """The segment column matched to the spend table's channels (None if none)."""
        return self.cac.channel_col if self.cac is not None else None

    def summary(self) -> str:
        """The plain-language summary at the top of the report, as Markdown."""
        return narrative.summary_markdown(self)

    def tables(self) -> dict[str, pd.DataFrame]:
        """LTV:CAC, payback by segment and the cohort table, formatted."""
        lang = self.lang
        out = {lang.gettext("LTV:CAC"): self.ltv_cac_table()}
        if len(self.segments):
            out[lang.gettext("Payback by segment")] = self.segments_table()
        out[lang.gettext("Cohorts")] = self.cohorts_table()
        return out

    # -- sections (words and formatted tables in narrative.py) --------------------------------

    def data_markdown(self) -> str:
        """Where the orders came from, the rules applied, and what to check in the data."""
        return narrative.data_markdown(self)

    def overview_table(self) -> pd.DataFrame:
        """The data at a glance."""
        return narrative.overview_table(self)

    def retention_markdown(self) -> str:
        """Under the heatmap: what a cell means and which cells are unobserved."""
        return narrative.retention_markdown(self)

    def margin_markdown(self) -> str:
        """Cumulative margin per customer against CAC, in words."""
        return narrative.margin_markdown(self)

    def cohorts_table(self) -> pd.DataFrame:
        """Per cohort: customers, CAC, payback and LTV:CAC, formatted."""
        return narrative.cohorts_table(self)

    def segments_markdown(self) -> str:
        """Which segment values pay back fastest, per segment column."""
        return narrative.segments_markdown(self)

    def segments_table(self) -> pd.DataFrame:
        """Per segment value: CAC, payback, retention and LTV:CAC, formatted."""
        return narrative.segments_table(self)

    def projection_markdown(self) -> str:
        """What the projection says and which model made it."""
        return narrative.projection_markdown(self)

    def backtest_markdown(self) -> str:
        """How the projection did on the periods after an earlier cut-off."""
        return narrative.backtest_markdown(self)

    def backtest_table(self) -> pd.DataFrame | None:
        """Error of each model, overall and per periods ahead, formatted."""
        return narrative.backtest_table(self)

    def ltv_cac_markdown(self) -> str:
        """LTV:CAC against the 3:1 rule of thumb, in words."""
        return narrative.ltv_cac_markdown(self)

    def ltv_cac_table(self) -> pd.DataFrame:
        """LTV:CAC at 6, 12 and 24 periods, actual and projected, overall and per segment."""
        return narrative.ltv_cac_table(self)

    # -- exports -------------------------------------------------------------------------------

    def export_markdown(self) -> str:
        """Where the cohort table's CSV was written, or that none was."""
        return narrative.export_markdown(self)

    def export_cohorts(self, path: str | os.PathLike | None) -> Path | None:
        """Write the cohort table (all customers, then each segment value) to CSV.

        One row per observed cell: ``segment_column`` and ``segment`` (empty for all
        customers), ``cohort``, ``period``, ``k``, ``customers``, ``cac``,
        ``active_customers``, ``retention``, ``purchases``, ``revenue``,
        ``revenue_retention``, ``margin`` and ``cumulative_margin_per_customer``.

        Parameters
        ----------
        path : str, Path or None
            Where to write (relative to the working directory, which the report runner sets
            so the file lands next to the HTML); None writes nothing.

        Returns
        -------
        Path or None
        """
        out = check_export_path(path, "cohorts_csv", "cohorts.csv")
        if out is None:
            return None
        parts = [self._rows(self.table, "", "", self.cohort_summary["cac"].to_numpy())]
        for (col, value), table in self.segment_tables.items():
            cac = self.cac.for_cohorts(table.cohorts, col, value) if self.cac else None
            parts.append(self._rows(table, col, value, cac))
        pd.concat(parts, ignore_index=True).to_csv(out, index=False, float_format="%.6g")
        return out

    @staticmethod
    def _rows(table: CohortTable, col: str, value: str, cac: np.ndarray | None
              ) -> pd.DataFrame:
        rows = table.long()
        if rows.empty:
            return rows
        per = dict(zip(table.labels, cac if cac is not None else [np.nan] * len(table.labels),
                       strict=True))
        rows.insert(0, "segment", value)
        rows.insert(0, "segment_column", col)
        rows.insert(5, "cac", rows["cohort"].map(per))
        return rows

    # -- JSON ----------------------------------------------------------------------------------

    def metrics(self) -> dict[str, Any]:
        """The report's JSON metrics (keys are a contract: added to, never renamed).

        Returns
        -------
        dict
            ``period``; ``cohorts`` (one entry per cohort: ``cohort``, ``customers``,
            ``complete``, ``cac``, ``cac_basis``, ``retention``, ``revenue_retention``,
            ``cumulative_margin_per_customer`` (k = 0 .. the observation end; unobserved cells
            null), ``payback_period``, ``projected_payback_period``, ``ltv_cac`` {6, 12, 24});
            ``averages`` (size-weighted over the cohorts observed at each k); ``segments``
            (column -> value -> figures and average curves); ``ltv_cac``; ``projection``;
            ``backtest``; the summary figures (``customers``, ``orders``, ``revenue``,
            ``margin``, ``observation_end``, ``last_complete_period``, ``currency``,
            ``margin_basis``, ``cac_source``, ``channel_col``, ``payback_period``,
            ``summary``); ``headline``, ``data_quality``, ``notes``, ``parameters`` and
            ``versions``.
        """
        return narrative.metrics(self)


def analyze(
    data: Source = "sample:shop",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    period: str = "month",
    observation_end: str | _dt.date | None = None,
    gross_margin: float | None = None,
    margin_col: str | None = None,
    cac: float | None = None,
    spend_data: Source | None = None,
    segment_col: str | list[str] | None = None,
    currency: str = "USD",
    timezone: str = "UTC",
    cohorts_csv: str | os.PathLike | None = None,
    *,
    models: tuple[str, ...] = MODELS,
    horizon: int = HORIZON,
    backtest_cutoff: str | _dt.date | None = None,
    level: float = LEVEL,
    language: str = "en",
    digits: str = "locale",
) -> CohortAnalysis:
    """Run the cohort profitability analysis end to end.

    The parameters are the cohorts notebook's, one to one. Orders are validated once
    (:func:`growthkit.data.validate_orders`, keeping the segment and margin columns) and
    aggregated in the engine (:func:`build_cohorts`); CAC comes from the spend table or the
    flat ``cac``; the projection models are backtested at an earlier cut-off and the better one
    projects every cohort to ``horizon`` periods, with intervals from its backtest errors.

    Parameters
    ----------
    data : DataFrame, str, path or ibis.Table, default "sample:shop"
        Orders, one row per order or refund; any source :func:`growthkit.data.load` accepts.
    customer_col, date_col, amount_col : str
        The columns holding the customer, the order's date or timestamp and its amount
        (negative for refunds).
    period : {"month", "week"}, default "month"
        Calendar months, or ISO weeks.
    observation_end : date-like, optional
        The last day the data cover (default: the last order's day). Cells whose period ends
        after it are unobserved (null), never 0.
    gross_margin : float, optional
        Gross margin as a share of revenue, for every order.
    margin_col : str, optional
        A column with each order's gross margin in currency. On ``sample:shop``, when neither
        is given, the sample's ``margin`` column; on other data, neither means margin =
        revenue, with a note.
    cac : float, optional
        One acquisition cost per customer for every cohort (instead of ``spend_data``).
    spend_data : source, optional
        Marketing spend: ``period``, ``channel`` (optional) and ``spend`` columns; any source
        (path, URL, ``sample:shop-spend``). On ``sample:shop``, when neither it nor ``cac`` is
        given, the shop's spend; on other data, neither skips CAC, payback and LTV:CAC with a
        note.
    segment_col : str or list of str, optional
        Column(s) to break cohorts down by, comma-separated (a customer's value is that of
        their first purchase). On ``sample:shop``: ``channel, category, first_order``; on
        other data, None skips the segments with a note. A column that does not exist is an
        error naming it.
    currency : str, default "USD"
        ISO 4217 code of the amounts (USD, EUR, SAR, AED, EGP, ...), formatted for the
        report's language.
    timezone : str, default "UTC"
        Time zone whose calendar days and periods orders fall in.
    cohorts_csv : str or path, optional
        Where to write the cohort table as CSV (:meth:`CohortAnalysis.export_cohorts`); its
        folder is checked before any work is done.
    models : tuple of str, default ("curve", "bgnbd")
        Projection models to backtest; the one with the lowest error projects.
    horizon : int, default 24
        Periods the projection covers.
    backtest_cutoff : date-like, optional
        The backtest's cut-off (the last day of a period); by default up to 12 periods before
        the last complete one (:func:`growthkit.cohorts.backtest.default_cutoff`).
    level : float, default 0.9
        Coverage of the projection intervals.
    language : str, default "en"
        The report's language: ``"en"`` or ``"ar"`` (optionally with a region, ``"ar_SA"``).
    digits : {"locale", "latin", "arabic"}, default "locale"
        The digits numbers are written with.

    Returns
    -------
    CohortAnalysis

    Raises
    ------
    GrowthkitError
        Naming the parameter or column, for bad data or parameters.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. Journal of
    Interactive Marketing 21(1), 76-90. Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005).
    "Counting your customers" the easy way. Marketing Science 24(2), 275-284.
    """
    check_period(period)
    lang = get_language(language, digits=digits, domain="cohorts")
    currency = check_currency(currency)
    export = check_export_path(cohorts_csv, "cohorts_csv", "cohorts.csv")
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < max(HORIZONS):
        raise GrowthkitError(f"horizon={horizon!r}; expected a whole number >= {max(HORIZONS)}")
    defaults = sample_parameters(data)
    if margin_col is None and gross_margin is None:
        margin_col = defaults.get("margin_col")  # type: ignore[assignment]
    if spend_data is None and cac is None:
        spend_data = defaults.get("spend_data")  # type: ignore[assignment]
    if segment_col is None:
        segment_col = defaults.get("segment_col")  # type: ignore[assignment]
    if spend_data is not None and cac is not None:
        raise GrowthkitError(
            f"spend_data={redact(spend_data)!r} and cac={cac!r} are both given; expected one: a "
            "spend table, or one cost per customer"
        )
    segments = parse_segments(segment_col)
    notes: list[str] = []
    if margin_col is None and gross_margin is None:
        notes.append(lang.gettext(narrative.NO_MARGIN))
    if spend_data is None and cac is None:
        notes.append(lang.gettext(narrative.NO_CAC))
    if not segments:
        notes.append(lang.gettext(narrative.NO_SEGMENTS))

    keep = list(dict.fromkeys([*segments, *([margin_col] if margin_col else [])]))
    orders = validate_orders(data, customer_col, date_col, amount_col, timezone, keep=keep)
    cohorts = build_cohorts(
        orders, period=period, observation_end=observation_end, gross_margin=gross_margin,
        margin_col=margin_col, segment_col=segments,
    )
    cohorts, folded = cohorts.top_values(MAX_SEGMENT_VALUES)
    notes.extend(narrative.folded_note(col, MAX_SEGMENT_VALUES, lang) for col in folded)
    table = cohorts.table()
    if not table.complete.any():
        raise GrowthkitError(
            f"observation_end={cohorts.observation_end}: no {period} has ended by then, so no "
            f"cohort is complete; expected data covering at least one whole {period}"
        )
    notes.extend(narrative.unassigned_notes(cohorts, lang, currency))

    costs = None
    if spend_data is not None:
        costs = cac_table(cohorts, load_spend(spend_data, period, timezone), language=lang,
                          currency=currency)
    elif cac is not None:
        costs = cac_table(cohorts, cac=cac, language=lang, currency=currency)
    if costs is not None:
        notes.extend(costs.notes)

    cache: dict[_dt.date, Histories] = {}

    def histories(cutoff: _dt.date) -> Histories:
        if cutoff not in cache:
            cache[cutoff] = load_histories(orders, period, cutoff, cohorts.segment_cols,
                                           margin_col, cohorts.gross_margin)
        return cache[cutoff]

    cutoff = as_date(backtest_cutoff, "backtest_cutoff")
    test = backtest(table, cutoff, models, histories=histories, level=level)
    chosen = test.chosen if test is not None else "curve"
    if test is None:
        notes.append(narrative.no_backtest_note(period, lang))
    elif test.failures:
        notes.extend(
            lang.gettext("The {model} model could not be backtested: {reason}").format(
                model=narrative.model_label(lang, m), reason=lang.isolate(why))
            for m, why in test.failures.items()
        )
    projection, fitted, hist = None, None, None
    no_projection = ""
    band = test.band(chosen) if test is not None else None
    try:
        if chosen == "bgnbd":
            hist = histories(last_complete_end(table))
            fitted = hist.model
        else:
            fitted = fit_curve(table)
        projection = project(table, chosen, horizon, histories=hist, band=band, level=level,
                             fitted=fitted)
    except GrowthkitError as exc:
        no_projection = lang.isolate(str(exc))
        notes.append(lang.gettext("No projection: {reason}").format(reason=no_projection))

    overall_cac = costs.for_cohorts(table.cohorts) if costs is not None else None
    basis = (costs.overall["basis"].reindex(table.cohorts).tolist()
             if costs is not None else None)
    summary_rows = cohort_rows(table, overall_cac, basis, projection)
    overall = summarize(table, overall_cac, projection)

    seg_tables: dict[tuple[str, str], CohortTable] = {}
    seg_proj: dict[tuple[str, str], Projection] = {}
    rows = []
    failed = []
    for col in cohorts.segment_cols:
        for value in cohorts.segment_values(col):
            t = cohorts.table(col, value)
            seg_tables[(col, value)] = t
            proj = None
            if projection is not None:
                try:
                    proj = _segment_projection(t, chosen, horizon, fitted, hist, col, value)
                except GrowthkitError:
                    failed.append(f"{col}={value}")
            if proj is not None:
                seg_proj[(col, value)] = proj
            seg_cac = costs.for_cohorts(t.cohorts, col, value) if costs is not None else None
            rows.append({"segment_column": col, "segment": value,
                         **summarize(t, seg_cac, proj)})
    if failed:
        notes.append(lang.ngettext(
            "No projection for {n} segment value with too little history (e.g. {example}).",
            "No projection for {n} segment values with too little history (e.g. {example}).",
            len(failed),
        ).format(n=lang.number(len(failed)), example=lang.isolate(failed[0])))
    segments_frame = (
        pd.DataFrame(rows).set_index(["segment_column", "segment"]) if rows else pd.DataFrame()
    )
    grid = cohorts.grid
    overview = {
        "orders": orders.orders,
        "customers": int(cohorts.sizes["customers"].sum()),
        "purchases": int(grid["purchases"].sum()),
        "first_date": orders.first_day.isoformat(),
        "last_date": min(orders.last_day, cohorts.observation_end).isoformat(),
        "revenue": float(grid["revenue"].sum()),
        "margin": float(grid["margin"].sum()),
        "orders_after_observation_end": orders.last_day > cohorts.observation_end,
    }
    parameters = {
        "data": orders.source, "customer_col": customer_col, "date_col": date_col,
        "amount_col": amount_col, "period": period,
        "observation_end": cohorts.observation_end.isoformat(),
        "gross_margin": gross_margin, "margin_col": margin_col, "cac": cac,
        "spend_data": None if spend_data is None else redact(spend_data),
        "segment_col": ", ".join(cohorts.segment_cols) or None, "currency": currency,
        "timezone": timezone,
        "cohorts_csv": None if cohorts_csv is None else str(cohorts_csv),
        "models": list(models), "horizon": horizon,
        "backtest_cutoff": test.cutoff.isoformat() if test is not None else None,
        "level": level,
        "language": language,
        "digits": digits,
    }
    analysis = CohortAnalysis(
        parameters=parameters,
        overview=overview,
        data_quality=orders.quality,
        cohorts=cohorts,
        table=table,
        cac=costs,
        cohort_summary=summary_rows,
        overall=overall,
        segments=segments_frame,
        segment_tables=seg_tables,
        projection=projection,
        segment_projections=seg_proj,
        backtest=test,
        currency=currency,
        lang=lang,
        notes=notes,
        no_projection=no_projection,
    )
    analysis.export_cohorts(export)
    return analysis


def _segment_projection(table: CohortTable, model: str, horizon: int, fitted: Any,
                        hist: Histories | None, col: str, value: str) -> Projection | None:
    """A segment's projection: the overall BG/NBD on its histories, or its own margin curve
    with the overall seasonal factors."""
    if not table.complete.any():
        return None
    if model == "bgnbd":
        assert hist is not None
        return project(table, model, horizon, histories=hist.where(col, value), fitted=fitted)
    curve = fit_curve(table, season=fitted.season if fitted is not None else None)
    if curve is None:
        raise GrowthkitError(f"segment {col}={value}: too little history to fit a curve")
    return project(table, model, horizon, fitted=curve)
