"""Exports: one CSV writer, text cells a spreadsheet would run as formulas neutralised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from growthkit.report.exports import export, neutralise, round_significant, write_csv


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


def test_floats_read_back_as_the_six_significant_digits_of_percent_g(tmp_path) -> None:
    rng = np.random.default_rng(20261208)
    values = rng.lognormal(0.0, 6.0, 200_000) * rng.choice([-1.0, 1.0], 200_000)
    edges = [0.0, -0.0, 5.0, 1000.0, 999999.5, 0.1, 123456.5, 1e22, 1e-17, 1e-300, 1e300,
             9.999995, 99999.95, np.nan, np.inf, -np.inf]
    values[: len(edges)] = edges
    rounded = round_significant(values)
    expected = np.array([float(f"{v:.6g}") for v in values])
    assert np.array_equal(rounded, expected, equal_nan=True)
    [path] = export({"floats.csv": pd.DataFrame({"x": values})}, tmp_path)
    back = pd.read_csv(path, float_precision="round_trip")["x"].to_numpy()
    assert np.array_equal(back, expected, equal_nan=True)


def test_every_column_type_is_written_as_pandas_writes_it(tmp_path) -> None:
    frame = pd.DataFrame({
        "id": [1, 2, 3],
        "flag": [True, False, True],
        "day": pd.to_datetime(["2024-01-05", "2024-02-29", None]),
        "label": ["a,b", 'say "hi"', None],
        "share": [0.1234567, None, 2.5],
    })
    path = write_csv(frame, tmp_path / "t.csv")
    assert path.read_text(encoding="utf-8").splitlines() == [
        '"id","flag","day","label","share"',
        '1,"True","2024-01-05","a,b",0.123457',
        '2,"False","2024-02-29","say ""hi""",',
        '3,"True",,,2.5',
    ]
