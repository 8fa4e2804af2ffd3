"""``analyze``: the whole cohort profitability report as one result object the notebook reads.

:func:`analyze` resolves its parameters (:class:`~growthkit.cohorts.CohortsSettings` and the
sample's defaults), computes (orders validated once, the cohort grid, CAC, the backtest and the
projections, the segments) and assembles a :class:`CohortsAnalysis`. Numbers stay unformatted
on it; its section methods hand them to :mod:`~growthkit.cohorts.narrative` (sentences) and
:mod:`~growthkit.cohorts.tables` (formatted tables).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from growthkit.cohorts import messages, narrative, tables
from growthkit.cohorts.backtest import LEVEL, Backtest, backtest
from growthkit.cohorts.cac import CACTable, cac_table, load_spend
from growthkit.cohorts.payback import HORIZONS, RULE_OF_THUMB, payback_periods
from growthkit.cohorts.periods import last_complete, period_label, period_of
from growthkit.cohorts.projection import (
    HORIZON,
    MODELS,
    Histories,
    Projection,
    evidence,
    fit_curve,
    last_complete_end,
    load_histories,
    project,
)
from growthkit.cohorts.segments import cohort_rows, projected_ratio_band, summarize
from growthkit.cohorts.settings import CohortsSettings
from growthkit.cohorts.table import Cohorts, CohortTable, build_cohorts, parse_segments
from growthkit.data import DataQuality, Orders, Source, as_date, redact, validate_orders
from growthkit.errors import GrowthkitError
from growthkit.formatting import package_versions
from growthkit.i18n import Language, check_currency, get_language
from growthkit.notes import Note, note_dicts
from growthkit.result import ReportAnalysis, summary_in
from growthkit.samples import sample_parameters
from growthkit.validation import check_export_path

__all__ = ["MAX_SEGMENT_VALUES", "CohortsAnalysis", "analyze"]

#: Segment columns with more values keep the largest ones and fold the rest into "(other)".
MAX_SEGMENT_VALUES = 12


@dataclass(frozen=True, repr=False, eq=False)
class CohortsAnalysis(ReportAnalysis):
    """Everything the cohort profitability report shows, computed once by :func:`analyze`.

    Numbers stay unformatted here; :meth:`summary`, :meth:`tables` and the section methods
    (implemented in :mod:`growthkit.cohorts.narrative` and :mod:`growthkit.cohorts.tables`)
    format them.

    Attributes
    ----------
    parameters : dict
        The parameters as resolved (sample defaults filled in, sources display-safe,
        ``language`` the locale id).
    overview : dict
        ``orders`` (distinct order ids with ``order_col``), ``lines`` (rows kept: the same as
        ``orders`` without ``order_col``), ``customers`` (in cohorts), ``first_date``,
        ``last_date``, ``revenue``, ``margin``.
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
    notes : tuple of Note
        Skipped sections and caveats, as codes with their arguments (rendered in the report's
        language by the narrative; in the JSON as English text and as codes).
    no_projection : str
        Why there is no projection (plain English text), empty when there is one.
    settings : CohortsSettings or None
        The parameters as given to :func:`analyze`, checked.
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
    notes: tuple[Note, ...] = ()
    no_projection: str = ""
    settings: CohortsSettings | None = None

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

    def summary(self, format: str = "markdown") -> str:
        """The plain-language summary at the top of the report.

        Parameters
        ----------
        format : {"markdown", "text"}, default "markdown"
            As the report shows it, or plain text to paste into a chat or a dashboard.
        """
        return summary_in(narrative.summary_markdown(self), format, self.lang.rtl)

    def tables(self) -> dict[str, pd.DataFrame]:
        """LTV:CAC, payback by segment and the cohort table, formatted."""
        lang = self.lang
        out = {lang.gettext("LTV:CAC"): self.ltv_cac_table()}
        if len(self.segments):
            out[lang.gettext("Payback by segment")] = self.segments_table()
        out[lang.gettext("Cohorts")] = self.cohorts_table()
        return out

    # -- sections (sentences in narrative.py, formatted tables in tables.py) --------------------

    def data_markdown(self) -> str:
        """Where the orders came from, the rules applied, and what to check in the data."""
        return narrative.data_markdown(self)

    def overview_table(self) -> pd.DataFrame:
        """The data at a glance."""
        return tables.overview_table(self)

    def retention_markdown(self) -> str:
        """Under the heatmap: what a cell means and which cells are unobserved."""
        return narrative.retention_markdown(self)

    def margin_markdown(self) -> str:
        """Cumulative margin per customer against CAC, in words."""
        return narrative.margin_markdown(self)

    def cohorts_table(self) -> pd.DataFrame:
        """Per cohort: customers, CAC, payback and LTV:CAC, formatted."""
        return tables.cohorts_table(self)

    def cohorts_view(self) -> Any:
        """:meth:`cohorts_table` as an interactive table (sort, search; offline)."""
        return tables.cohorts_view(self)

    def segments_markdown(self) -> str:
        """Which segment values pay back fastest, per segment column."""
        return narrative.segments_markdown(self)

    def segments_table(self) -> pd.DataFrame:
        """Per segment value: CAC, payback, retention and LTV:CAC, formatted."""
        return tables.segments_table(self)

    def projection_markdown(self) -> str:
        """What the projection says and which model made it."""
        return narrative.projection_markdown(self)

    def backtest_markdown(self) -> str:
        """How the projection did on the periods after an earlier cut-off."""
        return narrative.backtest_markdown(self)

    def backtest_table(self) -> pd.DataFrame | None:
        """Error of each model, overall and per periods ahead, formatted."""
        return tables.backtest_table(self)

    def ltv_cac_markdown(self) -> str:
        """LTV:CAC against the 3:1 rule of thumb, in words."""
        return narrative.ltv_cac_markdown(self)

    def ltv_cac_table(self) -> pd.DataFrame:
        """LTV:CAC at 6, 12 and 24 periods, actual and projected, overall and per segment."""
        return tables.ltv_cac_table(self)

    # -- exports -------------------------------------------------------------------------------

    def export_markdown(self) -> str:
        """Where the cohort table's CSV is written, or that none is."""
        return narrative.export_markdown(self)

    def cohort_rows_frame(self) -> pd.DataFrame:
        """The cohort table as CSV rows: all customers, then each segment value.

        One row per observed cell: ``segment_column`` and ``segment`` (empty for all
        customers), ``cohort``, ``period``, ``k``, ``customers``, ``cac``,
        ``active_customers``, ``retention``, ``purchases``, ``revenue``,
        ``revenue_retention``, ``margin`` and ``cumulative_margin_per_customer``.
        """
        parts = [_csv_rows(self.table, "", "", self.cohort_summary["cac"].to_numpy())]
        for (col, value), table in self.segment_tables.items():
            cac = self.cac.for_cohorts(table.cohorts, col, value) if self.cac else None
            parts.append(_csv_rows(table, col, value, cac))
        return pd.concat(parts, ignore_index=True)

    def exports(self) -> dict[str, pd.DataFrame]:
        """``{cohorts_csv: the cohort table}`` (empty when ``cohorts_csv`` is None).

        The notebook writes them with ``growthkit.report.export(a.exports())``.
        """
        name = self.parameters.get("cohorts_csv")
        return {str(name): self.cohort_rows_frame()} if name else {}

    def export_cohorts(self, path: str | os.PathLike | None) -> Path | None:
        """Write the cohort table to CSV (deprecated: use ``growthkit.report.export``).

        Parameters
        ----------
        path : str, Path or None
            Where to write; None writes nothing.

        Returns
        -------
        Path or None
        """
        warnings.warn(
            "CohortsAnalysis.export_cohorts is deprecated; write a.exports() with "
            "growthkit.report.export instead", FutureWarning, stacklevel=2,
        )
        out = check_export_path(path, "cohorts_csv", "cohorts.csv")
        if out is None:
            return None
        from growthkit.report.exports import write_csv

        return write_csv(self.cohort_rows_frame(), out)

    # -- JSON ----------------------------------------------------------------------------------

    def metrics(self) -> dict[str, Any]:
        """The report's JSON metrics (keys are a contract: added to, never renamed).

        The same in every language but for the ``headline`` labels and
        ``parameters.language``/``parameters.digits``.

        Returns
        -------
        dict
            ``period``; ``cohorts`` (one entry per cohort: ``cohort``, ``customers``,
            ``complete``, ``cac``, ``cac_basis``, ``retention``, ``revenue_retention``,
            ``cumulative_margin_per_customer`` (k = 0 .. the observation end; unobserved cells
            null), ``payback_period``, ``projected_payback_period``, ``ltv_cac`` {6, 12, 24});
            ``averages`` (size-weighted over the cohorts observed at each k); ``segments``
            (column -> value -> figures and average curves); ``ltv_cac``; ``projection``;
            ``backtest``; the summary figures (``customers``, ``orders``, ``lines``, ``revenue``,
            ``margin``, ``observation_end``, ``last_complete_period``, ``currency``,
            ``margin_basis``, ``cac_source``, ``channel_col``, ``payback_period``,
            ``summary``: the summary as plain English text); ``headline``,
            ``data_quality``, ``notes`` (English text), ``notes_detail`` (codes and
            arguments), ``parameters`` and ``versions``.
        """
        return {
            "period": self.period,
            "cohorts": _cohorts_json(self),
            "averages": _averages_json(self.table),
            "segments": _segments_json(self),
            "ltv_cac": _ltv_json(self),
            "projection": _projection_json(self),
            "backtest": _backtest_json(self),
            **_figures_json(self),
            "summary": narrative.summary_text(self),
            "headline": narrative.headline(self),
            "data_quality": self.data_quality.to_dict(),
            "notes": [note.text() for note in self.notes],
            "notes_detail": note_dicts(self.notes),
            "parameters": dict(self.parameters),
            "versions": package_versions(),
        }


