"""``import growthkit as gk`` reaches every public module lazily, without side effects."""

from __future__ import annotations

import subprocess
import sys

import pytest

import growthkit as gk

MODULES = ("abtest", "clv", "cohorts", "data", "errors", "escaping", "formatting", "i18n",
           "notes", "numeric", "plots", "progress", "report", "result", "rfm", "samples",
           "settings", "subscriptions", "units", "validation")


def _fresh(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


def test_import_loads_no_engine_and_no_report_machinery():
    loaded = _fresh(
        "import sys, growthkit; "
        "print(sorted(m for m in ('ibis', 'pandas', 'IPython', 'papermill', 'matplotlib') "
        "if m in sys.modules))"
    )
    assert loaded == "[]"


@pytest.mark.parametrize("name", MODULES)
def test_each_public_module_is_an_attribute_in_a_fresh_interpreter(name):
    out = _fresh(f"import growthkit as gk; m = gk.{name}; print(m.__name__)")
    assert out == f"growthkit.{name}"


def test_every_public_module_file_is_listed():
    import pkgutil

    found = {m.name for m in pkgutil.iter_modules(gk.__path__) if not m.name.startswith("_")}
    assert found - {"notebooks"} == set(MODULES)


def test_dir_lists_every_module_and_function():
    names = dir(gk)
    for name in (*MODULES, "rfm_summary", "validate_orders", "load", "redact"):
        assert name in names and name in gk.__all__


def test_dir_lists_only_public_names():
    assert dir(gk) == sorted(gk.__all__)
    assert not {"Any", "TYPE_CHECKING", "annotations", "import_module"} & set(dir(gk))


def test_functions_are_the_modules_own():
    assert gk.rfm_summary is gk.rfm.rfm_summary
    assert gk.validate_orders is gk.data.validate_orders


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'cohort'"):
        gk.cohort  # noqa: B018


def test_domain_packages_do_not_load_the_report_layer():
    loaded = _fresh(
        "import sys, growthkit.abtest, growthkit.rfm, growthkit.data; "
        "print(sorted(m for m in ('IPython', 'papermill', 'nbconvert', 'growthkit.report') "
        "if m in sys.modules))"
    )
    assert loaded == "[]"
