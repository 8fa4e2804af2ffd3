"""``gk.subscriptions`` is reached lazily, and the domain code loads no report machinery."""

from __future__ import annotations

import subprocess
import sys

import growthkit as gk


def _fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    return done.stdout.strip()


def test_subscriptions_is_a_lazy_public_module():
    assert "subscriptions" in gk.__all__ and "subscriptions" in dir(gk)
    out = _fresh("import sys, growthkit as gk; print('growthkit.subscriptions' in sys.modules); "
                 "print(gk.subscriptions.analyze.__module__)")
    assert out.splitlines() == ["False", "growthkit.subscriptions.analysis"]


def test_the_domain_package_does_not_load_the_report_layer_or_charts():
    loaded = _fresh(
        "import sys, growthkit.subscriptions; "
        "print(sorted(m for m in ('IPython', 'papermill', 'nbconvert', 'growthkit.report', "
        "'matplotlib', 'scipy.stats') if m in sys.modules))"
    )
    assert loaded == "[]"
