"""Parse the metric, CUPED, ratio and weight specifications a notebook passes as strings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from growthkit.errors import GrowthkitError

__all__ = [
    "metric_names", "parse_cuped", "parse_measured_at", "parse_metrics", "parse_ratios",
    "parse_weights",
]


def _items(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _pairs(value: str, name: str, example: str) -> list[tuple[str, str]]:
    """Split ``"a:b,c:d"`` into pairs, naming the parameter on a malformed entry."""
    pairs = []
    for item in _items(value):
        key, sep, val = item.partition(":")
        if not sep or not key.strip() or not val.strip():
            raise GrowthkitError(f"{name}: entry {item!r} is not of the form {example!r}")
        pairs.append((key.strip(), val.strip()))
    return pairs


def _ratio_of(text: str, name: str) -> tuple[str, str]:
    num, sep, den = text.partition("/")
    if not sep or not num.strip() or not den.strip():
        raise GrowthkitError(f"{name}: {text!r} is not of the form 'numerator/denominator'")
    return num.strip(), den.strip()


def metric_names(metrics: str | Sequence[str]) -> list[str]:
    """The metric names in the order given, ratios (``"num/den"``) in their place.

    The first is the primary (decision) metric, whether a column or a ratio.
    """
    items = _items(metrics) if isinstance(metrics, str) else [str(m).strip() for m in metrics]
    return list(dict.fromkeys(items))


def parse_metrics(metrics: str | Sequence[str]) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """Split a metric list into plain metrics and ratio metrics written ``"num/den"``.

    ``"converted,revenue,revenue/sessions"`` gives ``["converted", "revenue"]`` and
    ``{"revenue/sessions": ("revenue", "sessions")}``.
    """
    items = _items(metrics) if isinstance(metrics, str) else [str(m).strip() for m in metrics]
    if not items:
        raise GrowthkitError("metrics: found no metric; expected at least one column name")
    plain = [m for m in items if "/" not in m]
    ratios = {m: _ratio_of(m, "metrics") for m in items if "/" in m}
    return list(dict.fromkeys(plain)), ratios


def parse_cuped(cuped: str | Mapping[str, str] | None) -> dict[str, str]:
    """``"revenue:pre_revenue"`` or ``{"revenue": "pre_revenue"}`` → metric → covariate."""
    if cuped is None:
        return {}
    if isinstance(cuped, str):
        return dict(_pairs(cuped, "cuped", "metric:pre_period_column"))
    return {str(k): str(v) for k, v in cuped.items()}


def parse_measured_at(measured_at: str | Mapping[str, str] | None) -> dict[str, str]:
    """``"revenue:pre_revenue_at"`` or a dict → metric → the column with the time its CUPED
    covariate was measured."""
    if measured_at is None:
        return {}
    if isinstance(measured_at, str):
        return dict(_pairs(measured_at, "cuped_measured_at", "metric:time_column"))
    return {str(k): str(v) for k, v in measured_at.items()}


def parse_ratios(
    ratio_metrics: str | Mapping[str, Sequence[str]] | None,
) -> dict[str, tuple[str, str]]:
    """``"rps:revenue/sessions"`` or ``{"rps": ("revenue", "sessions")}`` → name → (num, den)."""
    if ratio_metrics is None:
        return {}
    if isinstance(ratio_metrics, str):
        pairs = _pairs(ratio_metrics, "ratio_metrics", "name:numerator/denominator")
        return {name: _ratio_of(spec, "ratio_metrics") for name, spec in pairs}
    out = {}
    for name, spec in ratio_metrics.items():
        if isinstance(spec, str) or len(spec) != 2:
            raise GrowthkitError(
                f"ratio_metrics[{name!r}]: found {spec!r}; expected a (numerator, denominator) pair"
            )
        out[str(name)] = (str(spec[0]), str(spec[1]))
    return out


def parse_weights(weights: str | Mapping[str, float] | None) -> dict[str, float] | None:
    """``"control:0.5,treatment:0.5"`` or a dict → arm → expected share (not yet normalised)."""
    if weights is None:
        return None
    pairs = _pairs(weights, "expected_weights", "arm:weight") if isinstance(weights, str) else (
        list(weights.items())
    )
    out = {}
    for arm, w in pairs:
        try:
            out[str(arm)] = float(w)
        except (TypeError, ValueError):
            raise GrowthkitError(
                f"expected_weights[{arm!r}]: found {w!r}; expected a positive number"
            ) from None
    return out
