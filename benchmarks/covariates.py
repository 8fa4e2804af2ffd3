"""Pareto/NBD with five customer covariates on a million customers: time and memory of one fit.

Customers are drawn from the model itself (``ParetoNBDCovariateModel.simulate``, seeded):
two binary covariates, one three-level text covariate (two dummy columns) and two standard
normal ones, all on both processes (12 coefficients and r, α, s, β), with T uniform on 1-104
weeks, so almost no two customers share a (frequency, recency, T, covariates) row. The summary
is simulated in one process and written to ``benchmarks/data/``; a fresh process reads it and
times ``fit_covariates`` alone, then the standard errors (``model.coefficients``: the
Hessian from 2k analytic gradients), reporting wall and CPU time of each, the number of
likelihood evaluations of the fit (on the 25,000-customer sample it starts from, and on all),
the peak resident memory of that process (``ru_maxrss``) against its memory before the fit,
and every estimate against the truth in standard errors (a check that the fit found the right
maximum, not a timing).

Usage: ``python benchmarks/covariates.py [--customers 1000000]``. Output: a Markdown table on
stdout and ``benchmarks/results/covariates.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "results"
SEED = 20261208
TRUTH = {"r": 0.8, "alpha": 8.0, "s": 0.7, "beta": 20.0}
#: Purchase and dropout coefficients of the six design columns, in design order:
#: promo, mobile, channel[referral], channel[web], age_z, income_z.
PURCHASE = np.array([0.4, -0.2, 0.6, -0.3, 0.15, 0.25])
DROPOUT = np.array([-0.5, 0.3, 0.8, 0.3, -0.1, 0.2])


def data_file(n: int) -> Path:
    return DATA / f"covariates_{n}.parquet"


def simulate(n: int) -> None:
    """Write the summary and covariates of ``n`` simulated customers."""
    from growthkit.clv.covariate_models import ParetoNBDCovariateModel
    from growthkit.clv.covariates import CovariateDesign

    rng = np.random.default_rng(SEED)
    profiles = pd.DataFrame({
        "promo": (rng.random(n) < 0.3).astype(float),
        "mobile": (rng.random(n) < 0.6).astype(float),
        "channel": rng.choice(["store", "web", "referral"], n, p=[0.5, 0.3, 0.2]),
        "age_z": rng.standard_normal(n),
        "income_z": rng.standard_normal(n),
    })
    X = CovariateDesign.from_frame(profiles).matrix(profiles)
    T = rng.uniform(1.0, 104.0, n)
    summary = ParetoNBDCovariateModel.simulate(TRUTH, X @ PURCHASE, X @ DROPOUT, T,
                                               seed=SEED + 1)
    DATA.mkdir(exist_ok=True)
    pd.concat([summary, profiles], axis=1).to_parquet(data_file(n))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def task(n: int) -> dict:
    """Fit in this process; time and memory of the fit alone."""
    from growthkit.clv.covariate_models import fit_covariates

    frame = pd.read_parquet(data_file(n))
    summary = frame[["frequency", "recency", "T"]]
    covariates = frame.drop(columns=["frequency", "recency", "T"])
    before = rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    model = fit_covariates(summary, "paretonbd", covariates, time_unit="weeks")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    se_wall, se_cpu = time.perf_counter(), time.process_time()
    table = model.coefficients  # the covariance: the Hessian from 2k gradients
    se_wall, se_cpu = time.perf_counter() - se_wall, time.process_time() - se_cpu
    peak_se = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    truth = np.concatenate([PURCHASE, DROPOUT])
    z = (table["estimate"].to_numpy() - truth) / table["std_error"].to_numpy()
    base = model.summary()
    base_z = [(model.params[k] - v) / base.loc[k, "std. error"] for k, v in TRUTH.items()]
    return {"customers": n, "coefficients": len(table), "fit_seconds": wall,
            "fit_cpu_seconds": cpu, "likelihood_evaluations": model.evaluations,
            "rss_before_mb": before, "peak_rss_mb": peak,
            "std_errors_seconds": se_wall, "std_errors_cpu_seconds": se_cpu,
            "peak_rss_with_std_errors_mb": peak_se,
            "distinct_rows": model.n_distinct_rows,
            "max_abs_z_coefficients": float(np.max(np.abs(z))),
            "max_abs_z_base": float(np.max(np.abs(base_z))),
            "log_likelihood": model.log_likelihood}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--task", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.task:
        print(json.dumps(task(args.customers)))
        return
    if not data_file(args.customers).exists():
        simulate(args.customers)
    out = subprocess.run([sys.executable, __file__, "--task", "--customers",
                          str(args.customers)], check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "covariates.json").write_text(json.dumps(result, indent=2) + "\n")
    print("| customers | coefficients | fit (s) | fit CPU (s) | evaluations | standard errors "
          "(s) | SE CPU (s) | peak RSS (MB) | RSS before fit (MB) | max abs z |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {result['customers']:,} | {result['coefficients']} | {result['fit_seconds']:.1f} "
          f"| {result['fit_cpu_seconds']:.1f} | "
          f"{result['likelihood_evaluations']['sample']} on the sample, "
          f"{result['likelihood_evaluations']['full']} on all | "
          f"{result['std_errors_seconds']:.1f} | {result['std_errors_cpu_seconds']:.1f} | "
          f"{result['peak_rss_with_std_errors_mb']:,.0f} | {result['rss_before_mb']:,.0f} | "
          f"{max(result['max_abs_z_coefficients'], result['max_abs_z_base']):.2f} |")


if __name__ == "__main__":
    main()
