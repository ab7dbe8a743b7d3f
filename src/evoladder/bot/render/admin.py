"""/admin answers as messages: the snapshot, the player and match files, confirmations, results.

Pure: each function takes what ``AdminConsole`` (or the player tools) returned and gives text, an
embed or a :class:`~evoladder.bot.reply.Reply`. Times are Discord timestamps, so every admin reads
them in their own zone. Everything is sized for Discord: a field holds at most 1,024 characters
(longer lists end with "…"), a message's embeds at most 6,000 in total, and the replays attached
to a match file were already chosen by the console to fit on one message.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal

import discord

from evoladder.bot.render.markdown import plain, plain_names
from evoladder.bot.render.match import race_name
from evoladder.bot.reply import Reply
from evoladder.domain.match_state import MatchState, MatchStatus
from evoladder.game import GameData
from evoladder.i18n.text import admin as text
from evoladder.services.accounts import AdminRole
from evoladder.services.admin_console import (
    AccountLine,
    AdminActionLine,
    BanPreview,
    CodeBatch,
    ConsoleSnapshot,
    DependencyPreview,
    MatchesPage,
    MatchFile,
    MmrPreview,
    PlayerFile,
    ReplayFile,
    ResolvePreview,
    Unblocked,
    unverified_handles,
)
from evoladder.services.admin_players import ActivationBatch, MmrAdjustment

COLOUR = discord.Colour.dark_teal()
FIELD_MAX = 1024
REPLAY_FIELD_MAX = 700  # several replays must still fit the 6,000 characters of one message
REPLAY_FIELDS_MAX = 4
LATENCY_ROWS = 10
CODES_INLINE_MAX = 20  # codes shown in the message itself; all of them are in the attached file
Style = Literal["f", "F", "d", "D", "t", "T", "R"]


def when(moment: datetime | None, style: Style = "f") -> str:
    return discord.utils.format_dt(moment, style) if moment is not None else text.NONE


def clip(value: str, limit: int = FIELD_MAX) -> str:
    """``value`` cut to ``limit`` characters at a line end when possible, marked with "…"."""
    if len(value) <= limit:
        return value or text.NONE
    room = limit - len(text.TRUNCATED)
    cut = value.rfind("\n", 0, room)
    return value[: cut if cut > 0 else room] + text.TRUNCATED


def lines(items: Sequence[str], empty: str, limit: int = FIELD_MAX) -> str:
    return clip("\n".join(items), limit) if items else empty


def person(uid: int, names: Mapping[int, str]) -> str:
    """A name with its mention (admins without a player record show the mention only)."""
    name = names.get(uid)
    return f"**{name}** (<@{uid}>)" if name else f"<@{uid}>"


def embed(title: str, description: str | None = None) -> discord.Embed:
    return discord.Embed(title=title[:256], description=description, colour=COLOUR)


# --- snapshot ----------------------------------------------------------------------------------


def snapshot(s: ConsoleSnapshot) -> Reply:
    counts, cache, queue = s.ladder.players, s.ladder.cache, s.queue
    card = embed(text.SNAPSHOT_TITLE)
    card.add_field(
        name=text.FIELD_PLAYERS,
        inline=False,
        value=text.PLAYERS_VALUE.format(
            total=counts.total,
            terms=counts.terms_accepted,
            setup=counts.setup_complete,
            activated=counts.activated,
            banned=counts.banned,
            queueing=counts.queueing,
            in_match=counts.in_match,
            ranked=s.ladder.ranked_rows,
            admins=s.ladder.admins,
        ),
    )
    queue_value = text.QUEUE_VALUE.format(
        total=queue.counts.total,
        bw=queue.counts.bw,
        sc2=queue.counts.sc2,
        both=queue.counts.both,
        next_wave=when(queue.next_wave_at, "R"),
        active=queue.active_players,
    )
    if s.last_wave is not None:
        queue_value += text.LAST_WAVE.format(
            when=when(s.last_wave.wave_at, "R"),
            queued=s.last_wave.queued,
            matched=s.last_wave.matched_players,
        )
    card.add_field(name=text.FIELD_QUEUE, value=queue_value, inline=False)
    m = s.matches
    card.add_field(
        name=text.FIELD_MATCHES,
        inline=False,
        value=text.MATCHES_VALUE.format(
            open=m.open, found=m.found, confirmed=m.confirmed, conflict=m.conflict
        ),
    )
    card.add_field(
        name=text.FIELD_CACHE,
        inline=False,
        value=text.CACHE_VALUE.format(
            cached=cache.cached_players,
            hits=cache.hits,
            misses=cache.misses,
            rate=cache.hit_rate_percent,
            ttl=cache.ttl_seconds,
        ),
    )
    rows = [
        text.LATENCY_LINE.format(
            command=c.command,
            count=c.count,
            p50=c.quantiles_ms[0],
            p95=c.quantiles_ms[1],
            p99=c.quantiles_ms[2],
        )
        for c in s.latencies[:LATENCY_ROWS]
    ]
    card.add_field(name=text.FIELD_LATENCY, value=lines(rows, text.LATENCY_NONE), inline=False)
    card.set_footer(text=text.LATENCY_NOTE)
    return Reply(embeds=(card,))


# --- player file -------------------------------------------------------------------------------


def player_files(files: Sequence[PlayerFile], game: GameData) -> Reply:
    """One file in full; several (a shared name) as a list to pick a Discord id from."""
    if len(files) == 1:
        return Reply(embeds=(player_file(files[0], game),))
    rows = [
        text.SEVERAL_LINE.format(
            uid=f.lookup.player.discord_uid,
            name=plain(f.lookup.player.main_id or text.NONE),
            username=plain(f.lookup.player.discord_username),
            state=_state(f.lookup.player.state.value, f.lookup.player.current_match_id),
        )
        for f in files
    ]
    return Reply(content=clip("\n".join([text.SEVERAL_PLAYERS.format(count=len(files)), *rows]), 2000))


def player_file(f: PlayerFile, game: GameData) -> discord.Embed:
    p = f.lookup.player
    names = plain_names(f.names)
    card = embed(
        text.PLAYER_TITLE.format(name=names.get(p.discord_uid, plain(p.discord_username))),
        text.PLAYER_HEADER.format(
            mention=f"<@{p.discord_uid}>", uid=p.discord_uid, username=plain(p.discord_username)
        ),
    )
    country = game.countries.get(p.country or "")
    region = game.regions.get(p.region or "")
    card.add_field(
        name=text.FIELD_IDENTITY,
        inline=False,
        value=clip(
            text.IDENTITY_VALUE.format(
                main_id=plain(p.main_id or text.NONE),
                battletag=plain(p.battletag or text.NONE),
                alt_ids=plain(", ".join(p.alt_ids)) or text.NONE,
                country=country.name if country else text.NONE,
                region=region.name if region else text.NONE,
            )
        ),
    )
    card.add_field(name=text.FIELD_STATUS, value=_status(f), inline=False)
    card.add_field(name=text.FIELD_MMR, value=_ratings(f, game), inline=False)
    recent = [_recent_line(m, p.discord_uid, names, game) for m in f.recent]
    card.add_field(name=text.FIELD_RECENT, value=lines(recent, text.NO_MATCHES), inline=False)
    actions = [_action_line(a, names) for a in f.actions]
    card.add_field(name=text.FIELD_ACTIONS, value=lines(actions, text.NO_ACTIONS), inline=False)
    accounts = [_account_line(a, names) for a in f.accounts]
    card.add_field(name=text.FIELD_ACCOUNTS, value=lines(accounts, text.NO_ACCOUNTS), inline=False)
    return card


def _account_line(a: AccountLine, names: Mapping[int, str]) -> str:
    line = text.ACCOUNT_LINE.format(handle=a.toon_handle, replays=a.replays, last=when(a.last_seen, "d"))
    if not a.shared_with:
        return line
    others = ", ".join(f"{names.get(uid, uid)} (<@{uid}>)" for uid in a.shared_with)
    return line + text.ACCOUNT_SHARED.format(others=others)


def _state(state: str, match_id: int | None) -> str:
    return text.table("STATE_TEXT").get(state, state).format(match_id=match_id)


def _status(f: PlayerFile) -> str:
    p = f.lookup.player
    rows = [
        text.STATUS_TERMS.format(
            value=when(p.terms_accepted_at, "d") if p.terms_accepted_at else text.NOT_YET
        ),
        text.STATUS_SETUP.format(
            value=when(p.completed_setup_date, "d") if p.completed_setup_date else text.NOT_YET
        ),
        text.STATUS_ACTIVATED.format(value=when(p.activated_at, "d") if p.activated_at else text.NOT_YET),
        text.STATUS_STATE.format(state=_state(p.state.value, p.current_match_id)),
        text.STATUS_ABORTS.format(left=f.lookup.aborts_left),
        text.STATUS_SINCE.format(when=when(p.created_at, "d")),
    ]
    if p.is_banned:
        rows.insert(0, text.STATUS_BANNED.format(reason=p.ban_reason or text.NONE))
    return clip("\n".join(rows))


def _ratings(f: PlayerFile, game: GameData) -> str:
    rows = []
    for r in sorted(f.lookup.ratings, key=lambda r: (-r.mmr, r.race)):
        rank = f.lookup.ranks.get(r.race)
        rows.append(
            text.MMR_LINE.format(
                race=race_name(game, r.race),
                mmr=r.mmr,
                rank=text.RANK_TEXT.format(rank=rank.global_rank, letter=rank.letter)
                if rank
                else text.UNRANKED,
                games=r.games_played,
                wins=r.games_won,
                losses=r.games_lost,
                draws=r.games_drawn,
                last=when(r.last_played, "R"),
            )
        )
    return lines(rows, text.NO_RATINGS)


def _recent_line(m: MatchState, uid: int, names: Mapping[int, str], game: GameData) -> str:
    slot = m.slot_of(uid)
    opponent = m.opponent_of(uid)
    return text.RECENT_LINE.format(
        match_id=m.id,
        when=when(m.played_at, "d"),
        opponent=names.get(opponent, str(opponent)),
        race=race_name(game, m.race(slot)),
        opponent_race=race_name(game, m.race(3 - slot)),
        result=_result_for(m, slot),
    )


def _result_for(m: MatchState, slot: int) -> str:
    """The match from one player's side: won / lost / draw with their shift, or its status."""
    if m.status is not MatchStatus.FINAL or m.result is None:
        return text.table("STATUS_TEXT").get(m.status.value, m.status.value)
    outcome = (
        text.RESULT_DRAW if m.result == 0 else (text.RESULT_WON if m.result == slot else text.RESULT_LOST)
    )
    if m.mmr_change is None:
        return outcome
    shift = m.mmr_change if slot == 1 else -m.mmr_change
    return outcome + text.SHIFT.format(shift=shift)


