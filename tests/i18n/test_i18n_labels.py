"""Display names for data values: parsed once, used by the report's Language."""

from __future__ import annotations

import json

import pytest

from growthkit.errors import GrowthkitError
from growthkit.i18n import get_language, parse_labels, strip_isolates


def test_cli_text_scoped_and_unscoped_names() -> None:
    labels = parse_labels("channel:paid_social=إعلانات مدفوعة,seo=بحث,plan:a\\,b=Plan A\\=B")
    assert labels.name("paid_social", "channel") == "إعلانات مدفوعة"
    assert labels.name("paid_social", "plan") == "paid_social"  # scoped to another column
    assert labels.name("seo") == "بحث" and labels.name("seo", "channel") == "بحث"
    assert labels.name("a,b", "plan") == "Plan A=B"
    assert labels.name(42) == "42"


def test_a_language_carries_its_labels_across_catalogs_into_markdown() -> None:
    lang = get_language("ar").with_labels({"channel": {"paid_social": "إعلانات *مدفوعة*"}})
    clv = lang.for_domain("clv")
    assert clv.name("paid_social", "channel") == "إعلانات *مدفوعة*"
    assert strip_isolates(clv.data("paid_social", "channel")) == "إعلانات \\*مدفوعة\\*"
    assert get_language(clv, domain="cohorts").labels == lang.labels


def test_files_give_names_per_language(tmp_path) -> None:
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"en": {"channel": {"seo": "Search"}},
                                "ar": {"channel": {"seo": "بحث"}}}), encoding="utf-8")
    assert parse_labels(str(path), "ar").name("seo", "channel") == "بحث"
    assert parse_labels(path, "en").name("seo", "channel") == "Search"
    table = tmp_path / "labels.csv"
    table.write_text("column,value,en,ar\nchannel,seo,Search,بحث\n,web,Web,الويب\n",
                     encoding="utf-8")
    assert parse_labels(str(table), "ar").name("web", "plan") == "الويب"


@pytest.mark.parametrize("spec", ["channel:seo", "=x", "seo="])
def test_a_malformed_entry_is_one_line_naming_it(spec) -> None:
    with pytest.raises(GrowthkitError, match=r"^labels: ") as info:
        parse_labels(spec)
    assert "\n" not in str(info.value)


def test_a_csv_without_the_language_column_names_what_it_found(tmp_path) -> None:
    table = tmp_path / "labels.csv"
    table.write_text("column,value,fr\nchannel,seo,Recherche\n", encoding="utf-8")
    with pytest.raises(GrowthkitError, match="expected columns 'column', 'value' and 'ar'"):
        parse_labels(str(table), "ar")
