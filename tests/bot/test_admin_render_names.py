"""Player-chosen names in admin answers show as typed: Discord markdown and mentions escaped.

A Discord name like ``__init__`` or ``*star*`` once rendered as bold or italics in the player file
and the confirmation questions, so an admin read a different name than the player has.
"""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from evoladder.bot.cogs.admin_base import display
from evoladder.bot.render import admin as render
from evoladder.domain.players import Player, PlayerState
from evoladder.game import load_game_data
from evoladder.services.admin_console import BanPreview, PlayerFile
from evoladder.services.admin_players import PlayerLookup

NOW = datetime(2026, 12, 1, tzinfo=UTC)
HOSTILE = "__mid_name__*x*~~s~~|a|@everyone"


def player(uid: int, username: str, main_id: str | None) -> Player:
    return Player(
        id=uid, discord_uid=uid, discord_username=username, main_id=main_id, battletag=None,
        alt_ids=(), country="KR", region="KRJ", terms_accepted_at=NOW, terms_declined_at=None,
        completed_setup_date=None, activated_at=None, quickstart_acknowledged_at=None,
        is_banned=False, ban_reason=None, aborts_left=3, aborts_period=0, state=PlayerState.IDLE,
        current_match_id=None, created_at=NOW, updated_at=NOW, version=1,
    )


def embed_text(card: discord.Embed) -> str:
    parts = [card.title or "", card.description or ""]
    parts += [f"{f.name}\n{f.value}" for f in card.fields]
    return "\n".join(parts)


def shown_as_typed(text: str) -> bool:
    escaped = discord.utils.escape_markdown(discord.utils.escape_mentions(HOSTILE))
    return escaped in text and HOSTILE not in text


def test_the_player_file_escapes_the_discord_name() -> None:
    p = player(11, HOSTILE, None)
    f = PlayerFile(PlayerLookup(p, (), {}, 3), (), (), {11: HOSTILE})
    text = embed_text(render.player_file(f, load_game_data()))
    assert shown_as_typed(text)


def test_several_players_list_escapes_names() -> None:
    files = [
        PlayerFile(PlayerLookup(player(uid, HOSTILE, None), (), {}, 3), (), (), {})
        for uid in (11, 12)
    ]
    reply = render.player_files(files, load_game_data())
    assert reply.content is not None and shown_as_typed(reply.content)


def test_the_ban_question_and_answers_escape_the_name() -> None:
    question = render.ban_question(BanPreview(player(11, HOSTILE, None), False, None), "smurf")
    assert shown_as_typed(question)
    assert shown_as_typed(display(player(11, HOSTILE, None)))