def __getattr__(name: str) -> Any:
    if name == "CohortAnalysis":
        warnings.warn("CohortAnalysis is deprecated; use CohortsAnalysis", FutureWarning,
                      stacklevel=2)
        return CohortsAnalysis
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def analyze(
    data: Source = "sample:shop",
    /,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    order_col: str | None = None,
    quantity_col: str | None = None,
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
    models: tuple[str, ...] = MODELS,
    horizon: int = HORIZON,
    backtest_cutoff: str | _dt.date | None = None,
    level: float = LEVEL,
    language: str = "en",
    digits: str = "locale",
    data_starts_at_launch: bool | None = None,
) -> CohortsAnalysis:
    """Run the cohort profitability analysis end to end.

    The parameters are the cohorts notebook's, one to one (declared once in
    :class:`~growthkit.cohorts.CohortsSettings`). Orders are validated once
    (:func:`growthkit.data.validate_orders`, keeping the segment and margin columns) and
    aggregated in the engine (:func:`build_cohorts`); CAC comes from the spend table or the
    flat ``cac``; the projection models are backtested at an earlier cut-off and the better one
    projects every cohort to ``horizon`` periods, with intervals from its backtest errors.
    Nothing is written: the notebook writes :meth:`CohortsAnalysis.exports`.

    Parameters
    ----------
    data : DataFrame, str, path or ibis.Table, default "sample:shop"
        Orders, one row per order or refund; any source :func:`growthkit.data.load` accepts.
    customer_col, date_col, amount_col : str
        The columns holding the customer, the order's date or timestamp and its amount
        (negative for refunds); with ``quantity_col``, ``amount_col`` is the unit price.
    order_col : str, optional
        When rows are lines of orders (an export of invoice lines), the order (invoice) id:
        purchases count distinct orders, and texts count lines where they count rows.
    quantity_col : str, optional
        Each line's quantity: a line's amount is quantity × ``amount_col`` (a negative
        quantity is a return, netted as a refund). A ``margin_col`` is then each line's margin.
    period : {"month", "week"}, default "month"
        Calendar months, or ISO weeks.
    observation_end : date-like, optional
        The last day the data cover (default: the last order's day). Cells whose period ends
        after it are unobserved (null), never 0.
    gross_margin : float, optional
        Gross margin as a share of revenue, for every order: a number in (0, 1].
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
        The file name of the cohort table's CSV in :meth:`CohortsAnalysis.exports`; its
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
    data_starts_at_launch : bool, optional
        Whether the data begin with the business. When not (the default on your data), the
        first period's cohort holds everyone who bought then, including customers acquired
        before the data start: it is flagged (``left_censored``) and left out of averages,
        headlines and the projection's fit. On ``sample:shop``: true.

    Returns
    -------
    CohortsAnalysis

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
    settings = CohortsSettings.from_parameters(
        customer_col=customer_col, date_col=date_col, amount_col=amount_col,
        order_col=order_col, quantity_col=quantity_col, period=period,
        observation_end=observation_end, gross_margin=gross_margin, margin_col=margin_col,
        cac=cac, spend_data=spend_data, segment_col=segment_col, currency=currency,
        timezone=timezone, cohorts_csv=cohorts_csv, models=models, horizon=horizon,
        backtest_cutoff=backtest_cutoff, level=level, language=language, digits=digits,
        data_starts_at_launch=data_starts_at_launch,
    )
    run = _resolve(data, settings)
    _compute(run)
    return _assemble(run)


@dataclass(eq=False)
class _Run:
    """One report run's state, filled step by step (resolve -> compute -> assemble)."""

    data: Source
    given: CohortsSettings
    settings: CohortsSettings
    lang: Language
    segments: tuple[str, ...]
    notes: list[Note]
    orders: Orders | None = None
    cohorts: Cohorts | None = None
    table: CohortTable | None = None
    costs: CACTable | None = None
    test: Backtest | None = None
    projection: Projection | None = None
    fitted: Any = None
    hist: Histories | None = None
    no_projection: str = ""
    histories: dict[_dt.date, Histories] = field(default_factory=dict)
    segment_tables: dict[tuple[str, str], CohortTable] = field(default_factory=dict)
    segment_projections: dict[tuple[str, str], Projection] = field(default_factory=dict)
    segment_rows: list[dict[str, Any]] = field(default_factory=list)

    def history(self, cutoff: _dt.date) -> Histories:
        """The purchase histories at ``cutoff``, counted once per cut-off."""
        if cutoff not in self.histories:
            assert self.orders is not None and self.cohorts is not None
            s = self.settings
            found = load_histories(
                self.orders, s.period, cutoff, self.cohorts.segment_cols, s.margin_col,
                self.cohorts.gross_margin)
            self.histories[cutoff] = dataclasses.replace(
                found, excluded_cohort=self.cohorts.censored_cohort)
        return self.histories[cutoff]


