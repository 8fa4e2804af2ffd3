"""``analyze``: the whole A/B-test report as one result object the notebook reads from."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from growthkit.abtest import narrative, tables
from growthkit.abtest._specs import _parse_cuped, _parse_metrics, _parse_ratios, _parse_weights
from growthkit.abtest.aggregates import _as_table, aggregate, overall
from growthkit.abtest.bayesian import bayesian_view
from growthkit.abtest.comparison import _check_settings, _compare
from growthkit.abtest.decision import Decision, decide
from growthkit.abtest.export import check_export_path, results_frame
from growthkit.abtest.formats import interval_name
from growthkit.abtest.health import srm, srm_table
from growthkit.abtest.planning import power_table
from growthkit.abtest.sequential import DEFAULT_TAU, sequential_results
from growthkit.data import redact
from growthkit.errors import GrowthkitError
from growthkit.formatting import package_versions
from growthkit.i18n import Language, check_currency, get_language
from growthkit.result import ReportAnalysis, records
from growthkit.samples import sample_parameters

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
    parameters : dict
        The settings as resolved (sample defaults filled in, the data source display-safe).
    notes : tuple of str
        One plain-text line per skipped section or metric without a test (English, for the
        JSON; the report shows them in its language).
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
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    lang: Language = field(default_factory=lambda: get_language(domain="abtest"))
    # What code written for the old ``analyze`` (a DataFrame) reads: "segments" when it asked
    # for a segment column, as the old function then returned the segmented rows.
    _legacy_frame: str = field(default="results", repr=False, compare=False)

    # ------------------------------------------------------------------ the report's shape

    def summary(self) -> str:
        """The paragraph at the top: decision, primary lift with its CI, split and guardrails."""
        return narrative.summary_markdown(self)

    def metrics(self) -> dict[str, Any]:
        """The JSON metrics of the report: JSON-safe, NaN as None.

        Returns
        -------
        dict
            ``srm`` {chi2, p_value, flag}; ``results`` (rows as :func:`growthkit.abtest.compare`
            returns them; p-values and intervals null where no test is possible);
            ``decision`` (the verdict), ``decision_arm``, ``decision_reasons``; ``power``,
            ``bayesian`` and ``segments`` (rows; ``segments`` null when skipped);
            ``variance_reduction`` (CUPED, per metric and arm); ``headline`` (for the landing
            page); ``parameters`` and ``versions``. Added since: ``notes`` (plain-text lines:
            skipped sections, comparisons without a test) and ``untestable`` (``metric``,
            ``variant``, ``reason`` of every comparison with no test). Reasons and notes are
            plain English text whatever the report's language; ``headline`` is in the report's
            language, for the landing page.
        """
        results = self.results
        cuped = results[results["method"].str.startswith("cuped")]
        primary = results.iloc[0]
        lang = self.lang
        untestable = [
            {"metric": r["metric"], "variant": r["variant"],
             "reason": narrative.english_reason(r)}
            for _, r in results.iterrows() if not narrative.testable(r)
        ]
        english = self.decision if lang.code == "en" else self._decide("en")
        return {
            "srm": dict(self.srm),
            "results": records(results),
            "decision": self.decision.verdict,
            "decision_arm": self.decision.arm,
            "decision_reasons": [narrative.plain(r) for r in english.reasons],
            "power": records(self.power),
            "bayesian": records(self.bayesian),
            "segments": records(self.segments),
            "variance_reduction": {
                f"{r.metric} ({r.variant})": float(r.variance_reduction)
                for r in cuped.itertuples()
            },
            "headline": {
                lang.gettext("Decision"): self.decision.headline,
                lang.gettext("{metric} lift ({arm})").format(
                    metric=lang.isolate(primary["metric"]), arm=lang.isolate(primary["variant"])
                ): narrative.lift_text(primary, lang, self.parameters.get("currency")),
                lang.gettext("SRM"): lang.gettext("failed") if self.srm["flag"]
                else lang.gettext("ok"),
            },
            "notes": list(self.notes),
            "untestable": untestable,
            "parameters": dict(self.parameters),
            "versions": package_versions(),
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
        return narrative.decision_markdown(self.decision)

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

    def export_results(self, path: str | os.PathLike | None) -> Path | None:
        """Write the results table, unrounded, to CSV (``None``: skip).

        One row per metric and arm with the user's names as given (the arm column is named as
        ``variant_col``), every figure of :func:`growthkit.abtest.compare` and the test in
        words.

        Parameters
        ----------
        path : str, Path or None
            Where to write; relative paths resolve against the working directory, which the
            report runner sets to the report folder so the CSV lands next to the HTML.

        Returns
        -------
        Path or None
            The file written.

        Raises
        ------
        GrowthkitError
            When the folder does not exist or ``path`` is a folder.
        """
        out = check_export_path(path, "results_csv", "abtest_results.csv")
        if out is not None:
            frame = results_frame(self.results, str(self.parameters["variant_col"]), self.lang)
            frame.to_csv(out, index=False)
        return out

    def export_markdown(self, path: Path | None) -> str:
        """Where :meth:`export_results` wrote the table, or how to get it."""
        return narrative.export_markdown(path, self.lang)

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

    def _decide(self, language: Language | str) -> Decision:
        """The decision with its reasons in ``language``."""
        p = self.parameters
        lang = get_language(language, domain="abtest")
        return decide(
            self.results, self.srm, self.power, alpha=p["alpha"], min_lift=p["min_lift"],
            level=interval_name(p["alpha"], bool(p["sequential"]), lang), language=lang,
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


def _table_and_defaults(data: object) -> tuple[ir.Table, dict[str, object]]:
    return _as_table(data), sample_parameters(data)


def _numeric_columns(table: ir.Table, exclude: str) -> list[str]:
    schema = table.schema()
    return [
        name for name, dtype in schema.items()
        if name != exclude and (dtype.is_numeric() or dtype.is_boolean())
    ]


def _resolve(
    table: ir.Table,
    defaults: dict[str, object],
    variant_col: str,
    metrics: str | Sequence[str] | None,
    cuped: str | Mapping[str, str] | None,
    segment_col: str | None,
) -> tuple[str | Sequence[str], str | Mapping[str, str] | None, str | None, list[str]]:
    """Fill the parameters left at None from the sample's, or skip their sections with a note."""
    notes = []
    if metrics is None:
        metrics = defaults.get("metrics")  # type: ignore[assignment]
    if metrics is None:
        numeric = ", ".join(map(repr, _numeric_columns(table, variant_col))) or "none"
        raise GrowthkitError(
            "metrics: none given; expected the metric columns to compare, first the one the "
            f"decision rests on (e.g. metrics='converted,revenue'); numeric columns: {numeric}"
        )
    plain, _ = _parse_metrics(metrics)
    if cuped is None and "cuped" in defaults:
        # The sample's CUPED columns, for the sample's metrics that are being analysed.
        sample = _parse_cuped(defaults["cuped"])  # type: ignore[arg-type]
        kept = {m: x for m, x in sample.items() if m in plain}
        cuped = ",".join(f"{m}:{x}" for m, x in kept.items()) or None
    if not _parse_cuped(cuped):
        cuped = None
        notes.append(narrative.CUPED_SKIPPED)
    if segment_col is None:
        segment_col = defaults.get("segment_col")  # type: ignore[assignment]
    if not segment_col:
        segment_col = None
        notes.append(narrative.SEGMENTS_SKIPPED)
    return metrics, cuped, segment_col, notes


