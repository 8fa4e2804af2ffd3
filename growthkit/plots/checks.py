"""Checks that a drawn chart does not mislead: no text over text or over another chart, tick
labels that say their tick's value.

:func:`figure_problems` inspects a drawn figure through matplotlib's renderer (every text's and
axes' window extent). :func:`install` is a ``figure.hooks`` entry: with
``figure.hooks: growthkit.plots.checks:install`` in a ``matplotlibrc`` (``MATPLOTLIBRC``) and
``GROWTHKIT_CHART_PROBLEMS`` naming a file, every figure a report draws appends its problems to
that file as JSON lines, so the test suite checks every chart of every report as it is drawn.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator
from typing import Any

from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter, Formatter, FuncFormatter
from matplotlib.transforms import Bbox

from growthkit.progress import REPORT_ENV

__all__ = ["PROBLEMS_ENV", "figure_problems", "install", "tick_value"]

#: The environment variable naming the JSON-lines file :func:`install` appends problems to.
PROBLEMS_ENV = "GROWTHKIT_CHART_PROBLEMS"

#: Overlaps smaller than this many pixels in either direction are anti-aliasing, not collisions.
_SLACK = 1.0
_CONTROLS = re.compile("[\u200e\u200f\u061c\u2066-\u2069\u202a-\u202e]")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩٫٬−", "0123456789.,-")
_NUMBER = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(%?)$")


def tick_value(text: str) -> tuple[float, float, bool] | None:
    """A tick label read as a number: (value, half of its last digit's unit, is a percent).

    Only plain numbers are read (grouping, a sign, a decimal part and a percent sign, in Latin
    or Arabic-Indic digits); a label with words, currency or a compact unit is not (None).
    """
    clean = _CONTROLS.sub("", text).translate(_DIGITS).replace("\u00a0", "").strip()
    clean = clean.replace("٪", "%")
    found = _NUMBER.match(clean)
    if not found:
        return None
    decimals = len(found.group(1) or "")
    value = float(clean.rstrip("%").replace(",", ""))
    return value, 0.5 * 10.0 ** -decimals, bool(found.group(2))


def _visible_texts(fig: Figure) -> Iterator[tuple[Text, Axes | None]]:
    """Every drawn, non-empty text with the axes it belongs to (None: the figure's own)."""
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        ticks: set[int] = set()
        drawn: set[int] = set()
        for axis in (ax.xaxis, ax.yaxis):
            ticks.update(map(id, axis.get_majorticklabels() + axis.get_minorticklabels()))
            if axis.get_visible():
                drawn.update(map(id, _drawn_tick_labels(axis)))
        for t in ax.findobj(Text):
            if id(t) not in ticks or id(t) in drawn:
                yield t, ax
    yield from ((t, None) for t in fig.texts)


def _drawn_tick_labels(axis: Axis) -> list[Text]:
    """The major tick labels matplotlib draws: those whose tick lies in the view interval."""
    low, high = sorted(axis.get_view_interval())
    span = high - low
    return [
        label
        for loc, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels(), strict=False)
        if low - 1e-9 * span <= loc <= high + 1e-9 * span
        and label.get_visible()
        and label.get_text().strip()
    ]


def _shown(t: Text) -> bool:
    return bool(t.get_visible() and t.get_text().strip() and (t.get_alpha() is None
                                                              or t.get_alpha() > 0))


def _overlap(a: Bbox, b: Bbox) -> bool:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width > _SLACK and height > _SLACK


def _name(t: Text) -> str:
    return repr(_CONTROLS.sub("", t.get_text()).strip()[:40])


def figure_problems(fig: Figure, *, draw: bool = True) -> list[str]:
    """What misleads in a drawn figure, one line each (empty when nothing does).

    - two texts overlap (a value label over the title, crowded tick labels);
    - a text of one axes, or of the figure, lies over another axes' area (a colour bar or a
      title over a chart's data);
    - two axes overlap (a colour bar over a heatmap);
    - a numeric tick label does not round-trip to its tick (2.5 labelled "2", 0.025 as "2%").

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    draw : bool, default True
        Lay the figure out first (False when it has just been drawn).

    Returns
    -------
    list of str
    """
    if draw:
        fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    problems: list[str] = []
    texts = [(t, ax, t.get_window_extent(renderer)) for t, ax in _visible_texts(fig) if _shown(t)]
    for i, (a, _, box_a) in enumerate(texts):
        for b, _, box_b in texts[i + 1:]:
            if _overlap(box_a, box_b):
                problems.append(f"text {_name(a)} overlaps text {_name(b)}")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    areas = {ax: ax.get_window_extent(renderer) for ax in axes}
    for i, a in enumerate(axes):
        for b in axes[i + 1:]:
            if _overlap(areas[a], areas[b]):
                problems.append(f"axes {a.get_label() or i} overlaps axes {b.get_label() or '?'}")
    for t, owner, box in texts:
        for ax in axes:
            if ax is not owner and _overlap(box, areas[ax]):
                problems.append(f"text {_name(t)} lies over another chart's area")
                break
    for ax in axes:
        problems.extend(_tick_problems(ax))
    return problems


def _fixed_labels(formatter: Formatter) -> bool:
    """Whether the tick labels were given as a list (``set_ticks(locs, labels)``).

    matplotlib 3.11 keeps such labels in a FuncFormatter over a partial of a dict from tick
    location to label; older versions in a FixedFormatter.
    """
    if isinstance(formatter, FixedFormatter):
        return True
    func = getattr(formatter, "func", None)
    return (isinstance(formatter, FuncFormatter) and isinstance(func, functools.partial)
            and any(isinstance(arg, dict) for arg in func.args))


def _tick_problems(ax: Axes) -> list[str]:
    out = []
    for axis in (ax.xaxis, ax.yaxis):
        formatter = axis.get_major_formatter()
        if not axis.get_visible() or _fixed_labels(formatter):
            continue  # fixed labels name categories (heatmap rows), not values
        if type(formatter).__module__ == "matplotlib.dates":
            continue  # dates: the label names the period the tick falls in
        for loc, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels(),
                              strict=False):
            if label not in _drawn_tick_labels(axis):
                continue
            read = tick_value(label.get_text())
            if read is None:
                continue
            value, half_unit, percent = read
            candidates = (100 * loc,) if percent else (loc, 100 * loc)
            if not any(abs(value - c) < half_unit - 1e-12 * max(1.0, abs(c))
                       or abs(value - c) <= 1e-9 * max(1.0, abs(c)) for c in candidates):
                out.append(f"tick at {loc:g} is labelled {_name(label)}")
    return out


def install(fig: Figure) -> None:
    """A ``figure.hooks`` entry: on every draw, append the figure's problems to the file named
    by :data:`PROBLEMS_ENV` (one JSON object per problem: ``report``, the report being run as
    ``growthkit run`` names it, or None; ``title``; ``problem``)."""
    path = os.environ.get(PROBLEMS_ENV)
    if not path:
        return
    seen: set[str] = set()
    report = os.environ.get(REPORT_ENV)

    def check(event: Any) -> None:
        if getattr(check, "busy", False):
            return
        check.busy = True  # type: ignore[attr-defined]
        try:
            titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
            found = [p for p in figure_problems(fig, draw=False) if p not in seen]
            seen.update(found)
            if found:
                with open(path, "a", encoding="utf-8") as out:
                    for problem in found:
                        line = {"report": report, "title": titles[:1], "problem": problem}
                        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        finally:
            check.busy = False  # type: ignore[attr-defined]

    fig.canvas.mpl_connect("draw_event", check)
