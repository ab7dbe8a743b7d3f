"""Match notifications as messages: the match message's states, the DMs, the admin log lines.

Pure: each function takes an event of :mod:`evoladder.services.events` (plus the game data for
display names) and returns a :class:`~evoladder.bot.reply.Reply` describing the message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord

from evoladder.bot.components.match import AbortMatch, ConfirmMatch, ResultSelect
from evoladder.bot.reply import Reply
from evoladder.domain.rating import Outcome
from evoladder.game import GameData
from evoladder.i18n import names
from evoladder.i18n.text import admin as admin_text
from evoladder.i18n.text import match as text
from evoladder.services import events as ev

FOUND_COLOUR = discord.Colour.gold()
DETAILS_COLOUR = discord.Colour.green()
CLOSED_COLOUR = discord.Colour.dark_grey()


def when(moment: datetime) -> str:
    """A Discord timestamp: every reader sees it relative, in their own language and zone."""
    return discord.utils.format_dt(moment, "R")


def race_name(game: GameData, code: str) -> str:
    return names.race(game.races.get(code), code)


def mention(discord_uid: int) -> str:
    return f"<@{discord_uid}>"


def outcome_for(outcome: Outcome, slot: int) -> str:
    if outcome is Outcome.DRAW:
        return text.OUTCOME_DRAW
    return text.OUTCOME_WON if int(outcome) == slot else text.OUTCOME_LOST


def slot_of(event: ev.ToMatch, discord_uid: int) -> int:
    return 1 if discord_uid == event.player_1 else 2


# --- the match message -------------------------------------------------------------------------


def match_found(event: ev.MatchFound, game: GameData, deadline: datetime) -> Reply:
    """The match card: the player's own race and ``deadline`` (when it is sent, the player's own
    deadline or a moment the armed one can only exceed); nothing about the opponent."""
    embed = discord.Embed(
        title=text.FOUND_TITLE.format(match_id=event.match_id),
        description=text.FOUND_BODY.format(race=race_name(game, event.race), deadline=when(deadline)),
        colour=FOUND_COLOUR,
    )
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmMatch(event.match_id))
    view.add_item(AbortMatch(event.match_id, event.aborts_left))
    return Reply(embeds=(embed,), view=view)


def details(event: ev.DetailsRevealed, game: GameData) -> Reply:
    opponent = event.opponent
    embed = discord.Embed(
        title=text.DETAILS_TITLE.format(
            match_id=event.match_id,
            race=race_name(game, event.race),
            opponent_race=race_name(game, opponent.race),
        ),
        description=text.DETAILS_INTRO,
        colour=DETAILS_COLOUR,
    )
    country = game.countries.get(opponent.country or "")
    embed.add_field(
        name=text.FIELD_OPPONENT,
        value=text.OPPONENT_LINE.format(
            name=opponent.main_id or opponent.username,
            country=names.country(country) if country else text.UNKNOWN,
            mmr=opponent.mmr,
        ),
        inline=False,
    )
    embed.add_field(name=text.FIELD_DISCORD, value=mention(opponent.discord_uid))
    embed.add_field(name=text.FIELD_BATTLETAG, value=opponent.battletag or text.UNKNOWN)
    if opponent.alt_ids:
        embed.add_field(name=text.FIELD_ALT_IDS, value=", ".join(opponent.alt_ids))
    map_value = (
        text.MAP_WITH_LINK.format(short_name=event.map_short_name, name=event.map_name, link=event.map_link)
        if event.map_link
        else text.MAP_LINE.format(short_name=event.map_short_name, name=event.map_name)
    )
    embed.add_field(name=text.FIELD_MAP, value=map_value)
    embed.add_field(
        name=text.FIELD_SERVER,
        value=text.SERVER_LINE.format(
            name=names.server(event.server_code, event.server_name),
            region=event.game_region,  # the battle.net region's code (AM, EU, AS): the same everywhere
        ),
    )
    if event.mod_link:
        embed.add_field(name=text.FIELD_MOD, value=text.MOD_LINE.format(link=event.mod_link))
    lobby = text.table("LOBBY")  # the settings as the game's lobby names them in this language
    embed.add_field(
        name=text.FIELD_LOBBY,
        value="\n".join(
            text.LOBBY_LINE.format(name=lobby.get(n, n), value=lobby.get(v, v)) for n, v in event.lobby
        ),
        inline=False,
    )
    embed.add_field(name=text.FIELD_YOUR_SLOT, value=text.SLOT_LINE.format(slot=event.slot))
    embed.add_field(name=text.FIELD_REPORT_BY, value=when(event.report_deadline))
    if event.report_locked:
        embed.add_field(name=text.FIELD_RESULT_LOCKED, value=text.RESULT_LOCKED, inline=False)
    embed.add_field(name=text.FIELD_REPLAYS, value=text.REPLAYS_NONE, inline=False)
    view = result_view(event.match_id, result_options(event, game), locked=event.report_locked)
    return Reply(embeds=(embed,), view=view)


def result_view(match_id: int, options: list[discord.SelectOption], *, locked: bool) -> discord.ui.View:
    """The details' controls: the result select (disabled, saying why, while reporting is locked)
    and Abort. The replay upload flow re-renders it unlocked once a replay passed the checks."""
    select = ResultSelect(match_id, options)
    if locked:
        select.item.disabled = True
        select.item.placeholder = text.RESULT_LOCKED_PLACEHOLDER
    view = discord.ui.View(timeout=None)
    view.add_item(select)
    view.add_item(AbortMatch(match_id))
    return view


def unlocked(embed: discord.Embed) -> discord.Embed:
    """``embed`` without the "reporting is locked" field (a replay of the match passed)."""
    for index, field in enumerate(embed.fields):
        if field.name == text.FIELD_RESULT_LOCKED:
            embed.remove_field(index)
            break
    return embed


def result_options(event: ev.DetailsRevealed, game: GameData) -> list[discord.SelectOption]:
    """The result select's options: each outcome named with its player ("you" for the reader).

    Values are the absolute outcomes the service takes: "1" player 1 won, "2" player 2 won,
    "0" draw; the labels say who that is, so nobody has to remember their slot.
    """
    opponent = event.opponent
    names = {event.slot: text.YOU, 3 - event.slot: opponent.main_id or opponent.username}
    races = {event.slot: race_name(game, event.race), 3 - event.slot: race_name(game, opponent.race)}
    won = [
        discord.SelectOption(
            label=text.RESULT_WON.format(slot=slot, name=names[slot], race=races[slot])[:100], value=str(slot)
        )
        for slot in (1, 2)
    ]
    return [*won, discord.SelectOption(label=text.RESULT_DRAW, value="0")]


def closed(match_id: int, status: str, summary: str) -> Reply:
    """The match message once the match is over: the summary, no buttons left."""
    embed = discord.Embed(
        title=text.CLOSED_TITLE.format(match_id=match_id, status=status),
        description=summary,
        colour=CLOSED_COLOUR,
    )
    return Reply(embeds=(embed,), view=discord.ui.View(timeout=None))


def with_replay_status(embed: discord.Embed, name: str, status: str) -> discord.Embed:
    """``embed`` (the match message as it is now) with its replay-status field ``name`` set to ``status``.

    The replay cog fetches the player's match message after an upload and sets this one field,
    whatever the card shows at that moment (details, or closed), instead of re-rendering it: the
    card stays this module's, and a later card replaces the field along with everything else.
    The field is added once and replaced by later uploads.
    """
    for index, field in enumerate(embed.fields):
        if field.name == name:
            return embed.set_field_at(index, name=name, value=status, inline=False)
    return embed.add_field(name=name, value=status, inline=False)


# --- what each player is told ------------------------------------------------------------------


def player_text(event: ev.LadderEvent, discord_uid: int, game: GameData) -> str | None:
    """The DM line ``discord_uid`` receives for ``event`` (None: the event needs no line)."""
    if isinstance(event, ev.ConfirmationReminder):
        return text.REMINDER.format(match_id=event.match_id, deadline=when(event.confirm_deadline))
    if isinstance(event, ev.OpponentConfirmed):
        return text.OPPONENT_CONFIRMED.format(match_id=event.match_id)
    if isinstance(event, ev.OpponentReported):
        return text.OPPONENT_REPORTED.format(
            match_id=event.match_id,
            outcome=_absolute(event.outcome),
            deadline=when(event.report_deadline),
        )
    if isinstance(event, ev.DeadlineWarning):
        if event.opponent_outcome is not None:
            return text.DEADLINE_WARNING_OPPONENT.format(
                match_id=event.match_id,
                outcome=_absolute(event.opponent_outcome),
                deadline=when(event.report_deadline),
            )
        return text.DEADLINE_WARNING.format(match_id=event.match_id, deadline=when(event.report_deadline))
    if isinstance(event, ev.RemovedFromQueue):
        # The system's own reason (a ban) is a code, told in the player's words; an admin's is
        # their own text, shown as written.
        reason = event.reason
        if event.admin_uid is None:
            reason = text.table("ABORT_REASON").get(reason, reason)
        return text.REMOVED_FROM_QUEUE.format(reason=reason)
    if isinstance(event, ev.AdminChangedPlayer):
        return admin_changed(event, game)
    if isinstance(event, ev.ResultFinal):
        slot = slot_of(event, discord_uid)
        shift = event.shift_1 if slot == 1 else -event.shift_1
        after = event.mmr_1_after if slot == 1 else event.mmr_2_after
        race = race_name(game, event.race_1 if slot == 1 else event.race_2)
        outcome = outcome_for(event.outcome, slot)
        if event.previous is not None:
            return text.RESULT_CHANGED.format(
                match_id=event.match_id,
                outcome=outcome,
                reason=event.reason or "",
                race=race,
                after=after,
                shift=shift,
            )
        return text.RESULT_FINAL.format(
            match_id=event.match_id, outcome=outcome, race=race, after=after, shift=shift
        )
    if isinstance(event, ev.MatchConflict):
        return text.CONFLICT.format(match_id=event.match_id)
    if isinstance(event, ev.MatchAborted):
        if event.reason != "player":
            return text.CANCELLED.format(match_id=event.match_id)
        if event.aborted_by == discord_uid:
            left: Any = event.aborts_left if event.aborts_left is not None else text.UNKNOWN
            return text.ABORTED_BY_YOU.format(match_id=event.match_id, left=left)
        return text.ABORTED_BY_OPPONENT.format(match_id=event.match_id)
    if isinstance(event, ev.MatchAbandoned):
        if event.reason == "not_confirmed":
            late = (
                text.ABANDONED_YOU_LATE if discord_uid in event.unconfirmed else text.ABANDONED_OPPONENT_LATE
            )
            return late.format(match_id=event.match_id)
        if event.reason == "undeliverable":
            unreachable = (
                text.ABANDONED_YOU_UNREACHABLE
                if discord_uid in event.unconfirmed
                else text.ABANDONED_OPPONENT_UNREACHABLE
            )
            return unreachable.format(match_id=event.match_id)
        return text.ABANDONED_NOT_REPORTED.format(match_id=event.match_id)
    if isinstance(event, ev.MatchInvalidated):
        return text.INVALIDATED.format(match_id=event.match_id, reason=event.reason)
    return None


def closed_status(event: ev.LadderEvent) -> str | None:
    """The match message's final status for an event that ends (or re-ends) a match."""
    if isinstance(event, ev.ResultFinal):
        return text.STATUS_FINAL
    if isinstance(event, ev.MatchConflict):
        return text.STATUS_CONFLICT
    if isinstance(event, ev.MatchAborted):
        return text.STATUS_ABORTED
    if isinstance(event, ev.MatchAbandoned):
        return text.STATUS_ABANDONED
    if isinstance(event, ev.MatchInvalidated):
        return text.STATUS_INVALIDATED
    return None


