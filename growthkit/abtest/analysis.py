"""``analyze``: the whole A/B-test report as one result object the notebook reads from."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import EllipsisType
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd

from growthkit.abtest import narrative, tables
from growthkit.abtest.aggregates import aggregate, as_table, overall
from growthkit.abtest.bayesian import bayesian_view
from growthkit.abtest.comparison import compare_aggregates
from growthkit.abtest.decision import Decision, decide
from growthkit.abtest.export import check_export_path, results_frame
from growthkit.abtest.health import srm, srm_table
from growthkit.abtest.planning import power_table
from growthkit.abtest.reasons import (
    CUPED_SKIPPED,
    SEGMENTS_SKIPPED,
    testable,
    untestable_code,
    untestable_note,
)
from growthkit.abtest.sequential import DEFAULT_TAU, sequential_results
from growthkit.abtest.settings import ABTestSettings
from growthkit.abtest.specs import parse_cuped, parse_metrics, parse_weights
from growthkit.abtest.timing import check_covariate_times
from growthkit.data import redact
from growthkit.errors import GrowthkitError
from growthkit.formatting import package_versions
from growthkit.i18n import Language, as_language, check_currency, get_language
from growthkit.notes import Note, note_dicts, note_texts
from growthkit.result import ReportAnalysis, records, summary_in
from growthkit.samples import sample_parameters

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from growthkit.data import DataQuality

__all__ = ["ABTestAnalysis", "analyze", "evaluate"]

_FRAME_ACCESS = (
    "the result of growthkit.abtest.analyze is an ABTestAnalysis now, not a DataFrame; "
    "use growthkit.abtest.compare(...) for the comparison table, or the analysis's "
    "{attribute} attribute"
)


@dataclass(frozen=True, repr=False, eq=False)  # ReportAnalysis's repr; no DataFrame ==
class ABTestAnalysis(ReportAnalysis):
    """The A/B-test report's numbers: health, effects, power, the Bayesian view and the decision.

    Made by :func:`analyze`. Tables hold unformatted numbers; the ``*_table`` methods format
    them for reading and the ``*_markdown`` methods give the sentences of each section.

    Attributes
    ----------
    results : pandas.DataFrame
        Overall :func:`growthkit.abtest.compare` output (always-valid intervals when
        ``sequential``). The first metric is the primary (decision) metric.
    segments : pandas.DataFrame or None
        The same per segment; None when no segment column was used.
    srm : dict
        :func:`growthkit.abtest.srm` of the arm sizes.
    srm_detail : pandas.DataFrame
        Observed and expected users per arm.
    power : pandas.DataFrame
        :func:`growthkit.abtest.power_table` of ``results``.
    bayesian : pandas.DataFrame
        :func:`growthkit.abtest.bayesian_view` of ``results``.
    decision : Decision
        What to do and why.
    settings : ABTestSettings
        The parameters as given, checked (:class:`growthkit.abtest.ABTestSettings`).
    parameters : dict
        The settings as resolved for the JSON (sample defaults filled in, the data source
        display-safe, ``language`` the locale id).
    notes : tuple of Note
        One note per skipped section or metric without a test (codes with arguments; the
        report writes them in its language, the JSON in English with their codes).
    data_quality : DataQuality or None
        None: the experiment data are one row per user, not orders.
    lang : Language
        The report's language (``language`` and ``digits``), for every reader-facing word and
        number.
    """

    results: pd.DataFrame
    segments: pd.DataFrame | None
    srm: dict[str, Any]
    srm_detail: pd.DataFrame
    power: pd.DataFrame
    bayesian: pd.DataFrame
    decision: Decision
    settings: ABTestSettings = field(default_factory=ABTestSettings)
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    data_quality: DataQuality | None = None
    lang: Language = field(default_factory=lambda: get_language(domain="abtest"))
    # What code written for the old ``analyze`` (a DataFrame) reads: "segments" when it asked
    # for a segment column, as the old function then returned the segmented rows.
    _legacy_frame: str = field(default="results", repr=False, compare=False)

    # ------------------------------------------------------------------ the report's shape

    def summary(self, format: str = "markdown") -> str:
        """The paragraph at the top: decision, primary lift with its CI, split and guardrails.

        Parameters
        ----------
        format : {"markdown", "text"}, default "markdown"
            ``"markdown"``: as the report shows it (data names escaped). ``"text"``: plain
            text to paste into a chat or a dashboard, with no Markdown escapes or bold, and bidi
            isolates only where the language needs them (Arabic).

        Returns
        -------
        str

        Raises
        ------
        GrowthkitError
            Another ``format``.
        """
        return summary_in(narrative.summary_markdown(self), format, self.lang.rtl)

    def metrics(self) -> dict[str, Any]:
        """The JSON metrics of the report: JSON-safe, NaN as None, the same in every language
        but for the ``headline`` labels and ``parameters.language``/``digits``.

        Returns
        -------
        dict
            ``srm`` {chi2, p_value, flag}; ``results`` (rows as :func:`growthkit.abtest.compare`
            returns them; p-values and intervals null where no test is possible);
            ``decision`` (the verdict), ``decision_arm``, ``decision_reasons`` (English
            sentences) and ``decision_reasons_detail`` (each reason's ``code``, ``args`` and
            ``text``); ``power``, ``bayesian`` and ``segments`` (rows; ``segments`` null when
            skipped); ``variance_reduction`` (CUPED, per metric and arm); ``headline`` (for the
            landing page, in the report's language); ``parameters`` and ``versions``;
            ``notes`` (English sentences: skipped sections, comparisons without a test) and
            ``notes_detail`` (their codes and arguments); ``untestable`` (``metric``,
            ``variant``, ``reason`` and ``reason_code`` of every comparison with no test);
            ``data_quality`` (null: no order data).
        """
        results = self.results
        cuped = results[results["method"].str.startswith("cuped")]
        primary = results.iloc[0]
        english = as_language("en", domain="abtest")
        untestable = [
            {"metric": r["metric"], "variant": r["variant"],
             "reason": narrative.plain(narrative.untestable_reason(r, english)),
             "reason_code": untestable_code(r)}
            for _, r in results.iterrows() if not testable(r)
        ]
        reasons = [narrative.plain(narrative.reason_text(r, english))
                   for r in self.decision.reasons]
        return {
            "srm": dict(self.srm),
            "results": records(results),
            "decision": self.decision.verdict,
            "decision_arm": self.decision.arm,
            "decision_reasons": reasons,
            "decision_reasons_detail": [
                {"code": r.code, "args": dict(r.args), "text": text}
                for r, text in zip(self.decision.reasons, reasons, strict=True)
            ],
            "power": records(self.power),
            "bayesian": records(self.bayesian),
            "segments": records(self.segments),
            "variance_reduction": {
                f"{r.metric} ({r.variant})": float(r.variance_reduction)
                for r in cuped.itertuples()
            },
            "headline": self._headline(primary),
            "notes": note_texts(self.notes),
            "notes_detail": note_dicts(self.notes),
            "untestable": untestable,
            "data_quality": None if self.data_quality is None else self.data_quality.to_dict(),
            "parameters": dict(self.parameters),
            "versions": package_versions(),
        }

    def _headline(self, primary: pd.Series) -> dict[str, str]:
        lang = self.lang
        label, lift = narrative.headline_lift(primary, lang, self.parameters.get("currency"))
        return {
            lang.gettext("Decision"): narrative.headline(
                self.decision.verdict, self.decision.arm, lang
            ),
            label: lift,
            lang.gettext("SRM"): lang.gettext("failed") if self.srm["flag"]
            else lang.gettext("ok"),
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """Results, users per arm, power and the Bayesian view, formatted."""
        lang = self.lang
        return {
            lang.gettext("Results"): self.results_table(),
            lang.gettext("Users per arm (sample ratio check)"): self.srm_table(),
            lang.gettext("Power"): self.power_table(),
            lang.gettext("Bayesian view"): self.bayesian_table(),
        }

    # ------------------------------------------------------------------ sections

    def decision_markdown(self) -> str:
        """The decision in bold and its reasons as a list."""
        return narrative.decision_markdown(self.decision, self.lang)

    def srm_markdown(self) -> str:
        """One sentence on the sample-ratio check."""
        return narrative.srm_markdown(self.srm, self.lang)

    def srm_table(self) -> pd.DataFrame:
        """Users per arm against the planned split, formatted."""
        return tables.srm_table(self.srm_detail, self.lang)

    def results_table(self) -> pd.DataFrame:
        """The overall results, formatted for reading (rates in %, money in the currency)."""
        return self._effects(self.results)

    def results_markdown(self) -> str:
        """Below the results: metrics with no test, how the p-values were adjusted, and what
        CUPED did (or that it is off)."""
        return narrative.results_markdown(self)

    def exports(self) -> dict[str, pd.DataFrame]:
        """The results table for ``results_csv`` (file name -> table); empty when None.

        One row per metric and arm of the overall results, with the user's names as given
        (the arm column is named as ``variant_col``), every figure of
        :func:`growthkit.abtest.compare` and the test in words. The report layer writes it
        (``growthkit.report.export(a.exports())``).
        """
        name = self.parameters.get("results_csv")
        if not name:
            return {}
        variant_col = str(self.parameters["variant_col"])
        return {str(name): results_frame(self.results, variant_col, self.lang)}

    def export_results(self, path: str | os.PathLike | None) -> Path | None:
        """Deprecated (removed in 0.2): write the results table to ``path`` as CSV.

        Use ``growthkit.report.export(a.exports())``; this writes the same table with the same
        writer (:func:`growthkit.report.exports.write_csv`).

        Parameters
        ----------
        path : str, Path or None
            Where to write; None writes nothing.

        Returns
        -------
        Path or None
            The file written.

        Raises
        ------
        GrowthkitError
            When the folder does not exist or ``path`` is a folder.
        """
        from growthkit.report.exports import write_csv  # the report layer's one CSV writer

        warnings.warn(
            "ABTestAnalysis.export_results() is deprecated; use "
            "growthkit.report.export(a.exports())", FutureWarning, stacklevel=2,
        )
        out = check_export_path(path, "results_csv", "abtest_results.csv")
        if out is not None:
            write_csv(results_frame(self.results, str(self.parameters["variant_col"]), self.lang),
                      out)
        return out

    def export_markdown(self, path: str | os.PathLike | EllipsisType | None = ...) -> str:
        """Where the results table is exported (``results_csv`` by default), or how to get it."""
        if path is ...:
            path = self.parameters.get("results_csv")
        return narrative.export_markdown(None if path is None else Path(path), self.lang)

    def cuped_markdown(self) -> str:
        """One sentence per CUPED-adjusted metric: how much variance the pre-period removed."""
        return narrative.cuped_markdown(self)

    def segments_markdown(self) -> str:
        """What the segment breakdown holds, or the note that it was skipped."""
        return narrative.segments_markdown(self)

    def segments_table(self) -> pd.DataFrame | None:
        """The per-segment results, formatted as :meth:`results_table`; None without segments."""
        return None if self.segments is None else self._effects(self.segments)

    def power_table(self) -> pd.DataFrame:
        """Power figures, formatted: what the test could detect and what it would need."""
        return tables.power_table(self.power, self.parameters.get("min_lift", 0.05), self.lang)

    def power_markdown(self) -> str:
        """What the power table's columns mean, with this report's power and lift."""
        return narrative.power_markdown(self)

    def power_curve_markdown(self) -> str:
        """The sentence above the primary metric's power curve (why there is none, if so)."""
        return narrative.power_curve_markdown(self)

    def bayesian_table(self) -> pd.DataFrame:
        """Chance to beat control and expected loss of shipping, formatted."""
        return tables.bayesian_table(self.bayesian, self.lang)

    def _effects(self, frame: pd.DataFrame) -> pd.DataFrame:
        p = self.parameters
        return tables.effects_table(
            frame, p.get("alpha", 0.05), self.lang, p.get("currency"), bool(p.get("sequential"))
        )

    # ------------------------------------------------------------------ deprecated

    def to_metrics(self) -> dict[str, Any]:
        """Deprecated alias of :meth:`metrics`."""
        warnings.warn(
            "ABTestAnalysis.to_metrics() is deprecated; use .metrics()", FutureWarning,
            stacklevel=2,
        )
        return self.metrics()

    def srm_summary(self) -> str:
        """Deprecated alias of :meth:`srm_markdown`."""
        warnings.warn(
            "srm_summary() is deprecated; use .srm_markdown()", FutureWarning, stacklevel=2
        )
        return self.srm_markdown()

    def cuped_summary(self) -> str:
        """Deprecated alias of :meth:`cuped_markdown`."""
        warnings.warn(
            "cuped_summary() is deprecated; use .cuped_markdown()", FutureWarning, stacklevel=2
        )
        return self.cuped_markdown()

    def _frame(self) -> tuple[pd.DataFrame, str]:
        """What the old ``analyze`` returned: the segmented rows when it was given a segment
        column, else the overall rows."""
        if self._legacy_frame == "segments" and self.segments is not None:
            return self.segments, ".segments"
        return self.results, ".results"

    def _forward(self) -> pd.DataFrame:
        frame, attribute = self._frame()
        warnings.warn(_FRAME_ACCESS.format(attribute=attribute), FutureWarning, stacklevel=3)
        return frame

    def __getattr__(self, name: str) -> Any:
        # Only called for names the analysis does not have. Private and dunder names (copy's
        # __deepcopy__, pickle's __getstate__, IPython's _repr_*_) are not forwarded, nor is
        # anything before the fields exist (during unpickling).
        if name.startswith("_") or name in {f.name for f in fields(self)}:
            raise AttributeError(name)
        if "results" not in self.__dict__:
            raise AttributeError(name)
        frame, _ = self._frame()
        if not (hasattr(pd.DataFrame, name) or name in frame.columns):
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}"
            )
        return getattr(self._forward(), name)

    def __getitem__(self, key: Any) -> Any:
        return self._forward()[key]

    def __len__(self) -> int:
        return len(self._forward())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._forward())

    def __bool__(self) -> bool:
        return True


