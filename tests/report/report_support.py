"""Constants, helpers and the result type shared by the report tests and their conftest."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "s3cr3t-pw"
SECRET_URL = f"postgresql://analyst:{SECRET}@db.example.com/shop?table=orders"
MASKED_URL = "postgresql://analyst:***@db.example.com/shop?table=orders"
GROWTHKIT = Path(sys.executable).parent / "growthkit"  # the console script pyproject declares
PROGRESS_LINE = "demo step: counted"  # what demo.ipynb logs to the "growthkit" logger


@dataclass(frozen=True)
class Built:
    """What the session's CLI runs produced (see ``conftest.built``)."""

    out: Path
    demo_exit: int
    demo_stdout: str
    all_exit: int


def user_env(notebooks: Path = FIXTURES) -> dict[str, str]:
    """The environment of a user's shell: the fixtures as the reports, no pytest variables.

    ipykernel changes how it handles output when it sees ``PYTEST_CURRENT_TEST``, so kernels
    started by the tests must not inherit it, or they would not run as a user's do.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    return env | {"GROWTHKIT_NOTEBOOKS": str(notebooks)}


def growthkit(*argv: str, notebooks: Path = FIXTURES) -> subprocess.CompletedProcess[str]:
    """Run the ``growthkit`` command in its own process, as a user would."""
    return subprocess.run(
        [str(GROWTHKIT), *argv],
        capture_output=True,
        text=True,
        env=user_env(notebooks),
        check=False,
        timeout=180,
    )


def assert_error_line(stderr: str, line: str) -> None:
    """``line`` is on stderr, whole, and no traceback is (other kernel noise may be)."""
    assert line in stderr.splitlines(), stderr
    assert "Traceback" not in stderr, stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, hidden ones included, by relative path."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
