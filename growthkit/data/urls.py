"""Database URLs: where the database is, which table, and how to show the URL without secrets.

Every rule about source URLs lives here: :func:`redact` masks credentials for display,
:func:`conceal` hides them from files a report run writes (the real URL travels to the kernel
in an environment variable, never in the notebook), :func:`reveal` is the one place that turns a
concealed URL back into the real one, and :func:`absolute_source` makes relative file sources
absolute for a kernel that runs in another folder.
"""

from __future__ import annotations

import glob
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = [
    "CREDENTIALS_ENV",
    "FILE_DATABASES",
    "MASK",
    "DatabaseURL",
    "absolute_source",
    "conceal",
    "credentials_env",
    "parse_url",
    "redact",
    "reveal",
]

#: What a secret is replaced with.
MASK = "***"
#: Environment variable carrying ``{concealed URL: real URL}`` (JSON) to a report's kernel.
CREDENTIALS_ENV = "GROWTHKIT_CREDENTIALS"
#: Schemes whose database is a local file (``duckdb://rel.db``, ``duckdb:///abs.db``).
FILE_DATABASES = ("duckdb", "sqlite")

_SECRET_KEYS = re.compile(
    r"pass|pwd|secret|token|key|credential|auth|signature|sig$|session", re.IGNORECASE
)
_QUERY_IN_USERINFO = re.compile(r"\?[^@]*=")


@dataclass(frozen=True)
class DatabaseURL:
    """A source URL taken apart without losing characters a password may hold.

    Attributes
    ----------
    scheme : str
        ``duckdb``, ``sqlite``, ``postgresql``, ...
    userinfo : str or None
        ``user:password`` (or a bare token) before the last ``@`` of the authority.
    location : str
        Host and path after the userinfo (``host/db``, ``/abs/shop.duckdb``, ``rel.db``).
    query : list of (str, str)
        The query's keys and values, as written (``table`` included).
    """

    scheme: str
    userinfo: str | None
    location: str
    query: list[tuple[str, str]]

    @property
    def table(self) -> str | None:
        """The ``?table=`` value, if any."""
        return next((v for k, v in self.query if k == "table"), None)

    @property
    def database_file(self) -> str | None:
        """The database file of a ``duckdb://``/``sqlite://`` URL (None for servers/memory)."""
        if self.scheme.lower() not in FILE_DATABASES or self.location in ("", ":memory:"):
            return None
        return self.location

    def connect_url(self) -> str:
        """The URL to hand to :func:`ibis.connect`: ``table`` removed; file databases without
        userinfo (they have no authentication)."""
        query = [(k, v) for k, v in self.query if k != "table"]
        user = "" if self.userinfo is None or self.database_file else f"{self.userinfo}@"
        text = f"{self.scheme}://{user}{self.location}"
        return text + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")

    def redacted(self) -> str:
        """The URL with the password (or a bare token) and secret query values masked."""
        user = ""
        if self.userinfo is not None:
            name, sep, _ = self.userinfo.partition(":")
            user = f"{name}:{MASK}@" if sep else f"{MASK}@"
        query = "&".join(
            f"{k}={MASK if _SECRET_KEYS.search(k) and v else v}" if v else k
            for k, v in self.query
        )
        return f"{self.scheme}://{user}{self.location}" + (f"?{query}" if query else "")


def parse_url(text: str) -> DatabaseURL | None:
    """Split ``scheme://[userinfo@]location[?query]``; None when ``text`` is not a URL.

    Unlike :func:`urllib.parse.urlsplit` this keeps a password that holds an unescaped ``/``,
    ``#`` or ``?`` whole: the userinfo runs to the last ``@`` before the query.
    """
    scheme, sep, rest = text.partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*", scheme):
        return None
    userinfo = None
    at = rest.rfind("@")
    if at >= 0 and not _QUERY_IN_USERINFO.search(rest[:at]):
        userinfo, rest = rest[:at], rest[at + 1 :]
    elif at >= 0 and "@" in rest.split("?", 1)[0]:  # an "@" in the query, and one before it
        head = rest.split("?", 1)[0]
        cut = head.rfind("@")
        userinfo, rest = rest[:cut], rest[cut + 1 :]
    location, _, query_text = rest.partition("?")
    query = []
    for part in filter(None, query_text.split("&")):
        key, _, value = part.partition("=")
        query.append((key, value))
    return DatabaseURL(scheme, userinfo, location, query)


def redact(source: object) -> str:
    """Describe a source for display, with any credential masked.

    Parameters
    ----------
    source : object
        Anything :func:`growthkit.data.load` accepts.

    Returns
    -------
    str
        ``postgresql://analyst:***@db/shop?table=orders`` for a URL with a password (also when
        the password holds ``/`` or ``#``), ``?token=***`` (and ``password``, ``pwd``,
        ``secret``, ``api_key``, ``access_key``, ...) for secret query values, the path for a
        file, ``"sample:cdnow"`` for a sample, ``"DataFrame (69,659 rows)"`` for a DataFrame.
    """
    if isinstance(source, pd.DataFrame):
        return f"DataFrame ({len(source):,} rows)"
    if type(source).__name__ == "Table" and type(source).__module__.startswith("ibis"):
        return "Ibis table"
    text = os.fspath(source) if isinstance(source, os.PathLike) else str(source)
    url = parse_url(text)
    return text if url is None else url.redacted()


def conceal(value: object) -> tuple[object, dict[str, str]]:
    """Replace a secret-bearing source URL by its redacted form, for a report's kernel.

    Parameters
    ----------
    value : object
        A parameter value. Only strings holding a credential are changed.

    Returns
    -------
    (object, dict)
        The value to write into the notebook (redacted) and ``{redacted: real}`` for the
        kernel's :data:`CREDENTIALS_ENV` (empty when there was nothing to hide). Pass the
        merged mappings through :func:`credentials_env`.
    """
    if not isinstance(value, str):
        return value, {}
    safe = redact(value)
    return (safe, {safe: value}) if safe != value else (value, {})


def credentials_env(mapping: dict[str, str]) -> dict[str, str]:
    """The environment entry that lets :func:`reveal` in a kernel find the real URLs."""
    return {CREDENTIALS_ENV: json.dumps(mapping)} if mapping else {}


def reveal(text: str) -> str:
    """The real URL behind a concealed one (from :data:`CREDENTIALS_ENV`), else ``text``."""
    if MASK not in text:
        return text
    try:
        known = json.loads(os.environ.get(CREDENTIALS_ENV) or "{}")
    except ValueError:
        return text
    return known.get(text, text) if isinstance(known, dict) else text


def absolute_source(value: object) -> object:
    """Make a relative file path, glob or database file absolute.

    A report's kernel runs in another folder, so ``orders.csv`` and ``duckdb://shop.duckdb``
    (relative, as ibis reads it) become ``/abs/orders.csv`` and ``duckdb:///abs/shop.duckdb``.
    Anything else is returned unchanged.
    """
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        return value
    url = parse_url(value)
    if url is None:
        return os.path.abspath(value) if glob.glob(value) else value
    db = url.database_file
    if db is None or db.startswith("/") or not Path(db).exists():
        return value
    user = f"{url.userinfo}@" if url.userinfo is not None else ""
    query = "&".join(f"{k}={v}" if v else k for k, v in url.query)
    return f"{url.scheme}://{user}{os.path.abspath(db)}" + (f"?{query}" if query else "")