def _absolute(outcome: Outcome) -> str:
    return text.table("REPORT_TEXT").get(int(outcome), str(int(outcome)))


# --- the admin log -----------------------------------------------------------------------------


def admin_log(event: ev.LadderEvent, game: GameData, staff_role_id: int | None) -> Reply | None:
    """The admin-log post for ``event`` (final, conflict, aborted, abandoned, invalidated; an SC2
    account shared by several Discord accounts; a flagged replay)."""
    if isinstance(event, ev.ReplayFlagged):
        return replay_flagged(event)
    if isinstance(event, ev.SharedAccount):
        line = admin_text.SHARED_ACCOUNT_LOG.format(
            who=mention(event.discord_uid), handle=event.toon_handle, match_id=event.match_id,
            others=", ".join(mention(uid) for uid in event.others),
        )
        return Reply(content=line, allowed_mentions=discord.AllowedMentions.none())
    if not isinstance(event, ev.ToMatch) or not event.admin_log:
        return None
    p1, p2 = mention(event.player_1), mention(event.player_2)
    mentions = discord.AllowedMentions.none()
    if isinstance(event, ev.ResultFinal):
        result = text.table("ADMIN_RESULT")[int(event.outcome)].format(p1=p1, p2=p2)
        if event.previous is not None:
            line = text.ADMIN_REFINAL.format(
                match_id=event.match_id,
                admin=mention(event.resolved_by) if event.resolved_by else text.UNKNOWN,
                result=result,
                previous=text.table("ADMIN_RESULT")[int(event.previous)].format(p1=p1, p2=p2),
                reason=event.reason or "",
                shift=event.shift_1,
                neg_shift=-event.shift_1,
            )
        else:
            line = text.ADMIN_FINAL.format(
                match_id=event.match_id,
                p1=p1,
                p2=p2,
                race_1=race_name(game, event.race_1),
                race_2=race_name(game, event.race_2),
                result=result,
                shift=event.shift_1,
                neg_shift=-event.shift_1,
                source=text.table("SOURCE_TEXT").get(event.source, event.source),
            )
    elif isinstance(event, ev.MatchConflict):
        staff = ""
        if staff_role_id is not None and event.ping_staff:
            staff = f"<@&{staff_role_id}> "
            role = discord.Object(staff_role_id)
            mentions = discord.AllowedMentions(everyone=False, users=False, roles=[role])
        line = text.ADMIN_CONFLICT.format(
            staff=staff,
            match_id=event.match_id,
            p1=p1,
            p2=p2,
            report_1=_report(event.report_1),
            report_2=_report(event.report_2),
        )
    elif isinstance(event, ev.MatchAborted):
        line = text.ADMIN_ABORTED.format(
            match_id=event.match_id,
            who=mention(event.aborted_by),
            reason=text.table("ABORT_REASON").get(event.reason, event.reason),
        )
    elif isinstance(event, ev.MatchAbandoned):
        line = text.ADMIN_ABANDONED.format(
            match_id=event.match_id, reason=text.table("ABANDON_REASON").get(event.reason, event.reason)
        )
    elif isinstance(event, ev.MatchInvalidated):
        line = text.ADMIN_INVALIDATED.format(
            match_id=event.match_id,
            admin=mention(event.admin_uid),
            reason=event.reason,
            shift=event.shift_1,
            neg_shift=-event.shift_1,
        )
    else:
        return None
    return Reply(content=line, allowed_mentions=mentions)


