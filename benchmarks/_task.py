"""One benchmark step in a fresh process: ``python _task.py STEP TOOL INPUT [OUTPUT]``.

Prints one JSON line: the step's wall time (file read included, imports excluded), the import
time and the process's peak resident memory.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import warnings

warnings.simplefilter("ignore")  # a benchmark process: lifetimes' deprecation noise is not news


def _rfm(tool: str, path: str, out: str) -> None:
    t0 = time.perf_counter()
    if tool == "growthkit":
        from growthkit import rfm_summary

        t1 = time.perf_counter()
        summary = rfm_summary(path, amount_col="amount", time_unit="weeks")
    else:
        import pandas as pd
        from lifetimes.utils import summary_data_from_transaction_data

        t1 = time.perf_counter()
        orders = pd.read_parquet(path)
        summary = summary_data_from_transaction_data(
            orders, "customer_id", "date", monetary_value_col="amount", freq="D", freq_multiplier=7
        )
    seconds = time.perf_counter() - t1
    summary.to_parquet(out)
    _report(seconds, t1 - t0, customers=len(summary))


def _fit(tool: str, path: str) -> None:
    import pandas as pd

    summary = pd.read_parquet(path)
    t0 = time.perf_counter()
    if tool == "growthkit":
        from growthkit import clv

        t1 = time.perf_counter()
        model = clv.fit(summary, model="bgnbd")
        params = model.params
    else:
        from lifetimes import BetaGeoFitter

        t1 = time.perf_counter()
        fitter = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
        params = fitter.params_.to_dict()
    _report(time.perf_counter() - t1, t1 - t0, params={k: float(v) for k, v in params.items()})


def _score(tool: str, path: str) -> None:
    """12-month CLV for every customer from fitted BG/NBD and Gamma-Gamma models."""
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    summary = pd.read_parquet(path)
    f, r, T, m = (summary[c] for c in ("frequency", "recency", "T", "monetary_value"))
    bgf = BetaGeoFitter().fit(f, r, T)
    repeat = summary[(f > 0) & (m > 0)]
    ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    t0 = time.perf_counter()
    if tool == "growthkit":
        from growthkit import clv

        t1 = time.perf_counter()
        spend = ggf.params_.to_dict()
        values = clv.predict(
            clv.BetaGeoModel.from_params(bgf.params_.to_dict(), time_unit="weeks"),
            summary,
            clv.GammaGammaModel.from_params(
                {"p": spend["p"], "q": spend["q"], "gamma": spend["v"]}
            ),
            horizon_months=12,
            annual_discount_rate=0.10,
        )["clv_revenue"]
    else:
        t1 = time.perf_counter()
        values = ggf.customer_lifetime_value(
            bgf, f, r, T, m, time=12, discount_rate=(1.10 ** (1 / 12)) - 1, freq="W"
        )
    _report(time.perf_counter() - t1, t1 - t0, total=float(values.sum()))


def _report(seconds: float, import_seconds: float, **extra: object) -> None:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"seconds": seconds, "import_seconds": import_seconds, "peak_mb": peak_mb, **extra}
        )
    )


if __name__ == "__main__":
    step, tool, *paths = sys.argv[1:]
    {"rfm": _rfm, "fit": _fit, "score": _score}[step](tool, *paths)
