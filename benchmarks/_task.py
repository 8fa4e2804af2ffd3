"""One benchmark run in a fresh process: ``python _task.py STEP SIDE --input PATH [options]``.

Imports come first and are not timed (their time is reported as ``import_seconds``); then the
step runs once, timed from the file read to the result in memory. The process prints one JSON
line (see ``_harness.task_report``): ``seconds``, ``peak_mb`` (ru_maxrss, taken before any
output is written), ``late_imports`` (modules first imported inside the timed part; should be
empty), and a digest of the result (counts, totals, parameters) that ``run.py`` checks against
the other side. With ``--out`` the full per-customer result is written too, after the timing.

Steps and sides:

- ``rfm``: orders Parquet -> RFM summary (frequency, recency, T in weeks, monetary_value):
  ``growthkit`` (``rfm_summary``), ``lifetimes`` (``pandas.read_parquet`` +
  ``summary_data_from_transaction_data(freq="D", freq_multiplier=7)``), ``sql`` (one
  hand-written DuckDB query on the Parquet file: the limit).
- ``bgnbd``: summary -> BG/NBD parameters: ``growthkit`` (``clv.fit(summary, "bgnbd")``),
  ``lifetimes`` (``BetaGeoFitter().fit``), ``lifetimes_weighted`` (the same on the distinct
  (frequency, recency, T) rows with their counts as weights, lifetimes' fastest use).
- ``paretonbd``: summary -> Pareto/NBD parameters, the same three sides as ``bgnbd``
  (``ParetoNBDFitter``).
- ``gammagamma``: summary -> Gamma-Gamma parameters: ``growthkit`` (``clv.fit_spend``),
  ``lifetimes`` (``GammaGammaFitter().fit`` on repeat buyers with positive spend).
- ``score``: summary + given parameters -> 12-month CLV of every customer: ``growthkit``
  (``clv.predict``), ``lifetimes`` (``customer_lifetime_value(freq="W")``).
- ``pipeline``: orders Parquet -> CLV of every customer, fitting both models on the way.
- ``params`` (preparation, growthkit only): the parameters ``score`` is given.

Same horizon on both sides: lifetimes' ``customer_lifetime_value(freq="W")`` steps through
months of 4.345 weeks, growthkit's ``predict`` through mean Gregorian months (365.25/12 days =
4.3482 weeks). growthkit's side is therefore computed on a time axis stretched by
c = 4.3482 / 4.345 (recency and T times c, the BG/NBD time scale alpha times c): a growthkit
month on that axis is exactly lifetimes' 4.345 weeks, and every BG/NBD quantity (P(alive),
expected purchases in a window) is unchanged by a change of time unit. The stretching is inside
growthkit's timed part. Both sides discount monthly at (1.10)^(1/12) - 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness

#: lifetimes' ``customer_lifetime_value(freq="W")`` month, in weeks (lifetimes/utils.py).
LIFETIMES_WEEKS_PER_MONTH = 4.345
HORIZON_MONTHS = 12
ANNUAL_DISCOUNT_RATE = 0.10
MONTHLY_DISCOUNT_RATE = (1.0 + ANNUAL_DISCOUNT_RATE) ** (1.0 / 12.0) - 1.0

# Modules each side imports lazily on its first call; imported before the clock starts so
# neither side is timed importing (whatever is still imported late is reported).
_PANDAS_PARQUET = [
    "pandas.api.internals", "pyarrow.parquet", "pyarrow.dataset", "pyarrow.pandas_compat",
    "pandas.core.arrays.arrow.extension_types",
]
_WARM_IMPORTS = {
    "growthkit": [
        "growthkit", "growthkit.clv", "ibis.backends.duckdb", "ibis.backends.duckdb.converter",
        "ibis.expr.types.groupby", "ibis.formats.numpy", "ibis.formats.pandas",
        "ibis.formats.pyarrow", *_PANDAS_PARQUET,
    ],
    "lifetimes": ["lifetimes", "lifetimes.utils", *_PANDAS_PARQUET],
    "lifetimes_weighted": ["lifetimes", *_PANDAS_PARQUET],
    "sql": ["duckdb", *_PANDAS_PARQUET],
}

# The RFM summary in one DuckDB query: orders -> customer-days (amounts summed) -> customers.
# monetary_value is the mean spend of the repeat purchase days, as growthkit defines it (all
# spend less the first day's, over the repeat days); T runs to the last order day of all. No
# refund netting: the simulated orders have no negative amounts (run.py checks).
_SQL = """
WITH days AS (
    SELECT customer_id, CAST("date" AS DATE) AS day, SUM(amount) AS amount
    FROM read_parquet({path})
    GROUP BY ALL
), customers AS (
    SELECT customer_id, COUNT(*) AS n, MIN(day) AS first_day, MAX(day) AS last_day,
           SUM(amount) AS spend, arg_min(amount, day) AS first_spend
    FROM days
    GROUP BY customer_id
)
SELECT customer_id,
       CAST(n - 1 AS DOUBLE) AS frequency,
       CAST(date_diff('day', first_day, last_day) AS DOUBLE) / 7 AS recency,
       CAST(date_diff('day', first_day, (SELECT MAX(last_day) FROM customers)) AS DOUBLE) / 7
           AS "T",
       CASE WHEN n > 1 THEN (spend - first_spend) / CAST(n - 1 AS DOUBLE) ELSE 0.0 END
           AS monetary_value
