"""Display names for values from the data: ``paid_social`` shown as "Paid social" or
"إعلانات مدفوعة", in tables, charts and narrative, never in JSON keys.

A report's ``labels`` parameter is parsed once by :func:`parse_labels` into :class:`Labels`, which
the report's :class:`~growthkit.i18n.Language` carries (``Language.name(value, column)``).
Accepted forms:

- a mapping ``{"channel": {"paid_social": "Paid social"}}`` (``None`` or ``"*"`` as the column:
  any column) or ``{"paid_social": "Paid social"}``;
- text as the CLI gives it: ``"channel:paid_social=إعلانات مدفوعة,seo=بحث"`` (a value without
  ``column:`` applies to any column; ``\\,`` and ``\\=`` are literal);
- a file: JSON (``{"ar": {"channel": {...}}, "en": {...}}`` per language, or one mapping for
  all) or CSV with columns ``column,value`` and a column per language (``en``, ``ar``) or
  ``name``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from growthkit.errors import GrowthkitError

__all__ = ["ANY_COLUMN", "Labels", "parse_labels"]

#: The column key of a display name that applies to a value in any column.
ANY_COLUMN = "*"

_SPLIT = re.compile(r"(?<!\\),")


@dataclass(frozen=True)
class Labels:
    """Display names: ``(column, value) -> name``, hashable, ``column`` ``"*"`` for any."""

    entries: tuple[tuple[str, str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.entries)

    def name(self, value: object, column: str | None = None) -> str:
        """The display name of ``value`` (from ``column`` when given), else ``str(value)``."""
        text = str(value)
        scoped = any_column = None
        for col, raw, shown in self.entries:
            if raw == text:
                if column is not None and col == column:
                    scoped = shown
                elif col == ANY_COLUMN:
                    any_column = shown
        return scoped or any_column or text


def parse_labels(spec: Any, language: str = "en", *, parameter: str = "labels") -> Labels:
    """:class:`Labels` from a report's ``labels`` parameter, for the report's ``language``.

    Parameters
    ----------
    spec : mapping, str, path or None
        See the module docstring.
    language : str
        The report's language code (``"ar"``), which picks a file's per-language names.
    parameter : str
        The parameter's name, for messages.

    Returns
    -------
    Labels

    Raises
    ------
    GrowthkitError
        For a malformed entry, an unreadable file, or a file without names for ``language``.
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return Labels()
    if isinstance(spec, Labels):
        return spec
    if isinstance(spec, Mapping):
        return Labels(tuple(_entries(spec, parameter)))
    path = Path(str(spec))
    if isinstance(spec, Path) or (path.suffix.lower() in (".json", ".csv") and path.is_file()):
        return _from_file(path, language.split("_")[0], parameter)
    if not isinstance(spec, str):
        raise GrowthkitError(
            f"{parameter}={spec!r} is not valid; expected 'column:value=name,...', a mapping, or "
            "a .json or .csv file"
        )
    entries = []
    for part in filter(None, (p.strip() for p in _SPLIT.split(spec))):
        key, sep, shown = part.partition("=")
        while key.endswith("\\") and sep:  # "a\=b=name": the first "=" was literal
            more, sep, shown = shown.partition("=")
            key = f"{key[:-1]}={more}"
        if not sep or not key.strip() or not shown.strip():
            raise GrowthkitError(
                f"{parameter}: {part!r} is not 'value=name' or 'column:value=name'"
            )
        column, colon, value = key.partition(":")
        if not colon:
            column, value = ANY_COLUMN, key
        entries.append((column.strip(), _unescape(value.strip()), _unescape(shown.strip())))
    return Labels(tuple(entries))


def _unescape(text: str) -> str:
    return text.replace("\\,", ",").replace("\\=", "=")


def _entries(mapping: Mapping[Any, Any], parameter: str) -> list[tuple[str, str, str]]:
    out = []
    for key, value in mapping.items():
        if isinstance(value, Mapping):
            column = ANY_COLUMN if key is None else str(key)
            out.extend((column, str(raw), str(shown)) for raw, shown in value.items())
        elif isinstance(value, str):
            out.append((ANY_COLUMN, str(key), value))
        else:
            raise GrowthkitError(f"{parameter}: the name of {key!r} is {value!r}; expected text")
    return out


def _from_file(path: Path, language: str, parameter: str) -> Labels:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise GrowthkitError(f"{parameter}={str(path)!r} cannot be read: {error}") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise GrowthkitError(f"{parameter}={str(path)!r} is not valid JSON: {error}") from None
        if not isinstance(data, Mapping):
            raise GrowthkitError(f"{parameter}={str(path)!r}: expected a JSON object")
        if language in data and isinstance(data[language], Mapping):
            data = data[language]
        return Labels(tuple(_entries(data, parameter)))
    rows = list(csv.DictReader(text.splitlines()))
    header = set(rows[0]) if rows else set()
    name_col = language if language in header else "name" if "name" in header else None
    if not {"value"} <= header or name_col is None:
        raise GrowthkitError(
            f"{parameter}={str(path)!r}: expected columns 'column', 'value' and '{language}' "
            f"(or 'name'); found {', '.join(sorted(header)) or 'none'}"
        )
    return Labels(tuple(
        ((row.get("column") or ANY_COLUMN).strip(), row["value"], row[name_col])
        for row in rows if row.get(name_col)
    ))