def _resolve(data: Source, settings: CohortsSettings) -> _Run:
    """Check what needs no data, fill the sample's defaults and note the skipped sections."""
    lang = get_language(settings.language, digits=settings.digits, domain="cohorts")
    check_currency(settings.currency)
    check_export_path(settings.cohorts_csv, "cohorts_csv", "cohorts.csv")
    s = settings.replace(currency=check_currency(settings.currency))
    defaults = sample_parameters(data)
    if s.margin_col is None and s.gross_margin is None:
        s = s.replace(margin_col=defaults.get("margin_col"))
    if s.spend_data is None and s.cac is None:
        s = s.replace(spend_data=defaults.get("spend_data"))
    if s.segment_col is None:
        s = s.replace(segment_col=defaults.get("segment_col"))
    if s.data_starts_at_launch is None:
        s = s.replace(data_starts_at_launch=bool(defaults.get("data_starts_at_launch", False)))
    if s.spend_data is not None and s.cac is not None:
        raise GrowthkitError(
            f"spend_data={redact(s.spend_data)!r} and cac={s.cac!r} are both given; expected "
            "one: a spend table, or one cost per customer"
        )
    segments = parse_segments(s.segment_col)
    notes: list[Note] = []
    if s.margin_col is None and s.gross_margin is None:
        notes.append(messages.missing("no_margin"))
    if s.spend_data is None and s.cac is None:
        notes.append(messages.missing("no_cac"))
    if not segments:
        notes.append(messages.missing("no_segments"))
    return _Run(data, settings, s, lang, segments, notes)  # type: ignore[arg-type]