FROM customers
"""


def sql_summary_query(path: str) -> str:
    """The hand-written query for the orders file at ``path``."""
    return _SQL.format(path="'" + str(path).replace("'", "''") + "'")


# -- the steps: each returns (result, digest), timed from input to result in memory -----------


def _rfm(side: str, path: str, _params: dict | None):
    import pandas as pd

    if side == "growthkit":
        from growthkit import rfm_summary

        with _harness.timed() as t:
            summary = rfm_summary(path, amount_col="amount", time_unit="weeks")
    elif side == "lifetimes":
        from lifetimes.utils import summary_data_from_transaction_data

        with _harness.timed() as t:
            orders = pd.read_parquet(path)
            summary = summary_data_from_transaction_data(
                orders, "customer_id", "date", monetary_value_col="amount",
                freq="D", freq_multiplier=7,
            )
    else:
        import duckdb

        with _harness.timed() as t:
            con = duckdb.connect()
            table = con.sql(sql_summary_query(path)).fetch_arrow_table()
            summary = table.to_pandas().set_index("customer_id")
            con.close()
    digest = {"customers": len(summary),
              **{f"sum_{c}": float(summary[c].sum()) for c in summary.columns}}
    return t, summary, digest


def _bgnbd(side: str, path: str, _params: dict | None):
    import pandas as pd

    summary = pd.read_parquet(path)
    if side == "growthkit":
        from growthkit import clv

        with _harness.timed() as t:
            params = clv.fit(summary, "bgnbd").params
    else:
        from lifetimes import BetaGeoFitter

        with _harness.timed() as t:
            if side == "lifetimes":
                fitter = BetaGeoFitter().fit(summary["frequency"], summary["recency"],
                                             summary["T"])
            else:
                rows = summary.groupby(["frequency", "recency", "T"]).size().reset_index()
                fitter = BetaGeoFitter().fit(rows["frequency"], rows["recency"], rows["T"],
                                             weights=rows[0])
            params = fitter.params_.to_dict()
    return t, None, {"params": {k: float(v) for k, v in params.items()}}


def _paretonbd(side: str, path: str, _params: dict | None):
    import numpy as np
    import pandas as pd

    summary = pd.read_parquet(path)
    if side == "growthkit":
        from growthkit import clv

        with _harness.timed() as t:
            params = clv.fit(summary, "paretonbd").params
    else:
        from lifetimes import ParetoNBDFitter

        with _harness.timed() as t:
            if side == "lifetimes":
                fitter = ParetoNBDFitter().fit(summary["frequency"], summary["recency"],
                                               summary["T"])
            else:
                rows = summary.groupby(["frequency", "recency", "T"]).size().reset_index()
                fitter = ParetoNBDFitter().fit(rows["frequency"], rows["recency"], rows["T"],
                                               weights=rows[0])
            params = fitter.params_.to_dict()
    # Both sides' optimum on one yardstick, after the timing: lifetimes' own log-likelihood.
    from lifetimes import ParetoNBDFitter

    at = [float(params[k]) for k in ("r", "alpha", "s", "beta")]
    ll = -ParetoNBDFitter._negative_log_likelihood(
        at, summary["frequency"].to_numpy(), summary["recency"].to_numpy(),
        summary["T"].to_numpy(), np.ones(len(summary)), 0.0)
    return t, None, {"params": {k: float(v) for k, v in params.items()},
                     "log_likelihood": float(ll)}


def _gammagamma(side: str, path: str, _params: dict | None):
    import pandas as pd

    summary = pd.read_parquet(path)
    if side == "growthkit":
        from growthkit import clv

        with _harness.timed() as t:
            params = clv.fit_spend(summary).params
    else:
        from lifetimes import GammaGammaFitter

        with _harness.timed() as t:
            repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
            fitter = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
            params = {("gamma" if k == "v" else k): v for k, v in fitter.params_.items()}
    return t, None, {"params": {k: float(v) for k, v in params.items()}}


def _growthkit_clv(summary, bgnbd: dict, gammagamma: dict):
    """growthkit's 12-month revenue CLV at lifetimes' month length (see the module notes)."""
    import pandas as pd

    from growthkit import clv
    from growthkit.units import DAYS_PER_MONTH

    c = DAYS_PER_MONTH / 7.0 / LIFETIMES_WEEKS_PER_MONTH
    stretched = pd.DataFrame(
        {"frequency": summary["frequency"], "recency": summary["recency"] * c,
         "T": summary["T"] * c, "monetary_value": summary["monetary_value"]},
        index=summary.index, copy=False,  # no consolidating copy of the columns
    )
    model = clv.BetaGeoModel.from_params({**bgnbd, "alpha": bgnbd["alpha"] * c},
                                         time_unit="weeks")
    spend = clv.GammaGammaModel.from_params(gammagamma)
    return clv.predict(model, stretched, spend, horizon_months=HORIZON_MONTHS,
                       annual_discount_rate=ANNUAL_DISCOUNT_RATE)["clv_revenue"]


def _lifetimes_clv(summary, bgf, ggf):
    return ggf.customer_lifetime_value(
        bgf, summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"],
        time=HORIZON_MONTHS, discount_rate=MONTHLY_DISCOUNT_RATE, freq="W",
    )


def _score(side: str, path: str, params: dict | None):
    import pandas as pd

    summary = pd.read_parquet(path)
    if side == "growthkit":
        with _harness.timed() as t:
            values = _growthkit_clv(summary, params["bgnbd"], params["gammagamma"])
    else:
        from lifetimes import BetaGeoFitter, GammaGammaFitter

        with _harness.timed() as t:
            bgf, ggf = BetaGeoFitter(), GammaGammaFitter()
            bgf.params_ = pd.Series(params["bgnbd"])
            bgf.predict = bgf.conditional_expected_number_of_purchases_up_to_time  # as fit() does
            spend = params["gammagamma"]
            ggf.params_ = pd.Series({"p": spend["p"], "q": spend["q"], "v": spend["gamma"]})
            values = _lifetimes_clv(summary, bgf, ggf)
    values = values.rename("clv").to_frame()
    return t, values, {"customers": len(values), "total": float(values["clv"].sum())}


def _pipeline(side: str, path: str, _params: dict | None):
    import pandas as pd

    if side == "growthkit":
        from growthkit import clv, rfm_summary

        with _harness.timed() as t:
            summary = rfm_summary(path, amount_col="amount", time_unit="weeks")
            bgnbd = clv.fit(summary, "bgnbd", time_unit="weeks").params
            gammagamma = clv.fit_spend(summary).params
            values = _growthkit_clv(summary, bgnbd, gammagamma)
    else:
        from lifetimes import BetaGeoFitter, GammaGammaFitter
        from lifetimes.utils import summary_data_from_transaction_data

        with _harness.timed() as t:
            orders = pd.read_parquet(path)
            summary = summary_data_from_transaction_data(
                orders, "customer_id", "date", monetary_value_col="amount",
                freq="D", freq_multiplier=7,
            )
            bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
            repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
            ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
            values = _lifetimes_clv(summary, bgf, ggf)
        bgnbd = bgf.params_.to_dict()
        gammagamma = {("gamma" if k == "v" else k): v for k, v in ggf.params_.items()}
    values = values.rename("clv").to_frame()
    return t, values, {
        "customers": len(values), "total": float(values["clv"].sum()),
        "params": {**{f"bgnbd_{k}": float(v) for k, v in bgnbd.items()},
                   **{f"gammagamma_{k}": float(v) for k, v in gammagamma.items()}},
    }


def _params(side: str, path: str, _params: dict | None):
    """Preparation for ``score``: growthkit's fitted parameters of both models."""
    import pandas as pd

    from growthkit import clv

    summary = pd.read_parquet(path)
    with _harness.timed() as t:
        params = {"bgnbd": clv.fit(summary, "bgnbd").params,
                  "gammagamma": clv.fit_spend(summary).params}
    return t, None, {"params": params}


