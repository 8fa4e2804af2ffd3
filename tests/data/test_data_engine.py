"""growthkit.data.sources: the embedded engine's threads, memory limit and spill folder."""

from __future__ import annotations

import os

import pytest

from growthkit.data import sources
from growthkit.errors import GrowthkitError


@pytest.fixture
def fresh_engine():
    """engine() rebuilt from the environment the test sets, and rebuilt again afterwards."""
    sources.engine.cache_clear()
    yield sources.engine
    sources.engine.cache_clear()


def _clear(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in sources.ENGINE_ENV.values():
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_every_core_and_half_the_memory(monkeypatch):
    _clear(monkeypatch)
    settings = sources.engine_settings()
    assert settings["threads"] == str(os.cpu_count())
    mib = int(settings["memory_limit"].removesuffix("MiB"))
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert mib == int(physical * sources.MEMORY_SHARE / 2**20)
    assert settings["temp_directory"].endswith("growthkit-duckdb")
    assert settings["preserve_insertion_order"] == "false"


def test_the_engine_starts_with_the_settings_from_the_environment(monkeypatch, fresh_engine,
                                                                  tmp_path):
    _clear(monkeypatch)
    monkeypatch.setenv("GROWTHKIT_DUCKDB_THREADS", "1")
    monkeypatch.setenv("GROWTHKIT_DUCKDB_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("GROWTHKIT_DUCKDB_TEMP_DIRECTORY", str(tmp_path / "spill"))
    con = fresh_engine()
    got = con.raw_sql(
        "SELECT current_setting('threads'), current_setting('memory_limit'), "
        "current_setting('temp_directory'), current_setting('preserve_insertion_order')"
    ).fetchone()
    assert got[0] == 1
    assert got[1] == "953.6 MiB"  # 1GB = 10^9 bytes, shown in MiB
    assert got[2] == str(tmp_path / "spill")
    assert got[3] is False


def test_bad_thread_count_names_the_variable(monkeypatch):
    _clear(monkeypatch)
    monkeypatch.setenv("GROWTHKIT_DUCKDB_THREADS", "0")
    with pytest.raises(GrowthkitError, match=r"GROWTHKIT_DUCKDB_THREADS='0'; expected a whole"):
        sources.engine_settings()


def test_bad_memory_limit_names_the_variable(monkeypatch, fresh_engine):
    _clear(monkeypatch)
    monkeypatch.setenv("GROWTHKIT_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(GrowthkitError, match=r"GROWTHKIT_DUCKDB_MEMORY_LIMIT='lots' is not a "
                                             r"valid DuckDB memory_limit"):
        fresh_engine()
