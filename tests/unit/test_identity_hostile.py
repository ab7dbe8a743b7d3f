"""Identities a player can't see or tell apart, and ids and text that must never reach SQL."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evoladder.domain.errors import ControlCharacters, DiscordIdOutOfRange, ValidationError
from evoladder.domain.identity import (
    DISCORD_ID_MAX,
    INVISIBLE_LETTERS,
    MESSAGES,
    parse_discord_id,
    require_plain_text,
    validate_identity,
)


@pytest.mark.parametrize("filler", sorted(INVISIBLE_LETTERS))
def test_an_alternative_id_made_of_fillers_is_refused(filler: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_identity("Maru", "Maru#1234", [filler * 4])
    assert (caught.value.field, caught.value.message) == ("alt_ids", MESSAGES["invisible"])


def test_a_filler_inside_an_otherwise_visible_id_is_refused() -> None:
    with pytest.raises(ValidationError, match="invisible"):
        validate_identity("Maru", "Maru#1234", ["테란\u3164왕"])


def test_a_battletag_name_of_fillers_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_identity("Maru", "\u115f\u3164\u3164#1234", [])
    assert caught.value.field == "battletag"


@given(
    st.text(alphabet=st.characters(categories=("Lu", "Ll", "Lo")), min_size=1, max_size=8),
    st.sampled_from(sorted(INVISIBLE_LETTERS)),
    st.integers(min_value=0, max_value=8),
)
def test_no_alternative_id_holding_a_filler_is_ever_accepted(letters: str, filler: str, at: int) -> None:
    candidate = letters[:at] + filler + letters[at:]
    with pytest.raises(ValidationError):
        validate_identity("Maru", "Maru#1234", [candidate])


@pytest.mark.parametrize(
    "look_alike",
    ["ａｌｉｃｅ", "𝖆𝖑𝖎𝖈𝖊", "𝐀𝐋𝐈𝐂𝐄", "ＡＬＩＣＥ"],
)
def test_look_alikes_of_the_main_id_are_the_same_id(look_alike: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_identity("Alice", "Alice#1234", [look_alike])
    assert caught.value.message == MESSAGES["distinct"]


def test_two_alternatives_that_differ_only_in_width_are_the_same_id() -> None:
    with pytest.raises(ValidationError, match="different"):
        validate_identity("Maru", "Maru#1234", ["테란왕", "테란왕"[:2] + "왕"])
    with pytest.raises(ValidationError, match="different"):
        validate_identity("Maru", "Maru#1234", ["Zerg7", "Ｚｅｒｇ７"])


@pytest.mark.parametrize("text", ["²", "¹²³", "١٢٣", "12a", "", "-5", " 12"])
def test_only_ascii_digits_are_an_id(text: str) -> None:
    assert parse_discord_id(text) is None


def test_ids_up_to_the_database_range_parse() -> None:
    assert parse_discord_id("123456789012345678") == 123456789012345678
    assert parse_discord_id(str(DISCORD_ID_MAX)) == DISCORD_ID_MAX


@pytest.mark.parametrize("text", [str(2**63), str(2**64 + 5), "9" * 30, "0"])
def test_ids_outside_the_database_range_get_a_clear_error(text: str) -> None:
    with pytest.raises(DiscordIdOutOfRange, match="at most 19 digits"):
        parse_discord_id(text)


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "reason\x1b[31m", "x\x7f", "lone \ud800 surrogate"])
def test_control_characters_are_refused(text: str) -> None:
    with pytest.raises(ControlCharacters) as caught:
        require_plain_text("reason", text)
    assert caught.value.field == "reason"


def test_ordinary_text_with_line_breaks_and_any_script_passes() -> None:
    text = "smurfing on 테란왕\tand Зерг\nsecond line"
    assert require_plain_text("reason", text) == text