def _numeric_columns(table: ir.Table, exclude: str) -> list[str]:
    schema = table.schema()
    return [
        name for name, dtype in schema.items()
        if name != exclude and (dtype.is_numeric() or dtype.is_boolean())
    ]


class _Resolved(NamedTuple):
    """The parameters as the computation uses them (sample defaults filled in, parsed)."""

    table: ir.Table
    lang: Language
    currency: str | None
    metrics: str | tuple[str, ...]
    cuped: str | dict[str, str] | None
    segment_col: str | None
    weights: dict[str, float] | None
    notes: list[Note]


def _resolve(data: object, settings: ABTestSettings) -> _Resolved:
    """Check the parameters, then fill those left at None from the sample's (or skip their
    sections with a note)."""
    s = settings
    lang = get_language(s.language, digits=s.digits, domain="abtest")
    currency = None if s.currency is None else check_currency(s.currency)
    check_export_path(s.results_csv, "results_csv", "abtest_results.csv")
    table, defaults = as_table(data), sample_parameters(data)
    notes: list[Note] = []
    metrics = defaults.get("metrics") if s.metrics is None else s.metrics
    if metrics is None:
        numeric = ", ".join(map(repr, _numeric_columns(table, s.variant_col))) or "none"
        raise GrowthkitError(
            "metrics: none given; expected the metric columns to compare, first the one the "
            f"decision rests on (e.g. metrics='converted,revenue'); numeric columns: {numeric}"
        )
    plain, _ = parse_metrics(metrics)  # type: ignore[arg-type]
    cuped = s.cuped
    if cuped is None and "cuped" in defaults:
        # The sample's CUPED columns, for the sample's metrics that are being analysed.
        sample = parse_cuped(defaults["cuped"])  # type: ignore[arg-type]
        kept = {m: x for m, x in sample.items() if m in plain}
        cuped = ",".join(f"{m}:{x}" for m, x in kept.items()) or None
    if not parse_cuped(cuped):
        cuped = None
        notes.append(CUPED_SKIPPED)
    check_covariate_times(table, cuped, s.cuped_measured_at, s.assigned_at_col)
    segment_col = defaults.get("segment_col") if s.segment_col is None else s.segment_col
    if not segment_col:
        segment_col = None
        notes.append(SEGMENTS_SKIPPED)
    return _Resolved(table, lang, currency, metrics, cuped, segment_col,  # type: ignore[arg-type]
                     parse_weights(s.expected_weights), notes)