def _compute(run: _Run) -> None:
    """Validate, aggregate, cost, backtest and project, overall and per segment value."""
    _load(run)
    _costs(run)
    _project(run)
    _segments(run)


def _load(run: _Run) -> None:
    """Orders validated once, the cohort grid (segments folded) and the overall table."""
    s = run.settings
    keep = list(dict.fromkeys([*run.segments, *([s.margin_col] if s.margin_col else [])]))
    run.orders = validate_orders(run.data, s.customer_col, s.date_col, s.amount_col,
                                 s.timezone, keep=keep, order_col=s.order_col,
                                 quantity_col=s.quantity_col)
    cohorts = build_cohorts(
        run.orders, period=s.period, observation_end=s.observation_end,
        gross_margin=s.gross_margin, margin_col=s.margin_col, segment_col=run.segments,
    )
    cohorts, folded = cohorts.top_values(MAX_SEGMENT_VALUES)
    run.notes.extend(messages.folded(col, MAX_SEGMENT_VALUES) for col in folded)
    first = period_of(run.orders.first_day, s.period)
    if not s.data_starts_at_launch and int(cohorts.sizes["cohort"].min()) == first:
        cohorts = dataclasses.replace(cohorts, censored_cohort=first)
        run.notes.append(messages.left_censored(period_label(first, s.period), s.period))
    table = cohorts.table()
    if not table.complete.any():
        raise GrowthkitError(
            f"observation_end={cohorts.observation_end}: no {s.period} has ended by then, so "
            f"no cohort is complete; expected data covering at least one whole {s.period}"
        )
    run.notes.extend(messages.unassigned(cohorts.unassigned, s.currency))
    run.cohorts, run.table = cohorts, table


