"""Exports: one CSV writer, text cells a spreadsheet would run as formulas neutralised."""

from __future__ import annotations

import pandas as pd

from growthkit.report.exports import export, neutralise


def test_formula_cells_get_a_leading_quote_and_numbers_stay_numbers(tmp_path) -> None:
    frame = pd.DataFrame(
        {"segment": ['=HYPERLINK("http://evil.example/9","x")', "+cmd|' /C calc'!A0", "-1",
                     "@SUM(A1)", "\tx", "safe"],
         "value": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0]},
        index=pd.Index(["=a", "b", "c", "d", "e", "f"], name="customer_id"),
    )
    safe = neutralise(frame)
    assert safe["segment"].tolist() == [
        '\'=HYPERLINK("http://evil.example/9","x")', "'+cmd|' /C calc'!A0", "'-1", "'@SUM(A1)",
        "'\tx", "safe",
    ]
    assert safe["value"].tolist() == [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0]
    assert safe.index[0] == "'=a"
    [path] = export({"out.csv": frame}, tmp_path)
    back = pd.read_csv(path)
    assert back.columns.tolist() == ["customer_id", "segment", "value"]
    assert back["value"].tolist() == [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0]
    assert not any(str(v).startswith(("=", "+", "@")) for v in back["segment"])