def _compute(r: _Resolved, s: ABTestSettings) -> dict[str, Any]:
    """Aggregate once, compare overall and per segment, then SRM, power, Bayes and decide."""
    agg = aggregate(r.table, s.variant_col, r.metrics, r.cuped, s.ratio_metrics, r.segment_col)
    where = f"column {s.variant_col!r}"
    segments = None
    if r.segment_col is not None:
        segments = compare_aggregates(agg, s.control, s.alpha, s.correction, where)
        agg = overall(agg)
    results = compare_aggregates(agg, s.control, s.alpha, s.correction, where)
    first = results.iloc[0]
    counts = {str(s.control): int(first["control_n"])}
    arms = results[results["metric"] == first["metric"]]
    counts |= {a.variant: int(a.n) for a in arms.itertuples()}
    if s.sequential:
        results = sequential_results(results, s.alpha, s.correction, s.tau)
        if segments is not None:
            segments = sequential_results(segments, s.alpha, s.correction, s.tau)
    srm_result = srm(counts, r.weights)
    power = power_table(results, s.alpha, min_lift=s.min_lift)
    decision = decide(results, srm_result, power, alpha=s.alpha, min_lift=s.min_lift,
                      language=r.lang, sequential=s.sequential)
    return {
        "results": results, "segments": segments, "srm": srm_result,
        "srm_detail": srm_table(counts, r.weights), "power": power,
        "bayesian": bayesian_view(results), "decision": decision,
    }


