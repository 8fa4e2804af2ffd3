"""The landing page: in the language of its reports, linked to the same reports in another."""

from __future__ import annotations

import json
import re
from pathlib import Path

from growthkit.report.index import write_index


def _report(folder: Path, name: str, title: str, language: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    doc = {
        "report": name, "title": title, "growthkit_version": "0.1.0",
        "generated_at": "2026-11-23T10:00:00+00:00",
        "parameters": {"language": language},
        "metrics": {"headline": {"Customers": "5"}},
    }
    (folder / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (folder / f"{name}.html").write_text("<html></html>", encoding="utf-8")


def test_english_and_arabic_pages_link_to_each_other_whatever_the_order(tmp_path: Path) -> None:
    _report(tmp_path, "clv", "Customer lifetime value report", "en")
    write_index(tmp_path)
    english = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en" dir="ltr">' in english
    assert "ar/index.html" not in english  # no Arabic reports yet

    _report(tmp_path / "ar", "clv", "تقرير القيمة الدائمة للعميل", "ar")
    write_index(tmp_path / "ar")  # as `growthkit run ... --out reports/ar` does after a run
    arabic = (tmp_path / "ar" / "index.html").read_text(encoding="utf-8")
    english = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "<title>تقارير growthkit</title>" in arabic
    assert re.search(r'<a href="\.\./index\.html" lang="en"[^>]*>English</a>', arabic)
    assert re.search(r'<a href="ar/index\.html" lang="ar"[^>]*>العربية</a>', english)
    assert ">تقرير القيمة الدائمة للعميل</a>" in arabic  # reports listed by their title
    assert ">Customer lifetime value report</a>" in english
    assert "أُنشئ في" in arabic and "generated" not in arabic


def test_a_folder_with_no_language_reports_is_english(tmp_path: Path) -> None:
    write_index(tmp_path)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en" dir="ltr">' in page
    assert "No reports yet. Run:" in page


def test_a_rebuild_waits_for_one_in_progress_and_sees_its_reports(tmp_path: Path) -> None:
    import threading

    from growthkit.report.index import INDEX_LOCK
    from growthkit.report.lock import report_lock

    _report(tmp_path, "clv", "Customer lifetime value report", "en")
    with report_lock(tmp_path, INDEX_LOCK):  # another process rebuilding the page
        waiting = threading.Thread(target=write_index, args=(tmp_path,))
        waiting.start()
        _report(tmp_path, "abtest", "A/B test report", "en")  # published meanwhile
    waiting.join()
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert ">A/B test report</a>" in page and ">Customer lifetime value report</a>" in page
    assert not (tmp_path / f".{INDEX_LOCK}.lock").exists()