def _costs(run: _Run) -> None:
    """CAC per cohort and segment value, from the spend table or the flat cost."""
    s, cohorts = run.settings, run.cohorts
    assert cohorts is not None
    if s.spend_data is not None:
        run.costs = cac_table(cohorts, load_spend(s.spend_data, s.period, s.timezone),
                              currency=s.currency)
    elif s.cac is not None:
        run.costs = cac_table(cohorts, cac=s.cac, currency=s.currency)
    if run.costs is not None:
        run.notes.extend(run.costs.notes)


def _project(run: _Run) -> None:
    """Backtest the models at an earlier cut-off; the better one projects every cohort."""
    s, table = run.settings, run.table
    assert table is not None
    fit_on = table.uncensored()
    found = evidence(fit_on)
    if found is not None:
        run.no_projection = messages.too_little_evidence(found).text()
        run.notes.append(messages.too_little_evidence(found))
        return
    cutoff = as_date(s.backtest_cutoff, "backtest_cutoff")
    try:
        test = backtest(fit_on, cutoff, s.models, histories=run.history, level=s.level)
    except GrowthkitError as exc:
        if s.backtest_cutoff is not None:
            raise  # the user's cut-off: their mistake to hear about
        run.no_projection = str(exc)
        run.notes.append(messages.no_projection(str(exc)))
        return
    chosen = test.chosen if test is not None else "curve"
    if test is None:
        run.notes.append(messages.no_backtest(s.period))
    else:
        run.notes.extend(messages.backtest_failed(m, why) for m, why in test.failures.items())
    run.test = test
    band = test.band(chosen) if test is not None else None
    try:
        if chosen == "bgnbd":
            run.hist = run.history(last_complete_end(table))
            run.fitted = run.hist.model
        else:
            run.fitted = fit_curve(fit_on)
        run.projection = project(table, chosen, s.horizon, histories=run.hist, band=band,
                                 level=s.level, fitted=run.fitted)
    except GrowthkitError as exc:
        run.no_projection = str(exc)
        run.notes.append(messages.no_projection(str(exc)))