def _assemble(
    data: object, r: _Resolved, s: ABTestSettings, computed: dict[str, Any], legacy: str
) -> ABTestAnalysis:
    """The analysis: the computed tables, the notes and the parameters as resolved."""
    results = computed["results"]
    notes = [*r.notes, *(untestable_note(row) for _, row in results.iterrows()
                         if not testable(row))]
    parameters = {"data": redact(data), **s.to_json()}
    parameters |= {
        "metrics": list(dict.fromkeys(results["metric"])), "cuped": r.cuped,
        "segment_col": r.segment_col, "expected_weights": r.weights, "currency": r.currency,
        "results_csv": None if s.results_csv is None else str(s.results_csv),
        "language": r.lang.locale_id,
    }
    return ABTestAnalysis(
        **computed, settings=s, parameters=parameters, notes=tuple(notes), lang=r.lang,
        _legacy_frame=legacy,
    )


def _positional(args: tuple[Any, ...], given: dict[str, Any]) -> dict[str, Any]:
    """Parameters passed by position (the old ``analyze(data, variant_col, control, metrics)``)
    onto their names, with a FutureWarning; removed in 0.2."""
    names = ABTestSettings.names()
    if len(args) > len(names):
        raise GrowthkitError(
            f"analyze takes data and {len(names)} parameters; found {len(args) + 1} positional "
            "arguments"
        )
    warnings.warn(
        "passing analyze's parameters by position is deprecated; name them "
        f"(variant_col=..., control=..., metrics=...): {', '.join(names[:len(args)])}",
        FutureWarning, stacklevel=3,
    )
    defaults = ABTestSettings()
    for name, value in zip(names, args, strict=False):
        if given[name] is not getattr(defaults, name) and given[name] != getattr(defaults, name):
            raise GrowthkitError(f"analyze: {name} given by position and by name; give it once")
        given[name] = value
    return given


