"""A report's parameters, declared once: defaults, bounds and help in one frozen dataclass.

Each report declares ``NAMESettings(Settings)``, a frozen dataclass whose fields are
:func:`setting` s. From that one declaration come ``analyze``'s checks
(:meth:`Settings.from_parameters`), the JSON ``parameters`` (:meth:`Settings.to_json`) and the
runner's up-front parameter checks (:meth:`Settings.check`), as scikit-learn's
``_param_validation`` declares constraints once. A bound is a constraint object:
:class:`Interval`, :class:`Options`, :class:`Flag`, :class:`Text`, :class:`Columns`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import numbers
import os
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from growthkit.errors import GrowthkitError

__all__ = [
    "Columns",
    "Constraint",
    "Day",
    "Flag",
    "Interval",
    "Options",
    "Settings",
    "Text",
    "Unchecked",
    "setting",
]


class Constraint:
    """A rule a parameter's value must meet; :meth:`check` returns the value, normalised."""

    #: Whether None is accepted (the section is skipped).
    optional: bool = False

    def check(self, name: str, value: Any) -> Any:
        """``value`` as the report uses it, or a :class:`GrowthkitError` naming ``name``."""
        raise NotImplementedError

    def none_ok(self, name: str, value: Any) -> bool:
        """Whether ``value`` is None and None is accepted (raise when it is not)."""
        if value is None:
            if self.optional:
                return True
            raise GrowthkitError(f"{name}=None is not allowed; expected {self.expected()}")
        return False

    def expected(self) -> str:
        """What a valid value is, in a few words (for messages and help)."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Interval(Constraint):
    """A real (or whole) number in ``[low, high]``; ``closed`` says which ends are included.

    Parameters
    ----------
    low, high : float or None
        The bounds; None for no bound on that side.
    closed : {"both", "left", "right", "neither"}
    integer : bool
        Whether the value must be a whole number.
    optional : bool
        Whether None is accepted.
    """

    low: float | None = None
    high: float | None = None
    closed: str = "both"
    integer: bool = False
    optional: bool = False

    def expected(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        if self.low is None and self.high is None:
            return kind
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"{kind} in {left}{low}, {high}{right}"

    def check(self, name: str, value: Any) -> Any:
        if self.none_ok(name, value):
            return None
        if isinstance(value, str):
            try:
                value = float(value) if not self.integer else int(value)
            except ValueError:
                raise GrowthkitError(
                    f"{name}={value!r} is not a number; expected {self.expected()}"
                ) from None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise GrowthkitError(f"{name}={value!r} is not a number; expected {self.expected()}")
        if not math.isfinite(float(value)):
            raise GrowthkitError(f"{name}={value!r} is not finite; expected {self.expected()}")
        if self.integer:
            if float(value) != int(value):
                raise GrowthkitError(
                    f"{name}={value!r} is not a whole number; expected {self.expected()}"
                )
            value = int(value)
        else:
            value = float(value)
        low_ok = self.low is None or (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        high_ok = self.high is None or (
            value <= self.high if self.closed in ("both", "right") else value < self.high
        )
        if not (low_ok and high_ok):
            raise GrowthkitError(f"{name}={value!r} is out of range; expected {self.expected()}")
        return value


@dataclasses.dataclass(frozen=True)
class Options(Constraint):
    """One of a fixed set of values."""

    values: tuple[Any, ...] = ()
    optional: bool = False

    def expected(self) -> str:
        return "one of " + ", ".join(map(repr, self.values))

    def check(self, name: str, value: Any) -> Any:
        if self.none_ok(name, value):
            return None
        if value not in self.values:
            raise GrowthkitError(
                f"{name}={value!r} is not a valid option; expected {self.expected()}"
            )
        return value


_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


@dataclasses.dataclass(frozen=True)
class Flag(Constraint):
    """True or False; the strings ``"true"``/``"false"`` (any case) as the CLI writes them.

    Any other value is an error: ``"False"`` is never read as true.
    """

    optional: bool = False

    def expected(self) -> str:
        return "True or False"

    def check(self, name: str, value: Any) -> Any:
        if self.none_ok(name, value):
            return None
        if isinstance(value, bool):
            return value
        if type(value).__name__ == "bool_":  # numpy's bool
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise GrowthkitError(f"{name}={value!r} is not a flag; expected {self.expected()}")


@dataclasses.dataclass(frozen=True)
class Text(Constraint):
    """A non-empty string (a column name, a currency code, a date, a path)."""

    optional: bool = False
    what: str = "a text value"
    allow_path: bool = False
    allow_date: bool = False

    def expected(self) -> str:
        return self.what

    def check(self, name: str, value: Any) -> Any:
        if self.none_ok(name, value):
            return None
        if self.allow_path and isinstance(value, os.PathLike):
            return value
        if self.allow_date and isinstance(value, dt.date):
            return value
        if not isinstance(value, str) or not value.strip():
            raise GrowthkitError(f"{name}={value!r} is not valid; expected {self.expected()}")
        return value


@dataclasses.dataclass(frozen=True)
class Columns(Constraint):
    """Column names: a list, or one comma-separated string as the CLI gives it."""

    optional: bool = False

    def expected(self) -> str:
        return "column names (a list, or 'a,b,c')"

    def check(self, name: str, value: Any) -> Any:
        if self.none_ok(name, value):
            return None
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
            raise GrowthkitError(f"{name}={value!r} is not valid; expected {self.expected()}")
        return tuple(value)


@dataclasses.dataclass(frozen=True)
class Day(Constraint):
    """A calendar day: a date, or text or a YYYYMMDD number (``growthkit.data.as_date``
    checks the form where the report reads it); ``"auto"`` only where the report chooses the
    day from the data.

    Parameters
    ----------
    optional : bool
        Whether None is accepted.
    auto : bool
        Whether ``"auto"`` is accepted.
    """

    optional: bool = False
    auto: bool = False

    def expected(self) -> str:
        ways = ["a date such as 2024-06-30"]
        if self.auto:
            ways.append("'auto' (chosen from the data)")
        if self.optional:
            ways.append("None")
        return ", ".join(ways[:-1]) + " or " + ways[-1] if len(ways) > 1 else ways[0]

    def check(self, name: str, value: Any) -> Any:
        if self.none_ok(name, value):
            return None
        word = value.strip().lower() if isinstance(value, str) else None
        if word == "auto" and self.auto:
            return "auto"
        if word in ("auto", "") or isinstance(value, bool):
            raise GrowthkitError(f"{name}={value!r} is not valid; expected {self.expected()}")
        return value


class Unchecked(Constraint):
    """No constraint (a source, a DataFrame, a mapping): checked where it is used."""

    optional = True

    def expected(self) -> str:
        return "any value"

    def check(self, name: str, value: Any) -> Any:
        return value


#: The constraint of a setting declared without one.
ANYTHING = Unchecked()


def setting(default: Any, constraint: Constraint = ANYTHING, help: str = "") -> Any:
    """A field of a :class:`Settings` dataclass: its default, its constraint and its help.

    Parameters
    ----------
    default : object
        The default value (immutable).
    constraint : Constraint
        What a valid value is.
    help : str
        One line for the notebook's parameters cell and the docs.
    """
    return dataclasses.field(
        default=default, metadata={"constraint": constraint, "help": help}
    )


@dataclasses.dataclass(frozen=True)
class Settings:
    """Base of every report's settings (a frozen dataclass of :func:`setting` fields)."""

    #: The report's name (``"clv"``), set by each subclass.
    report: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            constraint = field.metadata.get("constraint", ANYTHING)
            value = constraint.check(field.name, getattr(self, field.name))
            object.__setattr__(self, field.name, value)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The parameter names, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def constraints(cls) -> dict[str, Constraint]:
        """Each parameter's constraint."""
        return {f.name: f.metadata.get("constraint", ANYTHING) for f in dataclasses.fields(cls)}

    @classmethod
    def from_parameters(cls, **parameters: Any) -> Settings:
        """Settings from keyword parameters; an unknown name is an error listing the valid ones.

        Raises
        ------
        GrowthkitError
            For an unknown name or a value outside its constraint.
        """
        unknown = [name for name in parameters if name not in cls.names()]
        if unknown:
            raise GrowthkitError(
                f"unknown parameter {unknown[0]!r} for the {cls.report} report; expected one of "
                f"{', '.join(cls.names())}"
            )
        return cls(**parameters)

    @classmethod
    def check(cls, parameters: Mapping[str, Any]) -> None:
        """Check the named parameters only (the runner's up-front check before a run)."""
        constraints = cls.constraints()
        for name, value in parameters.items():
            if name in constraints:
                constraints[name].check(name, value)

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (checked again)."""
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The parameters as JSON values (paths and dates as strings, tuples as lists)."""
        out: dict[str, Any] = {}
        for name in self.names():
            value = getattr(self, name)
            if isinstance(value, os.PathLike):
                value = os.fspath(value)
            elif isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out
