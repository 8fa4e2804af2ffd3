"""Database URLs: where the database is, which table, and how to show the URL without secrets.

Every rule about source URLs lives here: :func:`redact` masks credentials for display,
:func:`conceal` hides them from files a report run writes (the real URL travels to the kernel
in an environment variable, never in the notebook), :func:`reveal` is the one place that turns a
concealed URL back into the real one, and :func:`absolute_source` makes relative file sources
absolute for a kernel that runs in another folder. Spark sources
(``spark:PATH_OR_TABLE?master=URL``) follow the same rules: :func:`parse_spark`.
"""

from __future__ import annotations

import glob
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CREDENTIALS_ENV",
    "FILE_DATABASES",
    "JDBC_PREFIX",
    "MASK",
    "SECRET_KEYS",
    "SPARK_FORMATS",
    "SPARK_PREFIX",
    "DatabaseURL",
    "SparkSource",
    "absolute_source",
    "conceal",
    "credentials_env",
    "parse_spark",
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

#: Query and DSN keys whose values are secrets: any key holding one of these words, or
#: ending in ``pw`` or ``sig`` (``pw``, ``db_pw``, ``sig``, ``X-Amz-Sig``).
SECRET_KEYS = re.compile(
    r"pass|pwd|secret|token|key|credential|auth|signature|session|jwt|private|pw$|sig$",
    re.IGNORECASE,
)
# ``KEY=VALUE`` in a key/value DSN (libpq ``host=db password='a b'``, ODBC ``Pwd=x;``, JDBC
# ``;password=x``): the value is quoted, or runs to the next space, ``;`` or ``&``.
_PAIR = re.compile(
    r"(?P<key>[A-Za-z_][\w.\-]*)(?P<eq>\s*=\s*)"
    r"(?P<value>'(?:[^'\\]|\\.)*'?|\"[^\"]*\"?|\{[^}]*\}?|[^\s;&]*)"
)
_DSN = re.compile(r"\s*[A-Za-z_][\w.\-]*\s*=")
#: What a JDBC URL starts with (``jdbc:postgresql://...``), before a URL of the usual form.
JDBC_PREFIX = "jdbc:"
#: What a Spark source starts with: ``spark:PATH_OR_TABLE[?master=URL&spark.KEY=VALUE...]``.
SPARK_PREFIX = "spark:"
#: File endings a Spark source reads, and the format of each; a path without one of them is a
#: folder of Parquet files (as Spark writes them).
SPARK_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".csv.gz": "csv",
                 ".tsv": "tsv"}
_SPARK_TABLE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*){0,2}")


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
        query = "&".join(f"{k}={_mask_value(k, v)}" if v else k for k, v in self.query)
        return f"{self.scheme}://{user}{self.location}" + (f"?{query}" if query else "")


def parse_url(text: str) -> DatabaseURL | None:
    """Split ``scheme://[userinfo@]location[?query]``; None when ``text`` is not a URL.

    Unlike :func:`urllib.parse.urlsplit` this keeps a password that holds an unescaped ``/``,
    ``#``, ``?`` or ``=`` whole: the userinfo is everything between ``//`` and the last ``@``.
    That ``@`` is taken as part of the query instead only when the text before the first ``?``
    is a host and a path (a ``/`` with no ``:`` before it: ``host/db?email=a@b.example``); a
    password can hold anything and still be the userinfo (:func:`userinfo_end`).
    """
    scheme, sep, rest = text.partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*", scheme):
        return None
    userinfo = None
    at = userinfo_end(rest)
    if at >= 0:
        userinfo, rest = rest[:at], rest[at + 1 :]
    location, _, query_text = rest.partition("?")
    query = []
    for part in filter(None, query_text.split("&")):
        key, _, value = part.partition("=")
        query.append((key, value))
    return DatabaseURL(scheme, userinfo, location, query)


def userinfo_end(rest: str) -> int:
    """Where the userinfo of ``rest`` (a URL after ``scheme://``) ends: its ``@``, or -1.

    The userinfo runs to the last ``@``, unless that ``@`` lies in the query: the text before
    the first ``?`` (after any ``@`` in it) holds a ``/`` with no ``:`` before it, a host and
    a path such as ``host/db?email=a@b`` or ``/abs/file.db?x=a@b``. Then the userinfo, if any,
    ends at the last ``@`` before that ``?``. Anything else, ``?`` and ``=`` included, is
    userinfo.
    """
    at = rest.rfind("@")
    if at < 0:
        return -1
    candidate = rest[:at]
    head, question, _ = candidate.partition("?")
    if not question:
        return at
    before = head.rfind("@")  # a userinfo ending before the "?", if any
    host = head[before + 1 :]
    slash = host.find("/")
    if slash < 0 or ":" in host[:slash]:
        return at  # no host and path before the "?": it is part of a password
    return before