def admin_changed(event: ev.AdminChangedPlayer, game: GameData) -> str:
    """The DM a player gets when an admin changed their account (the reason included)."""
    if event.action == "adjust_mmr" and event.race is not None:
        return text.ADMIN_SET_MMR.format(
            race=race_name(game, event.race), before=event.before, after=event.after, reason=event.reason
        )
    if event.action == "reset_aborts":
        return text.ADMIN_SET_ABORTS.format(left=event.aborts_left, reason=event.reason)
    template = text.ADMIN_BANNED if event.action == "ban" else text.ADMIN_UNBANNED
    return template.format(reason=event.reason)


def replay_flagged(event: ev.ReplayFlagged) -> Reply:
    """A replay an admin should look at: why, and how to act on it from ``/admin``."""
    parts = []
    if "mod_unverified" in event.reasons:
        handles = ", ".join(f"`{h[:16]}…`" for h in event.handles) or text.UNKNOWN
        parts.append(text.FLAG_MOD_UNVERIFIED.format(map=event.map_name, handles=handles))
    if "names_unknown" in event.reasons:
        names = ", ".join(event.names) or text.UNKNOWN
        parts.append(text.FLAG_NAMES_UNKNOWN.format(names=names))
    line = text.ADMIN_REPLAY_FLAGGED.format(
        match_id=event.match_id, uploader=mention(event.uploader_uid), reasons=" ".join(parts)
    )
    return Reply(content=line, allowed_mentions=discord.AllowedMentions.none())


def _report(report: int | None) -> str:
    return text.REPORT_NONE if report is None else text.table("REPORT_TEXT").get(report, str(report))
