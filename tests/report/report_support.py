"""Constants and the result type shared by the report tests and their conftest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "s3cr3t-pw"
SECRET_URL = f"postgresql://analyst:{SECRET}@db.example.com/shop?table=orders"
MASKED_URL = "postgresql://analyst:***@db.example.com/shop?table=orders"


@dataclass(frozen=True)
class Built:
    """What the session's CLI runs produced (see ``conftest.built``)."""

    out: Path
    demo_exit: int
    demo_stdout: str
    all_exit: int