STEPS = {
    "rfm": (_rfm, ("growthkit", "lifetimes", "sql")),
    "bgnbd": (_bgnbd, ("growthkit", "lifetimes", "lifetimes_weighted")),
    "paretonbd": (_paretonbd, ("growthkit", "lifetimes", "lifetimes_weighted")),
    "gammagamma": (_gammagamma, ("growthkit", "lifetimes")),
    "score": (_score, ("growthkit", "lifetimes")),
    "pipeline": (_pipeline, ("growthkit", "lifetimes")),
    "params": (_params, ("growthkit",)),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=list(STEPS))
    parser.add_argument("side")
    parser.add_argument("--input", required=True, help="orders or summary Parquet file")
    parser.add_argument("--out", help="write the per-customer result here (Parquet)")
    parser.add_argument("--params", help="JSON file of parameters (score)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # a benchmark process: lifetimes' deprecation noise is not news
    run, sides = STEPS[args.step]
    if args.side not in sides:
        parser.error(f"side {args.side!r} for step {args.step!r}; expected one of {sides}")

    t0 = time.perf_counter()
    import numpy  # noqa: F401
    import pandas  # noqa: F401

    for module in _WARM_IMPORTS[args.side]:
        importlib.import_module(module)
    import_seconds = time.perf_counter() - t0
    params = json.loads(Path(args.params).read_text()) if args.params else None
    timing, result, digest = run(args.side, args.input, params)
    if args.out and result is not None:
        result.to_parquet(args.out)
    _harness.task_report(step=args.step, side=args.side, import_seconds=import_seconds,
                         **timing, **digest)


if __name__ == "__main__":
    main()