def _segments(run: _Run) -> None:
    """Each segment value's table, projection (when the overall one exists) and figures."""
    cohorts, costs = run.cohorts, run.costs
    assert cohorts is not None
    model = run.projection.model if run.projection is not None else "curve"
    failed = []
    for col in cohorts.segment_cols:
        for value in cohorts.segment_values(col):
            t = cohorts.table(col, value)
            run.segment_tables[(col, value)] = t
            proj = None
            if run.projection is not None:
                try:
                    proj = segment_projection(t, model, run.settings.horizon, run.fitted,
                                              run.hist, col, value,
                                              members=cohorts.members(col, value))
                except GrowthkitError:
                    failed.append(f"{col}={value}")
            if proj is not None:
                run.segment_projections[(col, value)] = proj
            seg_cac = costs.for_cohorts(t.cohorts, col, value) if costs is not None else None
            run.segment_rows.append({"segment_column": col, "segment": value,
                                     **summarize(t, seg_cac, proj)})
    if failed:
        run.notes.append(messages.segments_not_projected(len(failed), failed[0]))


def _assemble(run: _Run) -> CohortsAnalysis:
    """The result: per-cohort rows, overall figures, the overview and the parameters."""
    orders, cohorts, table, costs = run.orders, run.cohorts, run.table, run.costs
    assert orders is not None and cohorts is not None and table is not None
    overall_cac = costs.for_cohorts(table.cohorts) if costs is not None else None
    basis = costs.overall["basis"].reindex(table.cohorts).tolist() if costs is not None else None
    rows = run.segment_rows
    grid = cohorts.grid
    overview = {
        "orders": orders.orders,
        "lines": orders.lines,
        "customers": int(cohorts.sizes["customers"].sum()),
        "purchases": int(grid["purchases"].sum()),
        "first_date": orders.first_day.isoformat(),
        "last_date": min(orders.last_day, cohorts.observation_end).isoformat(),
        "revenue": float(grid["revenue"].sum()),
        "margin": float(grid["margin"].sum()),
        "orders_after_observation_end": orders.last_day > cohorts.observation_end,
    }
    return CohortsAnalysis(
        parameters=_parameters(run),
        overview=overview,
        data_quality=orders.quality,
        cohorts=cohorts,
        table=table,
        cac=costs,
        cohort_summary=cohort_rows(table, overall_cac, basis, run.projection),
        overall=summarize(table, overall_cac, run.projection),
        segments=(pd.DataFrame(rows).set_index(["segment_column", "segment"]) if rows
                  else pd.DataFrame()),
        segment_tables=run.segment_tables,
        projection=run.projection,
        segment_projections=run.segment_projections,
        backtest=run.test,
        currency=run.settings.currency,
        lang=run.lang,
        notes=tuple(run.notes),
        no_projection=run.no_projection,
        settings=run.given,
    )


def _parameters(run: _Run) -> dict[str, Any]:
    """The JSON ``parameters``: the settings as resolved, sources display-safe."""
    assert run.orders is not None and run.cohorts is not None
    s = run.settings
    out = s.to_json()
    out.update(
        data=run.orders.source,
        observation_end=run.cohorts.observation_end.isoformat(),
        spend_data=None if s.spend_data is None else redact(s.spend_data),
        segment_col=", ".join(run.cohorts.segment_cols) or None,
        backtest_cutoff=run.test.cutoff.isoformat() if run.test is not None else None,
    )
    return {"data": out.pop("data"), **out}


def segment_projection(table: CohortTable, model: str, horizon: int, fitted: Any,
                       hist: Histories | None, col: str, value: str,
                       members: tuple[str, ...] | None = None) -> Projection | None:
    """A segment's projection: the overall BG/NBD on its histories, or its own margin curve
    with the overall seasonal factors.

    Parameters
    ----------
    table : CohortTable
        The segment value's cohorts.
    model : {"curve", "bgnbd"}
        The model that projects all customers.
    horizon : int
    fitted : CurveFit or BG/NBD model
        The overall fit (its season, or the model itself).
    hist : Histories, optional
        For ``"bgnbd"``: every customer's histories at the projection's start.
    col, value : str
        The segment, for the message.
    members : tuple of str, optional
        The original values ``value`` stands for (those folded into "(other)").

    Returns
    -------
    Projection or None
        None when the segment has no complete cohort.

    Raises
    ------
    GrowthkitError
        When the segment has too little evidence (:func:`growthkit.cohorts.projection.evidence`)
        or history to fit a curve.
    """
    if not table.complete.any():
        return None
    found = evidence(table.uncensored())
    if found is not None:
        raise GrowthkitError(f"segment {col}={value}: {found['customers']} customers over "
                             f"{found['periods']} periods, too little to project")
    if model == "bgnbd":
        assert hist is not None
        return project(table, model, horizon, histories=hist.where(col, value, members),
                       fitted=fitted)
    curve = fit_curve(table.uncensored(), season=fitted.season if fitted is not None else None)
    if curve is None:
        raise GrowthkitError(f"segment {col}={value}: too little history to fit a curve")
    return project(table, model, horizon, fitted=curve)