@dataclass(frozen=True)
class SparkSource:
    """A Spark source taken apart: ``spark:PATH_OR_TABLE[?master=URL&spark.KEY=VALUE...]``.

    The target is a table of the session's catalog when it is a bare (dotted) name such as
    ``orders`` or ``sales.orders``; anything else (``/data/orders.parquet``, ``./orders``,
    ``hdfs:///warehouse/orders/``, ``s3a://bucket/orders.parquet``) is a path Spark reads.

    Attributes
    ----------
    target : str
        The path or table name, as written.
    query : list of (str, str)
        ``master`` (the Spark master URL: ``local[4]``, ``spark://head:7077``, ``yarn``, ...)
        and Spark settings (``spark.executor.memory=4g``), as written.
    """

    target: str
    query: list[tuple[str, str]]

    @property
    def master(self) -> str | None:
        """The ``?master=`` value, if any."""
        return next((v for k, v in self.query if k == "master"), None)

    @property
    def settings(self) -> dict[str, str]:
        """The Spark settings of the query (``spark.*`` keys)."""
        return {k: v for k, v in self.query if k.startswith("spark.")}

    @property
    def unknown(self) -> list[str]:
        """Query keys that are neither ``master`` nor a ``spark.*`` setting."""
        return [k for k, _ in self.query if k != "master" and not k.startswith("spark.")]

    @property
    def format(self) -> str | None:
        """``parquet``, ``csv`` or ``tsv`` for a path (by its ending; a folder is Parquet);
        None for a table name."""
        lower = self.target.lower()
        ending = next((e for e in sorted(SPARK_FORMATS, key=len, reverse=True)
                       if lower.endswith(e)), None)
        if ending is not None:
            return SPARK_FORMATS[ending]
        return None if _SPARK_TABLE.fullmatch(self.target) else "parquet"

    def text(self, target: str | None = None) -> str:
        """The source as written (with ``target`` in place of the target, if given)."""
        query = "&".join(f"{k}={v}" if v else k for k, v in self.query)
        return f"{SPARK_PREFIX}{target or self.target}" + (f"?{query}" if query else "")

    def redacted(self) -> str:
        """The source with credentials masked: a password in the target or the master URL,
        and secret settings (``spark.hadoop.fs.s3a.secret.key=***``)."""
        target = _redact_text(self.target)
        query = "&".join(
            f"{k}={_redact_text(v) if k == 'master' else _mask_value(k, v)}" if v else k
            for k, v in self.query
        )
        return f"{SPARK_PREFIX}{target}" + (f"?{query}" if query else "")


def parse_spark(text: str) -> SparkSource | None:
    """Split ``spark:PATH_OR_TABLE[?query]``; None when ``text`` is not a Spark source.

    A target that is a URL (``s3a://user:pa?ss@bucket/x.parquet``) is split as
    :func:`parse_url` splits it, so a password holding ``?`` stays in the target. A Spark
    master URL (``spark://host:7077``) is not a Spark source: it names no data.
    """
    if not text.startswith(SPARK_PREFIX) or text.startswith(SPARK_PREFIX + "//"):
        return None
    body = text[len(SPARK_PREFIX):]
    url = parse_url(body)
    if url is not None:
        user = f"{url.userinfo}@" if url.userinfo is not None else ""
        return SparkSource(f"{url.scheme}://{user}{url.location}", url.query)
    target, _, query_text = body.partition("?")
    query = [(k, v) for k, _, v in (p.partition("=") for p in query_text.split("&") if p)]
    return SparkSource(target, query)


def _mask_value(key: str, value: str) -> str:
    return MASK if SECRET_KEYS.search(key) and value else value


def _mask_pairs(text: str) -> str:
    """Every secret ``KEY=VALUE`` of a key/value text masked (``password=x`` -> ``***``)."""

    def masked(found: re.Match[str]) -> str:
        if not SECRET_KEYS.search(found["key"]) or not found["value"]:
            return found[0]
        return f"{found['key']}{found['eq']}{MASK}"

    return _PAIR.sub(masked, text)


def _redact_text(text: str) -> str:
    return _redact_string(text)


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
        file, ``"sample:cdnow"`` for a sample, ``"DataFrame (69,659 rows)"`` for a DataFrame,
        and Spark sources with the same rules (:meth:`SparkSource.redacted`).
    """
    pandas = sys.modules.get("pandas")  # a DataFrame exists only once pandas is imported
    if pandas is not None and isinstance(source, pandas.DataFrame):
        return f"DataFrame ({len(source):,} rows)"
    if type(source).__name__ == "Table" and type(source).__module__.startswith("ibis"):
        return "Ibis table"
    text = os.fspath(source) if isinstance(source, os.PathLike) else str(source)
    return _redact_string(text)


def _redact_string(text: str) -> str:
    """:func:`redact` for text: Spark, JDBC and other URLs, then key/value DSNs."""
    if text[: len(JDBC_PREFIX)].lower() == JDBC_PREFIX:
        return text[: len(JDBC_PREFIX)] + _redact_string(text[len(JDBC_PREFIX) :])
    spark = parse_spark(text)
    if spark is not None:
        return spark.redacted()
    url = parse_url(text)
    if url is not None:
        return _mask_pairs(url.redacted())  # JDBC-style ";password=x" properties too
    return _mask_pairs(text) if _DSN.match(text) else text


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

    A report's kernel runs in another folder, so ``orders.csv``, ``duckdb://shop.duckdb``
    (relative, as ibis reads it) and ``spark:orders.parquet`` become ``/abs/orders.csv``,
    ``duckdb:///abs/shop.duckdb`` and ``spark:/abs/orders.parquet``.
    Anything else is returned unchanged.
    """
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        return value
    spark = parse_spark(value)
    if spark is not None:
        local = spark.format is not None and parse_url(spark.target) is None
        if local and not os.path.isabs(spark.target) and os.path.exists(spark.target):
            return spark.text(os.path.abspath(spark.target))
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