def _action_line(a: AdminActionLine, names: Mapping[int, str]) -> str:
    return text.ACTION_LINE.format(
        when=when(a.performed_at, "f"),
        action=a.action_type,
        admin=person(a.admin_uid, names),
        reason=a.reason,
    )


# --- match file --------------------------------------------------------------------------------


def match_file(f: MatchFile, game: GameData) -> Reply:
    s = f.state
    names = plain_names(f.names)
    status = text.table("STATUS_TEXT").get(s.status.value, s.status.value)
    card = embed(
        text.MATCH_TITLE.format(match_id=s.id, status=status),
        text.MATCH_HEADER.format(map=s.map_name, server=_server(game, s.server)),
    )
    for slot in (1, 2):
        card.add_field(
            name=text.FIELD_SLOT.format(slot=slot, side=text.SIDE_BW if slot == 1 else text.SIDE_SC2),
            value=_slot(s, slot, names, game),
        )
    card.add_field(name=text.FIELD_RESULT, value=_match_result(s, names), inline=False)
    card.add_field(name=text.FIELD_TIMELINE, value=_timeline(s, f.actions, names, status), inline=False)
    for index, replay in enumerate(f.replays[:REPLAY_FIELDS_MAX], start=1):
        uploader = names.get(replay.stored.uploader_uid, str(replay.stored.uploader_uid))
        card.add_field(
            name=text.FIELD_REPLAY.format(index=index, uploader=uploader), value=_replay(replay), inline=False
        )
    if not f.replays:
        card.add_field(name=text.FIELD_REPLAYS, value=text.NO_REPLAYS, inline=False)
    files = [discord.File(io.BytesIO(r.data), filename=r.filename) for r in f.replays if r.data is not None]
    return Reply(embeds=(card,), files=files)