def analyze(
    data: object,
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
) -> ABTestAnalysis:
    """Run the whole A/B-test report: SRM, effects, segments, power, Bayes and the decision.

    The parameters are the notebook's, one to one. The data are aggregated once, in the
    engine (per segment when ``segment_col`` is given; the overall figures are the sums).

    Parameters
    ----------
    data : pandas.DataFrame or growthkit source
        One row per unit (user): a DataFrame, an Ibis table, or any source
        :func:`growthkit.data.load` accepts (``"sample:experiment"``, a file, a database URL).
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
        sample; on other data (or given empty) CUPED is off, with a note.
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
        Where :meth:`ABTestAnalysis.export_results` (the notebook) writes the results table;
        checked here, before any work.
    language : str, default "en"
        The report's language, ``"en"`` or ``"ar"`` (optionally with a region, ``"ar_SA"``).
    digits : {"locale", "latin", "arabic"}, default "locale"
        The digits numbers are written with.

    Returns
    -------
    ABTestAnalysis

    Raises
    ------
    GrowthkitError
        ``metrics`` not given on data other than a sample, a missing or non-numeric column,
        an unknown language, digits or currency, a ``results_csv`` in a missing folder,
        and everything :func:`growthkit.abtest.compare` and :func:`growthkit.abtest.srm`
        refuse.

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
    _check_settings(alpha, correction)
    lang = get_language(language, digits=digits, domain="abtest")
    if currency is not None:
        currency = check_currency(currency)
    check_export_path(results_csv, "results_csv", "abtest_results.csv")
    legacy = "segments" if segment_col else "results"
    table, defaults = _table_and_defaults(data)
    metrics, cuped, segment_col, notes = _resolve(
        table, defaults, variant_col, metrics, cuped, segment_col
    )
    plain, ratios = _parse_metrics(metrics)
    ratios.update(_parse_ratios(ratio_metrics))
    weights = _parse_weights(expected_weights)
    agg = aggregate(table, variant_col, plain, cuped, ratios, segment_col)
    where = f"column {variant_col!r}"
    segments = None
    if segment_col is not None:
        segments = _compare(agg, control, alpha, correction, where)
        agg = overall(agg)
    results = _compare(agg, control, alpha, correction, where)
    first = results.iloc[0]
    counts = {str(control): int(first["control_n"])}
    arms = results[results["metric"] == first["metric"]]
    counts |= {r.variant: int(r.n) for r in arms.itertuples()}
    if sequential:
        results = sequential_results(results, alpha, correction, tau)
        if segments is not None:
            segments = sequential_results(segments, alpha, correction, tau)
    srm_result = srm(counts, weights)
    power = power_table(results, alpha, min_lift=min_lift)
    decision = decide(
        results, srm_result, power, alpha=alpha, min_lift=min_lift,
        level=interval_name(alpha, sequential, lang), language=lang,
    )
    notes += [narrative.english_note(r) for _, r in results.iterrows()
              if not narrative.testable(r)]
    parameters = {
        "data": redact(data), "variant_col": variant_col, "control": control,
        "metrics": list(dict.fromkeys(results["metric"])), "cuped": cuped,
        "alpha": alpha, "correction": correction, "segment_col": segment_col,
        "expected_weights": weights, "sequential": sequential, "currency": currency,
        "min_lift": min_lift,
        "results_csv": None if results_csv is None else str(results_csv),
        "language": language, "digits": digits,
    }
    return ABTestAnalysis(
        results=results,
        segments=segments,
        srm=srm_result,
        srm_detail=srm_table(counts, weights),
        power=power,
        bayesian=bayesian_view(results),
        decision=decision,
        parameters=parameters,
        notes=tuple(notes),
        lang=lang,
        _legacy_frame=legacy,
    )


def evaluate(*args: Any, **kwargs: Any) -> ABTestAnalysis:
    """Deprecated alias of :func:`analyze`."""
    warnings.warn(
        "growthkit.abtest.evaluate is deprecated; use growthkit.abtest.analyze (same "
        "parameters)", FutureWarning, stacklevel=2,
    )
    return analyze(*args, **kwargs)
