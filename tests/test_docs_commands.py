"""The README's and docs' commands name real reports, parameters, make targets and samples."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from growthkit.report import list_reports
from growthkit.samples import SAMPLES

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```(?:sh|bash|console)\n(.*?)```", re.S)


def commands(page: Path) -> list[list[str]]:
    """Each shell command of ``page``'s sh blocks, continuation lines joined, as words."""
    found = []
    for block in BLOCK.findall(page.read_text(encoding="utf-8")):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            if line and not line.startswith("#"):
                found.append(shlex.split(line))
    return found


def growthkit_runs(page: Path) -> list[list[str]]:
    return [c[c.index("run") + 1:] for c in commands(page)
            if any(w.endswith("growthkit") for w in c[:1]) and "run" in c]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_growthkit_runs_name_real_reports_and_parameters(page: Path) -> None:
    reports = list_reports()
    for words in growthkit_runs(page):
        names = [w for w in words if not w.startswith("-")]
        report = names[0]
        if report == "--all" or words[0] == "--all":
            continue
        assert report in reports, f"{page.name}: no report {report!r}"
        given = [words[i + 1] for i, w in enumerate(words) if w == "-p"]
        unknown = sorted(set(given) - set(reports[report]) - {"language", "digits"})
        assert not unknown, f"{page.name}: {report} has no parameter {unknown}"
        for i, word in enumerate(words):
            value = words[i + 1] if i + 1 < len(words) else ""
            if word == "--data" and value.startswith("sample:"):
                assert value.removeprefix("sample:") in SAMPLES, f"{page.name}: {value}"


def test_make_targets_in_the_pages_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z]+):", makefile, re.M))
    for page in PAGES:
        for words in commands(page):
            if words[:1] == ["make"] and len(words) > 1:
                assert words[1] in targets, f"{page.name}: make {words[1]}"


def test_readme_lists_every_sample() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [s for s in SAMPLES if f"sample:{s}" not in readme] == []