# -- the CSV rows ---------------------------------------------------------------------------------


def _csv_rows(table: CohortTable, col: str, value: str, cac: np.ndarray | None) -> pd.DataFrame:
    rows = table.long()
    if rows.empty:
        return rows
    per = dict(zip(table.labels, cac if cac is not None else [np.nan] * len(table.labels),
                   strict=True))
    rows.insert(0, "segment", value)
    rows.insert(0, "segment_column", col)
    rows.insert(5, "cac", rows["cohort"].map(per))
    return rows


# -- JSON -----------------------------------------------------------------------------------------


def _num(value: Any) -> Any:
    """A JSON-safe number: NaN and infinities as None, numpy scalars as Python ones."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _list(values: np.ndarray) -> list[Any]:
    return [_num(float(v)) for v in values]


def _cells(t: CohortTable, i: int, values: np.ndarray) -> list[Any]:
    """Cohort i's row from k = 0 to the period holding the observation end."""
    width = min(t.ages, period_of(t.observation_end, t.period) - int(t.cohorts[i]) + 1)
    return _list(values[i, :width])


def _figures(row: dict[str, Any] | pd.Series) -> dict[str, Any]:
    return {key: _num(float(v) if isinstance(v, int | float | np.number) else v)
            for key, v in dict(row).items()}


def _cohorts_json(a: CohortsAnalysis) -> list[dict[str, Any]]:
    t, s = a.table, a.cohort_summary
    retention, rev_ret = t.retention().to_numpy(), t.revenue_retention()
    cum = t.cumulative_margin_per_customer()
    out = []
    for i, label in enumerate(t.labels):
        r = s.loc[label]
        out.append({
            "cohort": label,
            "customers": int(r["customers"]),
            "complete": bool(r["complete"]),
            "left_censored": bool(r["left_censored"]),
            "cac": _num(float(r["cac"])),
            "cac_basis": r["cac_basis"],
            "retention": _cells(t, i, retention),
            "revenue_retention": _cells(t, i, rev_ret),
            "cumulative_margin_per_customer": _cells(t, i, cum),
            "payback_period": _num(float(r["payback_period"])),
            "projected_payback_period": _num(float(r["projected_payback_period"])),
            "ltv_cac": {str(h): _num(float(r[f"ltv_cac_{h}"])) for h in HORIZONS},
        })
    return out


def _averages_json(t: CohortTable) -> dict[str, Any]:
    return {
        "retention": _list(t.average(t.retention())),
        "revenue_retention": _list(t.average(t.revenue_retention())),
        "cumulative_margin_per_customer": _list(t.average_cumulative()),
        "customers": _list(t.observed_customers().astype("float64")),
    }


def _segments_json(a: CohortsAnalysis) -> dict[str, Any]:
    segments: dict[str, Any] = {}
    for (column, value), table in a.segment_tables.items():
        row = a.segments.loc[(column, value)].to_dict()
        seg_cac = a.cac.for_cohorts(table.cohorts, column, value) if a.cac else None
        seg_payback = None
        if seg_cac is not None:
            seg_payback = payback_periods(table.cumulative_margin_per_customer(), seg_cac)
        segments.setdefault(column, {})[value] = {
            **_figures(row),
            "retention": _list(table.average(table.retention())),
            "cumulative_margin_per_customer": _list(table.average_cumulative()),
            "by_cohort": [
                {"cohort": label, "customers": int(table.customers[j]),
                 "cac": None if seg_cac is None else _num(float(seg_cac[j])),
                 "payback_period": None if seg_payback is None else _num(float(seg_payback[j]))}
                for j, label in enumerate(table.labels)
            ],
        }
    return segments


