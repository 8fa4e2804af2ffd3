"""Notes are codes with arguments, rendered in the report's language, the same in the JSON."""

from __future__ import annotations

import datetime as dt

import numpy as np

from growthkit.i18n import get_language
from growthkit.i18n.bidi import FSI
from growthkit.notes import Note, note_dicts, note_texts


def test_a_note_renders_its_arguments_in_english_plain_text() -> None:
    note = Note(
        "plan_skipped", "{n} customers of {plan} left out since {day}", kinds={"day": "date"},
        n=np.int64(1234), plan="pro_<b>", day=dt.date(2024, 1, 2),
    )
    assert note.text() == "1,234 customers of pro_<b> left out since January 2, 2024"
    assert FSI not in note.text()


def test_in_markdown_data_is_escaped_and_isolated_and_codes_are_inline_code() -> None:
    note = Note("x", "set {param} for {plan}", kinds={"param": "code"}, param="plan_col",
                plan="*a*")
    text = note.text(get_language("en"), markdown=True)
    assert "`plan_col`" in text
    assert f"{FSI}\\*a\\*" in text


def test_arabic_numbers_are_isolated_and_the_json_is_the_same_in_every_language() -> None:
    note = Note("x", "{n} customers", n=3)
    assert note.text(get_language("ar", digits="arabic")).startswith(FSI + "٣")
    assert note.to_dict() == {"code": "x", "args": {"n": 3}, "text": "3 customers"}


def test_json_arguments_are_plain_python_values() -> None:
    note = Note("x", "{a} {b} {c}", a=np.float64(0.5), b=float("nan"), c=dt.date(2024, 5, 1))
    assert note.args == {"a": 0.5, "b": None, "c": "2024-05-01"}
    assert note.text() == "0.500 – 2024-05-01"  # three significant digits


def test_old_plain_string_notes_pass_through() -> None:
    assert note_texts(["plain", Note("y", "n {n}", n=2)]) == ["plain", "n 2"]
    assert note_dicts(["plain"]) == [{"code": "text", "args": {}, "text": "plain"}]


def test_notes_compare_by_code_and_arguments() -> None:
    assert Note("x", "{n}", n=1) == Note("x", "{n}", n=1)
    assert Note("x", "{n}", n=1) != Note("x", "{n}", n=2)
    assert len({Note("x", "{n}", n=1), Note("x", "{n}", n=1)}) == 1
