"""Keep the message catalogs in step with the code: extract, merge, compile, check.

``python -m growthkit.i18n.catalogs`` (``make catalogs``) extracts every domain's messages with
Babel into ``growthkit/locale/DOMAIN.pot``, merges them into each language's ``.po`` (new
messages arrive untranslated, changed ones fuzzy) and compiles the ``.mo`` files the reports
load. ``--check`` changes nothing and lists what is out of step: a message without a
translation, a fuzzy one, or a ``.mo`` that does not match its ``.po``. The test suite runs the
check, so no English string can reach an Arabic report unnoticed.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from growthkit.i18n.language import DOMAINS, LANGUAGES, LOCALE_DIR

__all__ = ["SOURCES", "check", "extract", "main", "update"]

_PACKAGE = LOCALE_DIR.parent

#: The files each domain's messages are extracted from, relative to the package folder.
SOURCES: dict[str, tuple[str, ...]] = {
    "growthkit": ("i18n", "report", "data", "formatting.py", "result.py", "plots/_theme.py",
                  "interactive.py"),
    "clv": ("clv", "rfm.py", "plots/clv.py", "notebooks/clv.ipynb"),
    "abtest": ("abtest", "plots/abtest.py", "notebooks/abtest.ipynb"),
    "cohorts": ("cohorts", "plots/cohorts.py", "notebooks/cohorts.ipynb"),
    "subscriptions": ("subscriptions", "plots/subscriptions.py", "notebooks/subscriptions.ipynb"),
}
_METHODS = {".py": "python", ".ipynb": "growthkit.i18n.extract:extract_notebook"}
_KEYWORDS = DEFAULT_KEYWORDS | {"N_": None}
_TRANSLATED = tuple(code for code in LANGUAGES if code != "en")


def _files(domain: str) -> list[Path]:
    files: list[Path] = []
    for entry in SOURCES[domain]:
        path = _PACKAGE / entry
        found = sorted(path.rglob("*")) if path.is_dir() else [path]
        files.extend(p for p in found if p.suffix in _METHODS and p.is_file())
    return files


def extract(domain: str) -> Catalog:
    """Every message of ``domain``'s source files, as a Babel catalog (the ``.pot``)."""
    catalog = Catalog(project="growthkit", domain=domain, fuzzy=False)
    for path in _files(domain):
        found = extract_from_file(
            _METHODS[path.suffix], str(path), keywords=_KEYWORDS, strip_comment_tags=True
        )
        for _lineno, message, comments, context in found:
            catalog.add(message, None, auto_comments=comments, context=context)
    return catalog


def _po_path(language: str, domain: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def _mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def _read(path: Path, language: str, domain: str) -> Catalog:
    if not path.exists():
        return Catalog(
            locale=language, domain=domain, project="growthkit", fuzzy=False,
            header_comment=f"# The {language} words of growthkit's {domain} catalog.\n"
            "# Run `make catalogs` after changing messages; see docs/ARCHITECTURE.md.",
        )
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=domain)
    catalog.fuzzy = False  # the header is reviewed with the messages
    return catalog


def update(domains: tuple[str, ...] = DOMAINS) -> None:
    """Extract, merge into every language's ``.po`` and compile the ``.mo`` files.

    Parameters
    ----------
    domains : tuple of str, default all
        The catalogs to update.
    """
    LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    for domain in domains:
        template = extract(domain)
        with (LOCALE_DIR / f"{domain}.pot").open("wb") as handle:
            write_po(handle, template, omit_header=True, no_location=True, sort_output=True)
        for language in _TRANSLATED:
            path = _po_path(language, domain)
            catalog = _read(path, language, domain)
            catalog.update(template, no_fuzzy_matching=False)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalog, no_location=True, sort_output=True,
                         ignore_obsolete=True, width=100)
            path.with_suffix(".mo").write_bytes(_mo_bytes(catalog))


def check() -> list[str]:
    """What is out of step, one line each; empty when every catalog is complete and compiled."""
    problems: list[str] = []
    for domain in DOMAINS:
        template = extract(domain)
        for language in _TRANSLATED:
            path = _po_path(language, domain)
            catalog = _read(path, language, domain)
            for message in template:
                if not message.id:
                    continue
                found = catalog.get(message.id, message.context)
                label = message.id if isinstance(message.id, str) else message.id[0]
                if found is None:
                    problems.append(f"{path.name} ({language}): missing: {label[:70]!r}")
                elif found.fuzzy:
                    problems.append(f"{path.name} ({language}): fuzzy: {label[:70]!r}")
                elif not all(found.string if isinstance(found.string, tuple)
                             else (found.string,)):
                    problems.append(f"{path.name} ({language}): untranslated: {label[:70]!r}")
            mo = path.with_suffix(".mo")
            if path.exists() and (not mo.exists() or mo.read_bytes() != _mo_bytes(catalog)):
                problems.append(f"{mo.name} ({language}): not compiled from {path.name}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """``python -m growthkit.i18n.catalogs [--check]``."""
    parser = argparse.ArgumentParser(prog="python -m growthkit.i18n.catalogs")
    parser.add_argument("--check", action="store_true", help="report, change nothing")
    parser.add_argument("--domain", action="append", choices=DOMAINS,
                        help="update only this catalog (repeatable); all by default")
    args = parser.parse_args(argv)
    if not args.check:
        update(tuple(args.domain or DOMAINS))
    problems = check()
    for line in problems:
        print(line)
    print(f"{len(problems)} catalog problem(s)", file=sys.stderr)
    return 1 if problems and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
