"""Model fits run BLAS on ``blas_threads()`` threads (``$GROWTHKIT_BLAS_THREADS``, default 1)."""

from __future__ import annotations

from typing import ClassVar

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from growthkit.clv import BetaGeoModel, GammaGammaModel, spend
from growthkit.clv.fitting import BLAS_THREADS_ENV, DEFAULT_BLAS_THREADS, blas_threads
from growthkit.errors import GrowthkitError


def _blas_threads_now() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


class _Recording(BetaGeoModel):
    """BG/NBD that notes the BLAS thread count its likelihood is evaluated with."""

    seen: ClassVar[set[int]] = set()

    @staticmethod
    def loglik(params, rows):
        _Recording.seen |= _blas_threads_now()
        return BetaGeoModel.loglik(params, rows)


@pytest.mark.parametrize(("outside", "setting"), [(2, None), (2, "1"), (1, "2")])
def test_fit_runs_blas_on_the_set_number_of_threads(outside, setting, cdnow, monkeypatch):
    if setting is None:
        monkeypatch.delenv(BLAS_THREADS_ENV, raising=False)
    else:
        monkeypatch.setenv(BLAS_THREADS_ENV, setting)
    expected = DEFAULT_BLAS_THREADS if setting is None else int(setting)
    with threadpool_limits(limits=outside, user_api="blas"):
        before = _blas_threads_now()
        assert before == {outside}  # the setting differs from the threads around the fit
        _Recording.seen = set()
        _Recording().fit(cdnow)
        assert _Recording.seen == {expected}
        assert _blas_threads_now() == before  # restored after the fit


def test_spend_fit_is_limited_too(cdnow, monkeypatch):
    monkeypatch.delenv(BLAS_THREADS_ENV, raising=False)
    seen: set[int] = set()
    loglik = spend._loglik

    def recording(params, data):
        seen.update(_blas_threads_now())
        return loglik(params, data)

    monkeypatch.setattr(spend, "_loglik", recording)
    with threadpool_limits(limits=2, user_api="blas"):
        GammaGammaModel().fit(cdnow)
    assert seen == {DEFAULT_BLAS_THREADS}


@pytest.mark.parametrize("value", ["0", "two", "-1", "1.5"])
def test_bad_setting_is_refused_naming_the_variable(value, monkeypatch):
    monkeypatch.setenv(BLAS_THREADS_ENV, value)
    with pytest.raises(GrowthkitError, match=rf"{BLAS_THREADS_ENV}='{value}'.*whole number"):
        blas_threads()


def test_default_is_one_thread(monkeypatch):
    monkeypatch.delenv(BLAS_THREADS_ENV, raising=False)
    assert blas_threads() == DEFAULT_BLAS_THREADS == 1
