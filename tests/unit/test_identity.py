"""Identity validation: one clear message per rule."""

from __future__ import annotations

import pytest

from evoladder.domain.errors import ValidationError
from evoladder.domain.identity import MESSAGES, validate_identity


def test_valid_identity_with_unicode_alternatives() -> None:
    ident = validate_identity("  Maru ", "마루마루#1234", ["테란왕", "", "星灵大师"])
    assert ident.main_id == "Maru"
    assert ident.battletag == "마루마루#1234"
    assert ident.alt_ids == ("테란왕", "星灵大师")


def test_two_alternatives_kept_in_order() -> None:
    assert validate_identity("Maru", "Maru#123", ["테란왕", "Зерг"]).alt_ids == ("테란왕", "Зерг")


@pytest.mark.parametrize(
    ("main", "tag", "alts", "field", "message"),
    [
        ("Ma", "Maru#1234", [], "main_id", MESSAGES["main_id"]),
        ("ThirteenChars", "Maru#1234", [], "main_id", MESSAGES["main_id"]),
        ("Ma ru", "Maru#1234", [], "main_id", MESSAGES["main_id"]),
        ("Maru1", "Maru#1234", [], "main_id", MESSAGES["main_id"]),
        ("마루마루", "Maru#1234", [], "main_id", MESSAGES["main_id"]),
        ("Maru", "Maru1234", [], "battletag", MESSAGES["battletag"]),
        ("Maru", "Maru#12", [], "battletag", MESSAGES["battletag"]),
        ("Maru", "1Maru#1234", [], "battletag", MESSAGES["battletag"]),
        ("Maru", "Ma#1234", [], "battletag", MESSAGES["battletag"]),
        ("Maru", "Maru#12a4", [], "battletag", MESSAGES["battletag"]),
        ("Maru", "Maru#1234", ["ab"], "alt_ids", MESSAGES["alt_ids"]),
        ("Maru", "Maru#1234", ["a b c"], "alt_ids", MESSAGES["alt_ids"]),
        ("Maru", "Maru#1234", ["x" * 13], "alt_ids", MESSAGES["alt_ids"]),
        ("Maru", "Maru#1234", ["one", "two", "three"], "alt_ids", MESSAGES["alt_count"]),
        ("Maru", "Maru#1234", ["maru"], "alt_ids", MESSAGES["distinct"]),
        ("Maru", "Maru#1234", ["Other", "OTHER"], "alt_ids", MESSAGES["distinct"]),
    ],
)
def test_each_rule_has_its_message(main: str, tag: str, alts: list[str], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_identity(main, tag, alts)
    assert info.value.field == field
    assert info.value.message == message