def analyze(
    data: object,
    /,
    *args: Any,
    variant_col: str = "variant",
    control: str = "control",
    metrics: str | Sequence[str] | None = None,
    cuped: str | Mapping[str, str] | None = None,
    ratio_metrics: str | Mapping[str, Sequence[str]] | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
    segment_col: str | None = None,
    expected_weights: str | Mapping[str, float] | None = None,
    sequential: bool = False,
    currency: str | None = None,
    min_lift: float = 0.05,
    tau: float = DEFAULT_TAU,
    results_csv: str | os.PathLike | None = None,
    language: str = "en",
    digits: str = "locale",
    assigned_at_col: str | None = None,
    cuped_measured_at: str | Mapping[str, str] | None = None,
) -> ABTestAnalysis:
    """Run the whole A/B-test report: SRM, effects, segments, power, Bayes and the decision.

    The parameters are the notebook's, one to one. The data are aggregated once, in the
    engine (per segment when ``segment_col`` is given; the overall figures are the sums).

    Every parameter after ``data`` is keyword-only and declared, with its bounds, in
    :class:`growthkit.abtest.ABTestSettings` (passing them by position still works, with a
    FutureWarning, until 0.2).

    Parameters
    ----------
    data : pandas.DataFrame or growthkit source
        One row per unit (user): a DataFrame, an Ibis table, or any source
        :func:`growthkit.data.load` accepts (``"sample:experiment"``, a file, a database URL).
    *args
        Deprecated: the parameters below, by position.
    variant_col : str, default "variant"
        Column with the arm of each unit.
    control : str, default "control"
        The control arm's label (compared as text).
    metrics : str or sequence of str, optional
        Metric columns, first the primary (decision) metric, then guardrails; an entry
        ``"num/den"`` is a ratio metric. None uses the sample's metrics when ``data`` is a
        built-in sample and is an error on other data (the message lists the numeric columns).
    cuped : str or mapping, optional
        ``"metric:pre_period_column,..."`` or a dict. None uses the sample's on a built-in
        sample; on other data (or given empty) CUPED is off, with a note. A covariate that is
        the metric, or moves with it (|r| > 0.9999 within arms), is refused, and so is one
        measured after assignment when the data say when (``cuped_measured_at``).
    ratio_metrics, alpha, correction
        As in :func:`growthkit.abtest.compare`.
    segment_col : str, optional
        Column for the per-segment breakdown. None uses the sample's on a built-in sample; on
        other data (or given empty) the breakdown is skipped, with a note. A column that does
        not exist is an error naming it.
    expected_weights : str or mapping, optional
        The planned split, ``{"control": 0.5, "treatment": 0.5}`` or ``"control:1,treatment:1"``;
        equal by default.
    sequential : bool, default False
        Report always-valid confidence sequences and p-values (for teams that peek).
    currency : str, optional
        ISO 4217 code (``"USD"``, ``"SAR"``...) of money metrics (every non-binary metric),
        formatted for the report's language; None shows them as plain numbers.
    min_lift : float, default 0.05
        Smallest relative lift of the primary metric worth shipping for (see
        :func:`growthkit.abtest.decide`).
    tau : float, default 5000
        Tuning parameter of the confidence sequences.
    results_csv : str or path, optional
        The file name of the results table in :meth:`ABTestAnalysis.exports` (the notebook
        writes it with ``growthkit.report.export``); its folder is checked here, before any
        work. None: no export.
    language : str, default "en"
        The report's language, ``"en"`` or ``"ar"`` (optionally with a region, ``"ar_SA"``).
    digits : {"locale", "latin", "arabic"}, default "locale"
        The digits numbers are written with.
    assigned_at_col : str, optional
        Column with each user's assignment time (dates or timestamps), compared with
        ``cuped_measured_at``.
    cuped_measured_at : str or mapping, optional
        ``"metric:time_column,..."`` (or a dict): the column with the time each user's CUPED
        covariate of that metric was measured (the end of its pre-period). A covariate measured
        after assignment for any user is refused (the test may have changed it); needs
        ``assigned_at_col``. Without it the times cannot be read from the data, and the
        covariate is trusted to be a pre-period column.

    Returns
    -------
    ABTestAnalysis

    Raises
    ------
    GrowthkitError
        ``metrics`` not given on data other than a sample, a missing or non-numeric column,
        an unknown language, digits or currency, a ``results_csv`` in a missing folder, a
        CUPED covariate measured after assignment
        (:func:`growthkit.abtest.timing.check_covariate_times`), and everything
        :func:`growthkit.abtest.compare` and :func:`growthkit.abtest.srm` refuse.

    Notes
    -----
    The relative lift is (treatment − control)/|control|, so a positive lift is an
    improvement also when the control mean is negative (a loss); with a control mean of 0
    there is no relative lift and the reports give the absolute difference. A comparison with
    no possible test (no conversions, or only conversions, in both arms; a ratio whose
    denominator is 0) has null p-values and intervals, a note in ``notes``, and cannot make
    the decision "ship".

    References
    ----------
    Kohavi, R., Tang, D. & Xu, Y. (2020). Trustworthy Online Controlled Experiments. Cambridge
    University Press.
    """
    given = {
        "variant_col": variant_col, "control": control, "metrics": metrics, "cuped": cuped,
        "ratio_metrics": ratio_metrics, "alpha": alpha, "correction": correction,
        "segment_col": segment_col, "expected_weights": expected_weights,
        "sequential": sequential, "currency": currency, "min_lift": min_lift, "tau": tau,
        "results_csv": results_csv, "language": language, "digits": digits,
        "assigned_at_col": assigned_at_col, "cuped_measured_at": cuped_measured_at,
    }
    if args:
        given = _positional(args, given)
    settings = ABTestSettings.from_parameters(**given)
    resolved = _resolve(data, settings)
    legacy = "segments" if settings.segment_col else "results"
    return _assemble(data, resolved, settings, _compute(resolved, settings), legacy)


def evaluate(*args: Any, **kwargs: Any) -> ABTestAnalysis:
    """Deprecated alias of :func:`analyze`."""
    warnings.warn(
        "growthkit.abtest.evaluate is deprecated; use growthkit.abtest.analyze (same "
        "parameters)", FutureWarning, stacklevel=2,
    )
    return analyze(*args, **kwargs)