def matches_page(p: MatchesPage) -> Reply:
    """``/admin matches``: one line per match (id, status, players, age), conflicts first."""
    card = embed(text.MATCHES_TITLE.format(total=p.total))
    rows = [
        text.MATCHES_LINE.format(
            match_id=m.id,
            status=text.table("STATUS_TEXT").get(m.status.value, m.status.value),
            p1=person(m.player_1, p.names),
            p2=person(m.player_2, p.names),
            age=_age(p.now - m.played_at),
            made=when(m.played_at, "R"),
        )
        for m in p.matches
    ]
    card.description = lines(rows, text.MATCHES_NONE, 4000)
    card.set_footer(text=text.MATCHES_FOOTER.format(page=p.page, pages=p.pages))
    return Reply(embeds=(card,))


def _age(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return text.AGE_DAYS.format(days=days, hours=hours)
    if hours:
        return text.AGE_HOURS.format(hours=hours, minutes=minutes)
    return text.AGE_MINUTES.format(minutes=minutes)


def _server(game: GameData, code: str) -> str:
    server = game.servers.get(code)
    return f"{server.name} ({code})" if server else code


def _slot(s: MatchState, slot: int, names: Mapping[int, str], game: GameData) -> str:
    uid = s.player(slot)
    return text.SLOT_VALUE.format(
        name=names.get(uid, str(uid)),
        mention=f"<@{uid}>",
        race=race_name(game, s.race(slot)),
        mmr=s.mmr_1 if slot == 1 else s.mmr_2,
        confirmed=when(s.confirmed_1_at if slot == 1 else s.confirmed_2_at, "T"),
        report=text.table("REPORT_TEXT").get(s.report(slot), str(s.report(slot))),
    )


def _match_result(s: MatchState, names: Mapping[int, str]) -> str:
    p1, p2 = names.get(s.player_1, str(s.player_1)), names.get(s.player_2, str(s.player_2))
    if s.is_open:
        value = text.RESULT_OPEN
    elif s.status is MatchStatus.CONFLICT:
        value = text.RESULT_CONFLICT
    elif s.status is not MatchStatus.FINAL or s.result is None:
        status = text.table("STATUS_TEXT").get(s.status.value, s.status.value)
        value = text.RESULT_CANCELLED.format(status=status)
    elif s.result == 0:
        value = text.RESULT_DRAW_TEXT
    else:
        value = text.RESULT_WINNER.format(name=p1 if s.result == 1 else p2, slot=s.result)
    if s.status is MatchStatus.FINAL and s.mmr_change is not None:
        value += text.MMR_CHANGE.format(p1=p1, p2=p2, shift=s.mmr_change, neg=-s.mmr_change)
    if s.resolved_by is not None:
        value += text.RESOLVED_BY.format(admin=person(s.resolved_by, names))
    return clip(value)


def _timeline(
    s: MatchState, actions: Sequence[AdminActionLine], names: Mapping[int, str], status: str
) -> str:
    """The match's own timestamps and the admin actions on it, in time order."""
    moments: list[tuple[datetime, str]] = []
    for attr, label in text.table("TIMELINE").items():
        moment = getattr(s, attr)
        if isinstance(moment, datetime):
            moments.append((moment, label.format(status=status)))
    for a in actions:
        what = text.ACTION_TIMELINE.format(
            action=a.action_type, admin=person(a.admin_uid, names), reason=a.reason
        )
        moments.append((a.performed_at, what))
    moments.sort(key=lambda item: item[0])
    return clip("\n".join(text.TIMELINE_LINE.format(when=when(t, "T"), what=w) for t, w in moments))


def _replay(r: ReplayFile) -> str:
    stored = r.stored
    if r.data is not None:
        attached = text.REPLAY_ATTACHED
    elif r.missing:
        attached = text.REPLAY_MISSING
    else:
        attached = text.REPLAY_NOT_ATTACHED
    head = text.REPLAY_HEAD.format(
        when=when(stored.uploaded_at, "f"),
        size=_size(stored.size_bytes),
        hash=stored.hash[:12],
        attached=attached,
    )
    lines = [head, *checklist(stored.checks)]
    if unverified_handles(stored.checks):
        lines.append(text.MAP_DEPENDENCY_HINT.format(match_id=stored.match_id))
    return clip("\n".join(lines), REPLAY_FIELD_MAX)


def checklist(checks: Mapping[str, object] | None) -> list[str]:
    """The stored checklist as lines: pass, warning (a non-critical failure) or failure."""
    items = checks.get("checks") if checks else None
    if not isinstance(items, list) or not items:
        return [text.REPLAY_UNCHECKED]
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        passed, critical = bool(item.get("passed")), bool(item.get("critical"))
        mark = text.CHECK_PASS if passed else (text.CHECK_FAIL if critical else text.CHECK_WARN)
        out.append(text.CHECK_LINE.format(mark=mark, message=item.get("message", item.get("id", "?"))))
    return out


def _size(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


# --- confirmations and results ------------------------------------------------------------------


def question(head: str, details: Iterable[str], reason: str) -> str:
    return "\n".join([head, *details, text.REASON_LINE.format(reason=reason), f"-# {text.CONFIRM_FOOTER}"])


def resolve_question(p: ResolvePreview, reason: str) -> str:
    s = p.state
    names = plain_names(p.names)
    p1, p2 = names.get(s.player_1, str(s.player_1)), names.get(s.player_2, str(s.player_2))
    outcome = text.table("OUTCOME_CHOICES")[p.resolution.value]
    now = _match_result(s, names).replace("\n", " · ")
    shift = p.plan.mmr_shift(1)
    rating = (
        text.RESOLVE_RATINGS.format(p1=p1, p2=p2, shift_1=shift, shift_2=-shift)
        if shift
        else text.RESOLVE_NO_RATINGS
    )
    head = text.RESOLVE_QUESTION.format(match_id=s.id, outcome=outcome)
    return question(head, [text.RESOLVE_NOW.format(status=now), rating], reason)


def dependency_question(p: DependencyPreview, reason: str) -> str:
    head = text.MAP_DEPENDENCY_QUESTION.format(count=len(p.handles), map=p.map_name, match_id=p.match_id)
    return question(head, [text.MAP_DEPENDENCY_HANDLE.format(handle=h) for h in p.handles], reason)


def resolve_done(s: MatchState) -> str:
    status = text.table("STATUS_TEXT").get(s.status.value, s.status.value)
    result = ""
    if s.status is MatchStatus.FINAL and s.result is not None:
        delta = s.mmr_change or 0
        result = text.RESOLVE_RESULT.format(
            result=text.table("REPORT_TEXT").get(s.result, str(s.result)), shift=delta, neg=-delta
        )
    return text.RESOLVE_DONE.format(match_id=s.id, status=status, result=result)


def mmr_question(p: MmrPreview, game: GameData, reason: str) -> str:
    name, race = _name(p.player.main_id, p.player.discord_username), race_name(game, p.race)
    head = text.MMR_QUESTION.format(
        name=name, race=race, before=p.before, after=p.after, shift=p.after - p.before
    )
    details = [] if p.has_row else [text.MMR_NO_ROW.format(race=race, before=p.before)]
    return question(head, details, reason)


def mmr_done(name: str, a: MmrAdjustment, game: GameData) -> str:
    return text.MMR_DONE.format(name=name, race=race_name(game, a.race), after=a.after, before=a.before)


def ban_question(p: BanPreview, reason: str) -> str:
    details = []
    if p.queued:
        details.append(text.BAN_QUEUED)
    if p.open_match is not None:
        details.append(text.BAN_IN_MATCH.format(match_id=p.open_match.id))
    details.append(text.BAN_BUTTONS)
    name = _name(p.player.main_id, p.player.discord_username)
    return question(text.BAN_QUESTION.format(name=name, uid=p.player.discord_uid), details, reason)


def clear_question(count: int, reason: str) -> str:
    return question(text.CLEAR_QUESTION.format(count=count), [], reason)


def unblocked(name: str, u: Unblocked) -> str:
    match = text.UNBLOCK_MATCH.format(match_id=u.stale_match_id) if u.stale_match_id is not None else ""
    return text.UNBLOCK_DONE.format(name=name, state=u.from_state.value, match=match)


def _name(main_id: str | None, username: str) -> str:
    return plain(main_id or username)


# --- codes and staff ---------------------------------------------------------------------------


def codes(head: str, batch: str, codes: Sequence[str]) -> Reply:
    """Codes inline (the first few) and all of them in a text file an admin can hand out."""
    shown = list(codes[: CODES_INLINE_MAX])
    body = [head, "```", *shown, "```"]
    if len(codes) > len(shown):
        body.append(text.CODES_ALL_IN_FILE)
    data = ("\n".join(codes) + "\n").encode()
    file = discord.File(io.BytesIO(data), filename=text.CODES_FILE.format(batch=batch))
    return Reply(content="\n".join(body), files=(file,))


def codes_created(batch: ActivationBatch) -> Reply:
    head = text.CODES_CREATED.format(count=len(batch.codes), batch=batch.batch)
    return codes(head, batch.batch, batch.codes)


def unused_codes(batch: str, found: Sequence[str]) -> Reply:
    if not found:
        return Reply(content=text.CODES_NONE_UNUSED.format(batch=batch))
    return codes(text.CODES_UNUSED.format(batch=batch, count=len(found)), batch, found)


def code_batches(batches: Sequence[CodeBatch]) -> Reply:
    if not batches:
        return Reply(content=text.CODES_NO_BATCHES)
    rows = [
        text.CODES_BATCH_LINE.format(
            batch=b.batch,
            unused=b.unused,
            total=b.total,
            by=f"<@{b.created_by}>",
            when=when(b.created_at, "R"),
        )
        for b in batches
    ]
    return Reply(embeds=(embed(text.CODES_BATCHES_TITLE, clip("\n".join(rows), 4096)),))


def staff(roles: Mapping[int, AdminRole], names: Mapping[int, str]) -> Reply:
    def rows(role: AdminRole) -> list[str]:
        return [
            text.STAFF_LINE.format(
                mention=f"<@{uid}>", uid=uid, name=f" · {plain(names[uid])}" if uid in names else ""
            )
            for uid in sorted(u for u, r in roles.items() if r is role)
        ]

    card = embed(text.ADMINS_TITLE)
    card.add_field(name=text.FIELD_OWNERS, value=lines(rows(AdminRole.OWNER), text.NONE), inline=False)
    card.add_field(name=text.FIELD_ADMINS, value=lines(rows(AdminRole.ADMIN), text.NONE), inline=False)
    return Reply(embeds=(card,))