def _ltv_block(a: CohortsAnalysis, row: dict[str, Any], interval: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for h in HORIZONS:
        out[str(h)] = {
            "cohorts": int(row[f"cohorts_{h}"]),
            "ltv": _num(row[f"ltv_{h}"]),
            "cac": _num(row["cac"]),
            "ratio": _num(row[f"ltv_cac_{h}"]),
        }
    for h in (12, 24):
        out[str(h)]["projected_ltv"] = _num(row[f"projected_ltv_{h}"])
        out[str(h)]["projected_ratio"] = _num(row[f"projected_ltv_cac_{h}"])
        if interval:
            band = projected_ratio_band(a.projection, a.table, a.overall["cac"], h)
            out[str(h)]["projected_ratio_interval"] = (
                None if band is None else [_num(band[0]), _num(band[2])]
            )
            # The point the interval holds: the projection corrected by the backtest's errors.
            out[str(h)]["projected_ratio_corrected"] = None if band is None else _num(band[1])
    return out


def _ltv_json(a: CohortsAnalysis) -> dict[str, Any] | None:
    if a.cac is None:
        return None
    return {
        "rule_of_thumb": RULE_OF_THUMB,
        "horizons": list(HORIZONS),
        "overall": _ltv_block(a, a.overall, interval=True),
        "segments": {
            column: {value: _ltv_block(a, a.segments.loc[(column, value)].to_dict(), False)
                     for value in a.cohorts.segment_values(column)}
            for column in a.cohorts.segment_cols
        },
    }


def _figures_json(a: CohortsAnalysis) -> dict[str, Any]:
    return {
        "customers": a.overview["customers"],
        "orders": a.overview["orders"],
        "lines": a.overview["lines"],
        "revenue": a.overview["revenue"],
        "margin": a.overview["margin"],
        "observation_end": a.observation_end.isoformat(),
        "last_complete_period": period_label(last_complete(a.observation_end, a.period),
                                             a.period),
        "currency": a.currency,
        "margin_basis": a.cohorts.margin_basis,
        "gross_margin": a.cohorts.gross_margin,
        "cac_source": a.cac.source if a.cac is not None else None,
        "channel_col": a.channel_col,
        "payback_period": _num(a.overall["payback_period"]),
        "projected_payback_period": _num(a.overall["projected_payback_period"]),
        "overall": _figures(a.overall),
    }


def _projection_json(a: CohortsAnalysis) -> dict[str, Any] | None:
    proj = a.projection
    if proj is None:
        return None
    t = proj.table
    details = {k: (_list(v) if isinstance(v, np.ndarray) else
                   {str(m): _num(f) for m, f in v.items()} if isinstance(v, dict) else _num(v))
               for k, v in proj.details.items()}
    rows = []
    for i, label in enumerate(t.labels):
        if not t.complete[i]:
            continue
        first = int(t.last_observed[i]) + 1
        rows.append({
            "cohort": label,
            "projected_from": first if first < proj.horizon else None,
            "cumulative_margin_per_customer": _list(proj.cumulative[i]),
            "low": _list(proj.low[i]),
            "high": _list(proj.high[i]),
        })
    return {
        "model": proj.model,
        "chosen_by": "backtest" if a.backtest is not None else "default",
        "start": proj.start.isoformat(),
        "horizon": proj.horizon,
        "level": proj.level,
        "details": details,
        "ltv_12": _num(a.overall["projected_ltv_12"]),
        "ltv_24": _num(a.overall["projected_ltv_24"]),
        "cohorts": rows,
    }


def _backtest_json(a: CohortsAnalysis) -> dict[str, Any] | None:
    b = a.backtest
    if b is None:
        return None
    return {
        "cutoff": b.cutoff.isoformat(),
        "chosen": b.chosen,
        "level": b.level,
        "models": {name: _figures(row) for name, row in b.models.iterrows()},
        "by_horizon": {
            name: [{"h": int(h), **_figures(r)} for h, r in b.by_horizon(name).iterrows()]
            for name in b.models.index
        },
        "band": [{"h": int(h), **_figures(r)} for h, r in b.band().iterrows()],
        "failures": dict(b.failures),
    }
