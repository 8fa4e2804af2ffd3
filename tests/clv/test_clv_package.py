"""The ``growthkit.clv`` package: its import is light and it never reaches the report layer."""

from __future__ import annotations

import json
import subprocess
import sys

REPORT_MACHINERY = ("IPython", "papermill", "nbformat", "nbconvert", "growthkit.report",
                    "matplotlib")


def test_importing_clv_loads_no_report_machinery():
    # A fresh interpreter: this test process has imported all of them already.
    code = (
        "import json, sys\n"
        "import growthkit.clv\n"
        "import growthkit.clv.narrative\n"
        f"print(json.dumps([m for m in {REPORT_MACHINERY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout) == []
