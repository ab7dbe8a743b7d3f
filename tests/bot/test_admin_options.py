"""/admin's typed Discord ids: ASCII digits within the database's range, or a clear error."""

from __future__ import annotations

import pytest

from evoladder.bot.cogs.admin_base import user_id
from evoladder.domain.errors import DiscordIdOutOfRange, ValidationError


@pytest.mark.parametrize("typed", ["123456789012345678", "<@123456789012345678>", " <@!123456789012345678> "])
def test_ids_and_mentions_parse(typed: str) -> None:
    assert user_id(typed) == 123456789012345678


@pytest.mark.parametrize("typed", ["99999999999999999999", "<@999999999999999999999>", str(2**63)])
def test_an_id_past_the_database_range_is_a_clear_error(typed: str) -> None:
    with pytest.raises(DiscordIdOutOfRange):
        user_id(typed)


@pytest.mark.parametrize("typed", ["１２３４５６７８９０１２３４５６７８", "12345678901234567²", "<@abc>"])
def test_non_ascii_digits_are_not_an_id(typed: str) -> None:
    with pytest.raises(ValidationError):
        user_id(typed)
