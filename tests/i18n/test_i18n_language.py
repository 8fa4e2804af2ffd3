"""Language: Babel formats per language and digits, currency codes, catalogs and fallbacks."""

from __future__ import annotations

import pytest

from growthkit.errors import GrowthkitError
from growthkit.i18n import (
    LANGUAGES,
    check_currency,
    get_language,
    isolate,
    strip_isolates,
)

NBSP = "\u00a0"
RLM = "\u200f"


def shown(text: str) -> str:
    """What a reader sees: no bidi controls, ordinary spaces."""
    return strip_isolates(text).replace(NBSP, " ")


@pytest.mark.parametrize(
    ("currency", "english", "arabic"),
    [
        ("USD", "$702K", "702 ألف US$"),
        ("EUR", "€702K", "702 ألف €"),
        ("SAR", "SAR 702K", "702 ألف ر.س."),
        ("AED", "AED 702K", "702 ألف د.إ."),
        ("EGP", "EGP 702K", "702 ألف ج.م."),
    ],
)
def test_money_is_compact_in_each_language_with_the_iso_currency(
    currency: str, english: str, arabic: str
) -> None:
    assert shown(get_language("en").money(702_000, currency)) == english
    assert shown(get_language("ar").money(702_000, currency)) == arabic


def test_money_keeps_three_significant_digits_cents_below_100_and_never_breaks() -> None:
    en = get_language("en")
    assert [en.money(v, "USD") for v in (1_234_567, 30_500, 999.4, 5.531, -1.23e6)] == [
        "$1.23M", "$30.5K", "$999", "$5.53", "-$1.23M"
    ]
    assert en.money(1234.5, "USD", compact=False) == "$1,234.50"
    assert " " not in get_language("ar").money(30_500, "SAR")  # only non-breaking spaces
    assert en.money(float("nan"), "USD") == "–"


def test_arabic_digits_follow_the_locale_or_the_digits_parameter() -> None:
    assert shown(get_language("ar").number(3540)) == "3,540"  # CLDR's ar: Latin digits
    assert shown(get_language("ar_EG").number(3540)) == "٣٬٥٤٠"  # ar_EG: Arabic-Indic
    assert shown(get_language("ar_EG", digits="latin").number(3540.25, 2)) == "3,540.25"
    assert shown(get_language("ar", digits="arabic").money(30_500, "SAR")) == "٣٠٫٥ ألف ر.س."
    assert shown(get_language("ar", digits="arabic").percent(0.093)) == "٩٫٣%"
    assert shown(get_language("ar", digits="arabic").date("1997-09-30")) == "٣٠ سبتمبر ١٩٩٧"


def test_percent_probability_pvalue_for_readers() -> None:
    en = get_language("en")
    assert en.percent(0.0934, signed=True) == "+9.3%"
    assert en.percent(-0.0934, signed=True) == "-9.3%"
    assert en.percent(0.5, 0) == "50%"
    assert en.probability(0.99995) == ">99.9%"
    assert en.probability(0.00001) == "<0.1%"
    assert en.small_share(0.00001) == "<0.01%"
    assert en.pvalue(1.11e-09) == f"<{NBSP}0.001"
    assert en.pvalue(0.02345) == "0.023"
    assert en.percent(float("inf")) == "n/a"
    assert get_language("ar").percent(None) == "غير متاح"


def test_numbers_have_separators_and_significant_digits() -> None:
    en = get_language("en")
    assert en.number(14119) == "14,119"
    assert en.number(3259.474, 1) == "3,259.5"
    assert en.significant(3259.474) == "3,259"
    assert en.significant(0.024312) == "0.0243"
    assert en.date("1997-09-30") == "September 30, 1997"


def test_arabic_numbers_are_isolated_so_signs_stay_with_them() -> None:
    ar = get_language("ar")
    text = ar.percent(0.093, signed=True)
    assert text == isolate("+9.3%")
    assert get_language("en").percent(0.093, signed=True) == "+9.3%"  # LTR: nothing to do


def test_data_strings_are_escaped_then_isolated() -> None:
    en = get_language("en")
    assert en.data("اشترى") == "\u2068اشترى\u2069"
    assert en.data("<b>") == "\u2068&lt;b&gt;\u2069"
    assert isolate(isolate("x")) == isolate("x")


def test_direction_and_catalog_words() -> None:
    ar, en = get_language("ar"), get_language("en")
    assert (ar.direction, ar.code, en.direction) == ("rtl", "ar", "ltr")
    assert ar.gettext("Parameters") == "المعاملات"
    assert en.gettext("Parameters") == "Parameters"
    # A report's catalog falls back to the shared one, then to the English message.
    assert ar.for_domain("clv").gettext("Parameters") == "المعاملات"
    assert ar.gettext("A message no catalog has") == "A message no catalog has"


def test_arabic_plural_forms_come_from_the_catalog() -> None:
    ar = get_language("ar")
    forms = [
        ar.ngettext("{n} report; it opens offline.", "{n} reports; each opens offline.", n)
        for n in (1, 2, 3, 11, 100)
    ]
    assert len(set(forms)) == 5  # one, two, few, many, other: five different words


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [({"language": "fr"}, "language='fr'"), ({"language": "xx-??"}, "language='xx-??'"),
     ({"digits": "roman"}, "digits='roman'")],
)
def test_bad_language_or_digits_is_one_line_naming_the_parameter(
    kwargs: dict[str, str], named: str
) -> None:
    with pytest.raises(GrowthkitError, match=r"^" + named.replace("?", r"\?")) as caught:
        get_language(**kwargs)
    assert "\n" not in str(caught.value)
    assert "expected one of" in str(caught.value)


def test_currency_must_be_an_iso_code() -> None:
    assert check_currency("sar") == "SAR"
    with pytest.raises(GrowthkitError, match=r"currency='dollars' is not an ISO 4217"):
        check_currency("dollars")


def test_every_language_has_a_direction() -> None:
    assert [get_language(code).direction for code in LANGUAGES] == ["ltr", "rtl"]


@pytest.mark.parametrize(("currency", "symbol"), [("USD", "US$"), ("GBP", "UK£"), ("JPY", "JP¥"),
                                                  ("EUR", "€"), ("CHF", "CHF")])
def test_a_latin_or_sign_currency_symbol_keeps_its_order_in_arabic(currency, symbol) -> None:
    """Without an isolate, right-to-left text shows "UK£" as "£UK"."""
    for text in (get_language("ar").money(12.5, currency, compact=False),
                 get_language("ar").money(1_234_567, currency)):
        assert f"\u2066{symbol}\u2069" in text


def test_a_money_column_keeps_one_unit_and_one_precision() -> None:
    en = get_language("en")
    assert en.money_column([1080, 1770, 10100, 11200], "USD") == [
        "$1.08K", "$1.77K", "$10.10K", "$11.20K"]
    assert en.money_column([1010, 1030, 527, 0], "USD") == ["$1,010", "$1,030", "$527", "$0"]
    assert en.money_column([12.69, 3.39, None], "USD") == ["$12.69", "$3.39", "–"]
    arabic = get_language("ar", digits="arabic").money_column([1080, 10100], "SAR")
    assert [strip_isolates(t).split("\u00a0")[0] for t in arabic] == ["١٫٠٨", "١٠٫١٠"]
