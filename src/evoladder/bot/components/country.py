"""The /setcountry preview's Confirm and Cancel (persistent: the custom id carries the choice).

``evo:country:<owner>:<code>:set`` holds everything the confirmation needs, so it still works
after a restart; only the player who asked can press it.
"""

from __future__ import annotations

import re
from typing import Any, Self

import discord

from evoladder.bot.components.forms import closed_view, require_owner
from evoladder.bot.interaction import Call, FlowSpec, LadderItem, custom_id
from evoladder.bot.render import accounts as render
from evoladder.bot.reply import Answer, Reply
from evoladder.i18n.text import accounts as text

POLICY = "setcountry"


def preview_view(owner_uid: int, code: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmCountry(owner_uid, code))
    view.add_item(CancelCountry(owner_uid))
    return view


class ConfirmCountry(
    LadderItem[discord.ui.Button[Any]], template=r"evo:country:(?P<owner>\d+):(?P<code>[A-Z0-9]{1,8}):set"
):
    spec = FlowSpec("setcountry.confirm", policy=POLICY)

    def __init__(self, owner_uid: int, code: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=text.CONFIRM_LABEL,
                style=discord.ButtonStyle.success,
                custom_id=custom_id("country", owner_uid, code, "set"),
            )
        )
        self.owner_uid = owner_uid
        self.code = code

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["owner"]), match["code"])

    async def handle(self, call: Call) -> Answer:
        require_owner(call, self.owner_uid)
        player = await call.deps.accounts.set_country(call.uid, self.code)
        call.checkpoint("reads")
        country = call.deps.accounts.country(player.country or self.code)
        return Reply(content=render.setcountry_done(country), view=closed_view(), edit=True)


class CancelCountry(LadderItem[discord.ui.Button[Any]], template=r"evo:country:(?P<owner>\d+):cancel"):
    spec = FlowSpec("setcountry.cancel", policy=POLICY)

    def __init__(self, owner_uid: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=text.CANCEL_LABEL,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id("country", owner_uid, "cancel"),
            )
        )
        self.owner_uid = owner_uid

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["owner"]))

    async def handle(self, call: Call) -> Answer:
        require_owner(call, self.owner_uid)
        return Reply(content=text.SETCOUNTRY_CANCELLED, view=closed_view(), edit=True)


COUNTRY_ITEMS: tuple[type[LadderItem[Any]], ...] = (ConfirmCountry, CancelCountry)
