"""Notes, reasons and warnings as codes with arguments, rendered once in the report's language.

A domain module never writes a sentence for a reader. When a section is skipped, a fit is
unusable or the data need a caveat, it returns a :class:`Note`: a stable ``code`` (the JSON's and
dashboards' handle), an English message template marked for translation with
:func:`growthkit.i18n.N_` (``str.format`` placeholders), and the raw arguments. The narrative
renders it in the report's language (:meth:`Note.text`); the JSON carries the code, the
arguments and the English text (:meth:`Note.to_dict`), the same in every language. This follows
gbstats' messages (``gbstats/messages.py``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from growthkit.i18n import Language

__all__ = ["KINDS", "Note", "note_dicts", "note_texts"]

#: How an argument may be formatted: ``number`` (grouped integer or 3 significant digits),
#: ``percent`` (a share, 0.123 -> 12.3%), ``date``, ``data`` (a data-derived name: escaped and
#: bidi-isolated), ``code`` (a parameter name or value, shown as inline code), ``money:XXX``
#: (an ISO 4217 currency) and ``text`` (a word that is itself translated, e.g. a model name).
KINDS = ("number", "percent", "date", "data", "code", "text", "money")


class Note:
    """One note: a code, an English message template and its arguments.

    Parameters
    ----------
    code : str
        Stable identifier, ``snake_case`` (``"sbg_not_fitted"``).
    message : str
        The English template, marked with ``N_`` so catalogs extract it; placeholders are the
        argument names (``"sBG was not fitted for {plan}: {reason}"``).
    kinds : mapping of str to str, optional
        The formatting of each argument (see :data:`KINDS`); by default a string is ``data``
        and a number is ``number``.
    **args
        The arguments, as raw values (numbers, strings, dates).
    """

    __slots__ = ("args", "code", "kinds", "message")

    def __init__(
        self, code: str, message: str, /, *, kinds: Mapping[str, str] | None = None, **args: Any
    ) -> None:
        self.code = code
        self.message = message
        self.kinds = dict(kinds or {})
        self.args = {k: _plain(v) for k, v in args.items()}
        unknown = set(self.kinds) - set(self.args)
        if unknown:
            raise ValueError(f"Note {code!r}: kinds for missing arguments {sorted(unknown)}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Note):
            return NotImplemented
        return (self.code, self.message, self.args) == (other.code, other.message, other.args)

    def __hash__(self) -> int:
        return hash((self.code, self.message, tuple(sorted(map(repr, self.args.items())))))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.args.items())
        return f"Note({self.code!r}{', ' if args else ''}{args})"

    def __str__(self) -> str:
        return self.text()

    def text(self, lang: Language | None = None, *, markdown: bool = False) -> str:
        """The note as a sentence in ``lang`` (English, plain text, when None).

        Parameters
        ----------
        lang : Language, optional
            The report's language; its catalog translates the template.
        markdown : bool, default False
            Format for the report's Markdown (data-derived values escaped and isolated, codes as
            inline code) rather than plain text.

        Returns
        -------
        str
        """
        from growthkit.i18n import Language, as_language, strip_isolates

        if not isinstance(lang, Language):  # a report's Language keeps its own catalog
            lang = as_language(lang)
        template = lang.gettext(self.message)
        values = {
            key: _format(value, self.kinds.get(key), lang, markdown)
            for key, value in self.args.items()
        }
        out = template.format(**values)
        # Isolates only where the language needs them: plain English text carries none.
        return out if lang.rtl or markdown else strip_isolates(out)

    def to_dict(self) -> dict[str, Any]:
        """``{"code", "args", "text"}`` for the JSON: the English text, plain."""
        return {"code": self.code, "args": dict(self.args), "text": self.text()}


def note_texts(
    notes: Iterable[Note | str], lang: Language | None = None, *, markdown: bool = False
) -> list[str]:
    """Each note's sentence (a plain string passes through: older callers' notes)."""
    return [n.text(lang, markdown=markdown) if isinstance(n, Note) else str(n) for n in notes]


def note_dicts(notes: Iterable[Note | str]) -> list[dict[str, Any]]:
    """Each note as :meth:`Note.to_dict` (a plain string becomes code ``"text"``)."""
    return [
        n.to_dict() if isinstance(n, Note) else {"code": "text", "args": {}, "text": str(n)}
        for n in notes
    ]


def _plain(value: Any) -> Any:
    """A JSON-ready argument: numpy scalars as Python numbers, dates as ISO strings."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10] if not isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _format(value: Any, kind: str | None, lang: Language, markdown: bool) -> str:
    if value is None:
        return "–"
    if kind is None:
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        kind = "number" if numeric else "data"
    if kind == "number":
        if isinstance(value, int) or float(value).is_integer():
            return lang.number(value)
        return lang.significant(value)
    if kind == "percent":
        return lang.percent(value)
    if kind == "date":
        return lang.date(value)
    if kind.startswith("money"):
        return lang.money(value, kind.partition(":")[2] or "USD")
    if kind == "text":
        return lang.gettext(str(value))
    if kind == "code":
        return f"`{value}`" if markdown else str(value)
    if kind == "data":
        return lang.data(value) if markdown else lang.isolate(value)
    raise ValueError(f"unknown note argument kind {kind!r}; expected one of {KINDS}")
